"""python -m rnnkit.spacing: train, space and evaluate a tiny model on the synthetic word salad."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rnnkit.data.spacing import heldout_lines, respace, unspace  # noqa: E402
from rnnkit.spacing import cli, cli_train  # noqa: E402
from rnnkit.spacing.__main__ import main  # noqa: E402
from rnnkit.spacing.checkpoint import load_checkpoint  # noqa: E402
from rnnkit.spacing.evaluate import evaluate_lines  # noqa: E402
from rnnkit.spacing.model import line_probabilities  # noqa: E402

TINY = ["--steps", "150", "--embed", "8", "--hidden", "16", "--layers", "1", "--batch-size", "16",
        "--seq-len", "40", "--lr", "1e-2", "--warmup", "5", "--log-every", "50", "--quiet"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    """One torch thread: reproducible and fast for tiny models (tests/conftest.py)."""


@pytest.fixture(scope="module")
def text_file(tmp_path_factory, salad):
    p = tmp_path_factory.mktemp("spacing_cli") / "salad.txt"
    p.write_text(salad(300), encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def trained(text_file):
    out = text_file.parent / "tiny.pt"
    n = torch.get_num_threads()
    assert main(["train", "--data", str(text_file), "--out", str(out), *TINY]) == 0
    torch.set_num_threads(n)
    return out


def run(capsys, *argv):
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def test_train_writes_a_checkpoint_with_its_command_log_and_scores(trained, text_file):
    model, vocab, ckpt = load_checkpoint(trained)
    assert model.config == {"vocab_size": 23, "embed": 8, "hidden": 16, "num_layers": 1, "bidirectional": True,
                            "dropout": 0.0, "cell": "lstm", "residual": False}
    meta = ckpt["meta"]
    assert meta["command"] == " ".join(["python -m rnnkit.spacing train", "--data", str(text_file),
                                        "--out", str(trained), *TINY])
    assert [e["step"] for e in ckpt["log"]] == [50, 100, 150] and meta["steps"] == 150
    assert meta["optim"]["seq_len"] == 40 and meta["seed"] == 0 and meta["threads"] == 1
    text = text_file.read_text(encoding="utf-8")
    scores = evaluate_lines(model, vocab, heldout_lines(text))
    assert meta["heldout"] == {k: scores[k] for k in cli_train.SCORES}
    assert scores["f1"] > 0.97 and scores["lines"] == 32


def test_training_is_reproducible(trained, text_file, capsys):
    again = text_file.parent / "again.pt"
    assert run(capsys, "train", "--data", text_file, "--out", again, *TINY)[0] == 0
    assert load_checkpoint(again)[2]["sha256"] == load_checkpoint(trained)[2]["sha256"]


def test_space_is_the_default_command(trained, capsys):
    code, out, err = run(capsys, "--checkpoint", trained, "형식은학교에갔다.")
    assert (code, out, err) == (0, "형식은 학교에 갔다.\n", "")
    assert run(capsys, "space", "--checkpoint", trained, "형식은", "학교 에갔다.")[1] == "형식은 학교에 갔다.\n"


def test_unknown_characters_come_through_unchanged(trained, capsys):
    line = "형식은X학교에★갔다.Zz"
    code, out, _ = run(capsys, "--checkpoint", trained, line)
    assert code == 0 and unspace(out.rstrip("\n"))[0] == line and "X" in out and "★" in out


def test_space_a_file_line_by_line(trained, tmp_path, capsys):
    f = tmp_path / "in.txt"
    f.write_text("형식은학교에갔다.\n\n영채가집에서웃는다.\n", encoding="utf-8")
    code, out, _ = run(capsys, "--checkpoint", trained, "--file", f)
    assert (code, out) == (0, "형식은 학교에 갔다.\n\n영채가 집에서 웃는다.\n")


def test_space_standard_input(trained, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("선형이말하였다.\n형식은갔다."))
    code, out, _ = run(capsys, "--checkpoint", trained)
    assert (code, out) == (0, "선형이 말하였다.\n형식은 갔다.\n")


def test_probs_and_threshold_are_the_model_probabilities(trained, capsys):
    model, vocab, _ = load_checkpoint(trained)
    chars = "형식은학교에갔다."
    p = line_probabilities(model, vocab, [chars])[0]
    code, out, _ = run(capsys, "--checkpoint", trained, "--probs", chars)
    spaced, pairs = out.rstrip("\n").split("\n")
    assert code == 0 and spaced == respace(chars, p > 0.5)
    tokens = pairs.split(" ")
    assert [t[0] for t in tokens] == list(chars[:-1]) and all(t[1] == "=" for t in tokens)
    np.testing.assert_allclose([float(t[2:]) for t in tokens], p[:-1], atol=5e-4)
    t = float(np.sort(p[:-1])[-1]) - 1e-3             # only the most likely boundary is above it
    code, out, _ = run(capsys, "--checkpoint", trained, "--threshold", t, chars)
    assert out == respace(chars, p > t) + "\n" and out.count(" ") == 1


@pytest.mark.parametrize("how", ["argument", "file", "stdin"])
def test_empty_input_is_a_clear_error_with_status_2(trained, tmp_path, monkeypatch, capsys, how):
    argv = ["--checkpoint", trained]
    if how == "argument":
        argv.append("  \t ")
    elif how == "file":
        (tmp_path / "blank.txt").write_text("\n \n", encoding="utf-8")
        argv += ["--file", tmp_path / "blank.txt"]
    else:
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("python -m rnnkit.spacing space: error: no text to space: ")
    assert "give the text as an argument, with --file PATH, or on standard input" in err


def test_a_terminal_on_standard_input_is_not_waited_for(trained, monkeypatch, capsys):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdin", Terminal("형식은갔다."))
    code, _, err = run(capsys, "--checkpoint", trained)
    assert code == 2 and "no text to space: give it as an argument, with --file PATH, or on standard input" in err


def test_evaluate_prints_the_held_out_scores(trained, text_file, capsys):
    h = load_checkpoint(trained)[2]["meta"]["heldout"]
    code, out, err = run(capsys, "evaluate", "--checkpoint", trained, "--data", text_file)
    assert code == 0 and err == ""
    assert out == (f"held-out: 32 lines, {h['boundaries']:,} boundaries, {h['spaces']:,} spaces\n"
                   f"precision {h['precision']:.4f}  recall {h['recall']:.4f}  F1 {h['f1']:.4f}  "
                   f"exact lines {h['exact']:.4f} ({round(h['exact'] * 32)} of 32)\n")


def test_evaluate_says_it_needs_the_novel(trained, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RNNKIT_MUJEONG", str(tmp_path / "no-novel.txt"))
    code, out, err = run(capsys, "evaluate", "--checkpoint", trained)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "evaluate needs the novel 『무정』 and rnnkit.data could not find it" in err
    assert "no-novel.txt" in err and err.rstrip().endswith("set RNNKIT_MUJEONG=/path/to/mujeong.txt, or give --data PATH")


def test_a_missing_shipped_model_says_how_to_make_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "SHIPPED", tmp_path / "spacing_mujeong.pt")
    for argv in (["형식은갔다."], ["evaluate"]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and err.count("\n") == 1 and "has not been made yet; make it with " \
            "`python -m rnnkit.spacing train --steps 4000 " in err and "--out rnnkit/checkpoints/spacing_mujeong.pt`" in err


def test_bad_checkpoints_are_one_line_errors(trained, tmp_path, capsys):
    (tmp_path / "cut.pt").write_bytes(trained.read_bytes()[:600])
    code, _, err = run(capsys, "--checkpoint", tmp_path / "cut.pt", "형식은갔다.")
    assert code == 2 and err.count("\n") == 1 and f"{tmp_path / 'cut.pt'}: not a readable checkpoint" in err
    code, _, err = run(capsys, "--checkpoint", tmp_path / "none.pt", "형식은갔다.")
    assert code == 2 and f"{tmp_path / 'none.pt'}: no such checkpoint file" in err


@pytest.mark.parametrize("extra, message", [
    (["--steps", None], "train needs a budget: --steps N or --minutes M"),
    (["--out", "EXISTING"], "exists; pass --force to replace it"),
    (["--out", "NOFOLDER"], "does not exist; create it first"),
    (["--dropout", "1.5"], "--dropout must be in [0, 1), got 1.5"),
    (["--steps", "0"], "argument --steps: expected a positive int, got '0'"),
])
def test_train_refuses_bad_options_before_any_work(trained, text_file, tmp_path, capsys, extra, message):
    argv = ["train", "--data", text_file, "--out", tmp_path / "new.pt", *TINY]
    flag, value = extra
    at = argv.index(flag) if flag in argv else None
    where = {"EXISTING": trained, "NOFOLDER": tmp_path / "no" / "m.pt"}
    if value is None:
        del argv[at:at + 2]
    elif at is not None:
        argv[at + 1] = where.get(value, value)
    else:
        argv += [flag, value]
    with pytest.raises(SystemExit) as stop:
        main(list(map(str, argv)))
    assert stop.value.code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "new.pt").exists()


def test_ctrl_c_saves_the_model_so_far(text_file, tmp_path, monkeypatch, capsys):
    real = cli_train.train

    def interrupted(*args, callback, **kwargs):
        def stop(entry):
            callback(entry)
            raise KeyboardInterrupt
        return real(*args, callback=stop, **kwargs)

    monkeypatch.setattr(cli_train, "train", interrupted)
    out = tmp_path / "stopped.pt"
    code, _, err = run(capsys, "train", "--data", text_file, "--out", out, *TINY)
    assert code == 130 and f"interrupted after step 50 (the last logged); saved {out}" in err
    _, _, ckpt = load_checkpoint(out)
    assert ckpt["meta"]["interrupted"] and [e["step"] for e in ckpt["log"]] == [50]


def test_the_progress_bar_goes_to_stderr(text_file, tmp_path, capsys):
    argv = ["train", "--data", text_file, "--out", tmp_path / "bar.pt", *[a for a in TINY if a != "--quiet"]]
    code, out, err = run(capsys, *argv)
    assert code == 0 and "step/s" in err and "step/s" not in out and "saved" in out


def test_the_module_runs_as_a_program(trained):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "rnnkit.spacing", "--checkpoint", str(trained)],
                       input="형식은학교에갔다.\n영채가웃는다.\n", capture_output=True, text=True, timeout=120, env=env)
    assert (r.returncode, r.stdout, r.stderr) == (0, "형식은 학교에 갔다.\n영채가 웃는다.\n", "")
    r = subprocess.run([sys.executable, "-m", "rnnkit.spacing", "--checkpoint", str(trained)],
                       input="", capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 2 and "no text to space" in r.stderr and r.stdout == ""
