"""The command line: train, evaluate, sample on a small text file; one-line errors, exit 2."""
from __future__ import annotations

import subprocess
import sys

import pytest

from rnnkit.charlm import load_checkpoint
from rnnkit.charlm.__main__ import main

SMALL = ["--layers", "1", "--hidden", "32", "--batch-size", "4", "--seq-len", "16", "--threads", "1"]


@pytest.fixture
def text_file(tmp_path, text):
    p = tmp_path / "small.txt"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture
def trained(tmp_path, text_file, capsys):
    ckpt = tmp_path / "m.pt"
    assert main(["train", "--steps", "5", "--eval-every", "5", "--data", str(text_file),
                 "--checkpoint", str(ckpt), "--quiet"] + SMALL) == 0
    capsys.readouterr()
    return ckpt


def test_train_writes_a_checkpoint(trained, text):
    model, vocab, ckpt = load_checkpoint(trained)
    assert len(vocab) == len(set(text)) and model.config["hidden"] == 32 and model.config["tie"]
    assert [r["step"] for r in ckpt["log"]] == [5]
    assert ckpt["meta"]["command"].startswith("python -m rnnkit.charlm train --steps 5 --eval-every 5")
    assert ckpt["meta"]["optim"]["steps"] == 5 and 1 < ckpt["meta"]["heldout"]["bits_per_char"] < 10
    assert (ckpt["meta"]["optim"]["batch_size"], ckpt["meta"]["optim"]["seq_len"]) == (4, 16)
    sample_at_step_5 = ckpt["log"][0]["sample"]          # what the model wrote at that evaluation
    assert isinstance(sample_at_step_5, str) and len(sample_at_step_5) == 100


def test_train_with_weight_drop_and_embed_drop(tmp_path, text_file):
    ckpt = tmp_path / "wd.pt"
    assert main(["train", "--steps", "3", "--eval-every", "3", "--data", str(text_file), "--weight-drop",
                 "0.3", "--embed-drop", "0.1", "--jamo-parts", "--log-sample-length", "0", "--checkpoint", str(ckpt),
                 "--quiet"] + SMALL) == 0
    model, _, saved = load_checkpoint(ckpt)
    assert model.config["weight_drop"] == 0.3 and model.config["embed_drop"] == 0.1
    assert model.config["parts"] == 67
    assert "sample" not in saved["log"][0]


def test_evaluate_prints_bpc(trained, text_file, capsys):
    assert main(["evaluate", "--checkpoint", str(trained), "--data", str(text_file)]) == 0
    out = capsys.readouterr().out
    bpc = load_checkpoint(trained)[2]["meta"]["heldout"]["bits_per_char"]
    assert out.startswith(f"held-out: {bpc:.4f} bits per character over")


def test_sample_prints_text(trained, capsys):
    assert main(["sample", "--checkpoint", str(trained), "--prompt", "형식은", "--length", "30"]) == 0
    out = capsys.readouterr().out.rstrip("\n")
    assert out.startswith("형식은") and len(out) == 33


