"""Checkpoints: round trip, atomic writes, and refusal of bad files with clear messages."""
from __future__ import annotations

import os

import pytest
import torch

from rnnkit.charlm import CharLM, load_checkpoint, save_checkpoint
from rnnkit.charlm import checkpoint as ckpt_module

LOG = [dict(step=10, seconds=1.5, lr=1e-3, train_bpc=3.2, valid_bpc=3.4)]


def _model(vocab, **kw):
    torch.manual_seed(0)
    return CharLM(len(vocab), embed=16, hidden=16, layers=2, **kw).eval()


@pytest.mark.parametrize("tie", [True, False])
def test_round_trip_gives_identical_logits(tmp_path, vocab, tie):
    m = _model(vocab, tie=tie, dropout=0.2)
    path = save_checkpoint(tmp_path / "m.pt", m, vocab, log=LOG, meta={"seed": 3})
    m2, v2, ckpt = load_checkpoint(path)
    x = torch.randint(0, len(vocab), (2, 30))
    assert torch.equal(m(x)[0], m2(x)[0])
    assert v2 == vocab and ckpt["log"] == LOG and ckpt["meta"] == {"seed": 3}
    assert m2.config == m.config and ckpt["tokens"] == "syllable"
    assert (m2.head.weight is m2.embed.weight) == tie
    assert not m2.training


@pytest.mark.parametrize("tie", [True, False])
def test_half_precision_weights(tmp_path, vocab, tie):
    m = _model(vocab, tie=tie)
    full = save_checkpoint(tmp_path / "full.pt", m, vocab).stat().st_size
    half = save_checkpoint(tmp_path / "half.pt", m, vocab, half=True).stat().st_size
    assert half < 0.6 * full                        # tied matrix stored once, at 2 bytes a number
    m2, _, _ = load_checkpoint(tmp_path / "half.pt")
    assert m2.embed.weight.dtype == torch.float32 and (m2.head.weight is m2.embed.weight) == tie
    x = torch.randint(0, len(vocab), (2, 30))
    diff = (m(x)[0] - m2(x)[0]).abs().max()
    assert 0 < diff < 1e-2


def test_atomic_write_leaves_no_temp_files(tmp_path, vocab):
    save_checkpoint(tmp_path / "m.pt", _model(vocab), vocab)
    save_checkpoint(tmp_path / "m.pt", _model(vocab), vocab)
    assert os.listdir(tmp_path) == ["m.pt"]


def test_failed_save_keeps_the_old_file(tmp_path, vocab, monkeypatch):
    path = tmp_path / "m.pt"
    save_checkpoint(path, _model(vocab), vocab, meta={"run": "old"})
    before = path.read_bytes()

    def broken_save(obj, f):
        with open(f, "wb") as fh:
            fh.write(b"PK\x03\x04 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(ckpt_module.torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, _model(vocab), vocab, meta={"run": "new"})
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.pt"]
    monkeypatch.undo()
    assert load_checkpoint(path)[2]["meta"] == {"run": "old"}


def test_truncated_and_corrupt_files_are_refused(tmp_path, vocab):
    good = save_checkpoint(tmp_path / "m.pt", _model(vocab), vocab).read_bytes()
    (tmp_path / "cut.pt").write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match=r"cut.pt: not a readable checkpoint.*truncated or corrupt"):
        load_checkpoint(tmp_path / "cut.pt")
    (tmp_path / "text.pt").write_text("형식은 학교에 갔다.", encoding="utf-8")
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        load_checkpoint(tmp_path / "text.pt")
    with pytest.raises(FileNotFoundError, match="no such checkpoint file"):
        load_checkpoint(tmp_path / "missing.pt")


def _tampered(tmp_path, vocab, change):
    ckpt = torch.load(save_checkpoint(tmp_path / "m.pt", _model(vocab), vocab), weights_only=True)
    change(ckpt)
    torch.save(ckpt, tmp_path / "bad.pt")
    return tmp_path / "bad.pt"


@pytest.mark.parametrize("change, message", [
    (lambda c: c.update(version=2), r"version 2, but this rnnkit reads version 1"),
    (lambda c: c.update(format="something.else"),
     r"not an rnnkit.charlm checkpoint \(format field: 'something.else'\)"),
    (lambda c: c.pop("chars"), r"lacks chars"),
    (lambda c: c["config"].pop("hidden"), r"lacks config.hidden"),
    (lambda c: c.update(chars=c["chars"][:-1]),
     r"vocabulary has \d+ characters but config.vocab_size is \d+"),
    (lambda c: (c.update(chars=c["chars"][:-1]), c["config"].update(vocab_size=len(c["chars"]))),
     r"vocabulary has (\d+) characters but the embedding weights have shape \(\d+, 16\), "
     r"expected \(\1, 16\)"),
    (lambda c: c["config"].update(layers=3), r"do not fit together"),
    (lambda c: c.update(tokens="words"), r"unknown token kind 'words'"),
])
def test_mismatching_files_are_refused(tmp_path, vocab, change, message):
    with pytest.raises(ValueError, match=message):
        load_checkpoint(_tampered(tmp_path, vocab, change))


def test_save_checks_its_arguments(tmp_path, vocab):
    m = _model(vocab)
    with pytest.raises(ValueError, match="vocab has"):
        save_checkpoint(tmp_path / "m.pt", CharLM(len(vocab) + 1, embed=4, hidden=4), vocab)
    with pytest.raises(ValueError, match="tokens"):
        save_checkpoint(tmp_path / "m.pt", m, vocab, tokens="words")
    assert os.listdir(tmp_path) == []
