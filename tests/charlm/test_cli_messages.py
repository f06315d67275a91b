"""What the command line says about bad input and in --help (issue #17, item 9).

Each test runs the real command, ``python -m rnnkit.charlm``, in a subprocess.
"""
from __future__ import annotations

import re
import subprocess
import sys

import pytest


def _cli(*argv, timeout=120):
    return subprocess.run([sys.executable, "-m", "rnnkit.charlm", *argv],
                          capture_output=True, text=True, timeout=timeout)


def _one_line_error(r, command):
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    return " ".join(r.stderr.split())


def test_random_bytes_give_a_whole_sentence_not_torch_cut_mid_word(tmp_path):
    import torch
    bad = tmp_path / "random.pt"
    bad.write_bytes(bytes(range(256)) * 12)
    try:
        torch.load(bad, weights_only=True)
    except Exception as err:                    # what torch says, in full
        full = str(err)
    r = _cli("sample", "--checkpoint", str(bad))
    err = _one_line_error(r, "sample")
    assert r.stderr.count("\n") == 1
    found = re.search(r"not a readable checkpoint \(torch: ([^()]*)\)", err)
    assert found, err
    reason = found.group(1)
    assert reason.endswith((".", "…")) or reason[-1].isalnum()
    for word in reason.rstrip(".…").split()[1:]:         # every word whole, as torch wrote it
        assert re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", full), (word, reason)
    assert "weights_only" not in err                     # not torch's advice to turn off the safe load


@pytest.mark.parametrize("command", ["sample", "evaluate"])
def test_a_folder_given_as_checkpoint_is_named_as_a_folder(tmp_path, command):
    r = _cli(command, "--checkpoint", str(tmp_path))
    err = _one_line_error(r, command)
    assert f"--checkpoint {tmp_path} is a folder; give the checkpoint file" in err
    assert "train one" not in err


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_data_that_is_not_utf8_is_named_with_the_first_bad_byte(tmp_path, command):
    data = tmp_path / "cp949.txt"
    data.write_bytes("형식은 학교에 갔다. ".encode("utf-8") * 3 + "영채".encode("cp949") + b" end of text")
    argv = ["--steps", "1", "--checkpoint", str(tmp_path / "m.pt")] if command == "train" else []
    r = _cli(command, "--data", str(data), *argv)
    err = _one_line_error(r, command)
    at = len("형식은 학교에 갔다. ".encode("utf-8") * 3)
    assert f"--data {data} is not UTF-8 text" in err
    assert f"byte 0x{'영채'.encode('cp949')[0]:02x} at position {at:,}" in err


def test_data_cut_inside_a_character_says_so(tmp_path):
    data = tmp_path / "cut.txt"
    data.write_bytes(("형식은 학교에 갔다. " * 4).encode("utf-8")[:-3])      # '. ' and the last byte of 다
    r = _cli("evaluate", "--data", str(data))
    err = _one_line_error(r, "evaluate")
    assert f"--data {data} ends in the middle of a character (its last 2 byte(s))" in err
    assert "cp949" not in err


def test_the_shipped_mixture_on_another_text_names_the_text_not_train_text(tmp_path):
    data = tmp_path / "other.txt"
    data.write_text("형식은 학교에 갔다. " * 40, encoding="utf-8")
    err = _one_line_error(_cli("evaluate", "--data", str(data)), "evaluate")
    assert f"was made from another text than --data {data}" in err and "train_text" not in err


def _help(command):
    r = _cli(command, "--help", timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def _option_help(text, option):
    """The help of ``option`` in --help output: its lines up to the next option, joined."""
    lines, out = text.splitlines(), None
    for ln in lines:
        if out is None and ln.strip().startswith(option + " "):
            out = [ln.strip().split(" ", 2)[2] if len(ln.strip().split(" ", 2)) > 2 else ""]
        elif out is not None and ln.strip().startswith("-") or out is not None and not ln.strip():
            break
        elif out is not None:
            out.append(ln.strip())
    assert out is not None, (option, text)
    return " ".join(" ".join(out).split())


def test_help_says_what_checkpoint_means_for_each_command():
    for command in ("train", "mix"):
        h = _option_help(_help(command), "--checkpoint")
        assert h.startswith("file to write") and "shipped" not in h, h
    for command in ("evaluate", "sample"):
        h = _option_help(_help(command), "--checkpoint")
        assert h.startswith("file to read") and "default: the model shipped with rnnkit" in h, h


def test_dynamic_lr_has_help_and_shows_its_default():
    h = _option_help(_help("evaluate"), "--dynamic-lr")
    assert "learning rate" in h and "(default: 0.1)" in h, h