@pytest.mark.parametrize("argv, message", [
    (["sample", "--checkpoint", "PLACEHOLDER", "--prompt", "형식X"], "vocabulary lacks: 'X'"),
    (["sample", "--checkpoint", "/nonexistent/m.pt"], "no such checkpoint file"),
    (["train", "--steps", "1", "--log-prompt", "형식X", "--checkpoint", "NEW", "--data", "DATA"],
     "vocabulary lacks: 'X'"),
    (["evaluate", "--checkpoint", "BROKEN"], "not a readable checkpoint"),
])
def test_input_errors_are_one_line_exit_2(trained, tmp_path, text_file, capsys, argv, message):
    (tmp_path / "broken.pt").write_bytes(trained.read_bytes()[:500])
    where = dict(PLACEHOLDER=str(trained), BROKEN=str(tmp_path / "broken.pt"),
                 NEW=str(tmp_path / "new.pt"), DATA=str(text_file))
    argv = [where.get(a, a) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("argv", [
    ["train", "--checkpoint", "m.pt"],                                   # no budget
    ["train", "--steps", "5"],                                           # nowhere to save
    ["train", "--checkpoint", "m.pt", "--steps", "5", "--minutes", "1"],
    ["train", "--checkpoint", "m.pt", "--steps", "-3"],
    ["train", "--checkpoint", "m.pt", "--steps", "5", "--cell", "rnn"],
    ["train", "--checkpoint", "m.pt", "--steps", "5", "--dropout", "1.5"],
    ["train", "--checkpoint", "m.pt", "--steps", "5", "--weight-drop", "1"],
    ["train", "--checkpoint", "m.pt", "--steps", "5", "--log-sample-length", "-1"],
    ["sample", "--checkpoint", "m.pt", "--temperature", "-1"],
    ["evaluate", "--streams", "4000"],                                   # refused before any work
    ["fly"],
])
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_python_dash_m_exit_code(tmp_path):
    r = subprocess.run([sys.executable, "-m", "rnnkit.charlm", "evaluate", "--checkpoint",
                        str(tmp_path / "none.pt"), "--data", str(tmp_path / "none.txt")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr.startswith("python -m rnnkit.charlm evaluate: error:") and "Traceback" not in r.stderr


def test_evaluate_and_sample_default_to_the_shipped_checkpoint(monkeypatch, tmp_path, trained, capsys):
    from rnnkit.charlm import __main__ as cli
    monkeypatch.setattr(cli, "SHIPPED", tmp_path / "shipped.pt")
    assert main(["sample", "--length", "5"]) == 2
    assert "shipped.pt: no such checkpoint file" in capsys.readouterr().err
    (tmp_path / "shipped.pt").write_bytes(trained.read_bytes())
    assert main(["sample", "--length", "5", "--prompt", "하고"]) == 0
    assert capsys.readouterr().out.startswith("하고")


def test_train_half_stores_float16_and_reports_their_bpc(tmp_path, text_file, capsys):
    import torch
    ckpt = tmp_path / "h.pt"
    assert main(["train", "--steps", "3", "--data", str(text_file), "--checkpoint", str(ckpt),
                 "--quiet", "--half"] + SMALL) == 0
    raw = torch.load(ckpt, weights_only=True)
    assert raw["weights"]["embed.weight"].dtype == torch.float16
    out = capsys.readouterr().out
    assert f"held-out: {raw['meta']['heldout']['bits_per_char']:.4f}" in out
    model, _, _ = load_checkpoint(ckpt)
    assert model.embed.weight.dtype == torch.float32
    assert raw["meta"]["precision"] == "float16"


def test_train_int8_stores_int8_and_reports_both_numbers(tmp_path, text_file, capsys):
    import torch
    ckpt = tmp_path / "q.pt"
    assert main(["train", "--steps", "3", "--data", str(text_file), "--checkpoint", str(ckpt),
                 "--quiet", "--precision", "int8"] + SMALL) == 0
    raw = torch.load(ckpt, weights_only=True)
    assert raw["weights"]["embed.weight"].dtype == torch.int8
    meta = raw["meta"]
    assert meta["precision"] == "int8"
    stored, trained = meta["heldout"]["bits_per_char"], meta["heldout_float32_bits_per_char"]
    assert stored != trained and abs(stored - trained) < 0.05
    assert f"held-out: {stored:.4f}" in capsys.readouterr().out


def _cli(*argv, timeout=120):
    """The real command, in a subprocess, as a reader runs it."""
    return subprocess.run([sys.executable, "-m", "rnnkit.charlm", *argv],
                          capture_output=True, text=True, timeout=timeout)


def test_train_refuses_a_missing_folder_before_training(tmp_path, text_file):
    dest = tmp_path / "missing_dir" / "x.pt"
    r = _cli("train", "--steps", "100000", "--data", str(text_file), "--checkpoint", str(dest))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"the folder {dest.parent} does not exist" in r.stderr and ".tmp" not in r.stderr
    assert not dest.parent.exists()


def test_train_and_mix_refuse_to_replace_a_checkpoint_without_force(trained, tmp_path, text_file):
    before = trained.read_bytes()
    for argv in (["train", "--steps", "100000", "--data", str(text_file)],
                 ["mix", str(trained), "--data", str(text_file)]):
        r = _cli(*argv, "--checkpoint", str(trained))
        assert r.returncode == 2, r.stderr
        assert f"--checkpoint {trained} exists; pass --force" in r.stderr
    assert trained.read_bytes() == before                       # nothing a user wrote is lost


def test_train_force_replaces_a_checkpoint(trained, text_file):
    before = trained.read_bytes()
    assert main(["train", "--steps", "2", "--data", str(text_file), "--checkpoint", str(trained),
                 "--force", "--seed", "1", "--quiet"] + SMALL) == 0
    assert trained.read_bytes() != before


def test_a_folder_is_not_a_checkpoint_file(tmp_path, text_file):
    r = _cli("train", "--steps", "1", "--data", str(text_file), "--checkpoint", str(tmp_path))
    assert r.returncode == 2 and f"--checkpoint {tmp_path} is a folder" in r.stderr


def test_evaluate_on_another_text_says_so_and_names_data(trained, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("완전히 다른 글입니다. 처음 보는 글자들: 곰탕, 햇볕, 쥐." * 3, encoding="utf-8")
    r = _cli("evaluate", "--checkpoint", str(trained), "--data", str(other))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "was trained on another text" in r.stderr and "--data PATH" in r.stderr
    assert "unk=" not in r.stderr


def test_evaluate_refuses_more_streams_than_make_sense():
    r = _cli("evaluate", "--streams", "4000", timeout=60)
    assert r.returncode == 2 and "--streams must be at most 256, got 4000" in r.stderr
