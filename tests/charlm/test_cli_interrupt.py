"""Ctrl-C during ``python -m rnnkit.charlm train`` (issue #17, item 3).

The real command runs in a subprocess; once its progress bar shows steps being taken,
the test sends SIGINT, as Ctrl-C in a terminal does.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time

from rnnkit.charlm import load_checkpoint

SMALL = ["--layers", "1", "--hidden", "16", "--batch-size", "4", "--seq-len", "16", "--threads", "1"]


def _read_into(stream, sink):
    while chunk := stream.read1(256) if hasattr(stream, "read1") else stream.read(256):
        sink.append(chunk)


def test_ctrl_c_saves_the_model_as_it_is_and_exits_130(tmp_path, text):
    data = tmp_path / "small.txt"
    data.write_text(text, encoding="utf-8")
    ckpt = tmp_path / "m.pt"
    proc = subprocess.Popen([sys.executable, "-m", "rnnkit.charlm", "train", "--steps", "1000000",
                             "--eval-every", "100000", "--data", str(data), "--checkpoint", str(ckpt),
                             *SMALL], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))
    err, out = [], []
    readers = [threading.Thread(target=_read_into, args=(proc.stderr, err), daemon=True),
               threading.Thread(target=_read_into, args=(proc.stdout, out), daemon=True)]
    for t in readers:
        t.start()
    try:
        deadline = time.monotonic() + 120
        while not re.search(rb"[1-9]\d*/1000000", b"".join(err)):      # the bar: steps are being taken
            assert proc.poll() is None and time.monotonic() < deadline, b"".join(err).decode()
            time.sleep(0.1)
        assert not ckpt.exists()                 # shorter than --eval-every: nothing saved yet
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    for t in readers:
        t.join(timeout=10)
    stderr = b"".join(err).decode("utf-8", "replace")
    assert code == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    said = re.search(r"interrupted at step (\d+); saved (\S+)\n", stderr)
    assert said, stderr
    step, path = int(said.group(1)), said.group(2)
    assert path == str(ckpt) and step >= 1
    model, vocab, saved = load_checkpoint(ckpt)
    assert saved["meta"]["interrupted"] is True and saved["meta"]["interrupted_at_step"] == step
    assert saved["log"] == [] and "heldout" not in saved["meta"]
    assert model.config["hidden"] == 16
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []   # no temporary file
