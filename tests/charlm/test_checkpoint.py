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
    half = save_checkpoint(tmp_path / "half.pt", m, vocab, precision="float16").stat().st_size
    assert half < 0.6 * full                        # tied matrix stored once, at 2 bytes a number
    m2, _, _ = load_checkpoint(tmp_path / "half.pt")
    assert m2.embed.weight.dtype == torch.float32 and (m2.head.weight is m2.embed.weight) == tie
    x = torch.randint(0, len(vocab), (2, 30))
    diff = (m(x)[0] - m2(x)[0]).abs().max()
    assert 0 < diff < 1e-2


def _big(vocab, **kw):
    """Large enough that the matrices, not the file's bookkeeping, set its size."""
    torch.manual_seed(0)
    return CharLM(len(vocab), embed=96, hidden=96, layers=2, **kw).eval()


@pytest.mark.parametrize("tie", [True, False])
def test_int8_weights_are_a_quarter_and_within_half_a_step(tmp_path, vocab, tie):
    m = _big(vocab, tie=tie)
    with torch.no_grad():
        m.rnn.weight_hh_l1[5].zero_()              # an all-zero row must stay exactly zero
    full = save_checkpoint(tmp_path / "full.pt", m, vocab).stat().st_size
    q = save_checkpoint(tmp_path / "q.pt", m, vocab, precision="int8").stat().st_size
    assert q < 0.3 * full
    raw = torch.load(tmp_path / "q.pt", weights_only=True)
    assert raw["version"] == 2 and raw["weights"]["rnn.weight_ih_l0"].dtype == torch.int8
    assert raw["weights"]["rnn.bias_ih_l0"].dtype == torch.float16
    assert set(raw["scales"]) == {k for k, p in m.named_parameters() if p.dim() == 2} | (
        {"head.weight"} if tie else set())
    m2, _, _ = load_checkpoint(tmp_path / "q.pt")
    assert (m2.head.weight is m2.embed.weight) == tie
    for (name, p), p2 in zip(m.named_parameters(), m2.parameters()):
        if p.dim() == 2:                           # round to nearest: error at most half a step
            step = p.abs().amax(dim=1, keepdim=True) / 127
            err = (p - p2).abs()
            assert torch.all(err <= 0.5 * step + 1e-7), name
            assert err.max() > 0, name
    assert torch.equal(m2.rnn.weight_hh_l1[5], torch.zeros(96))
    x = torch.randint(0, len(vocab), (2, 30))
    logp, logp2 = (torch.log_softmax(mm(x)[0], -1) for mm in (m, m2))
    assert 0 < (logp - logp2).abs().max() < 0.05


def test_int8_keeps_the_jamo_parts_buffer_exact(tmp_path):
    from rnnkit.charlm.tokens import jamo_parts
    from rnnkit.data import Vocab
    vocab = Vocab(list("형식은 영채를보았다."))
    parts = jamo_parts(vocab.chars)
    torch.manual_seed(0)
    m = CharLM(len(vocab), embed=8, hidden=8, parts=parts).eval()
    m2, _, _ = load_checkpoint(save_checkpoint(tmp_path / "q.pt", m, vocab, precision="int8"))
    assert torch.equal(m2.parts, torch.as_tensor(parts, dtype=torch.float32))


def test_version_1_files_still_load(tmp_path, vocab):
    path = _tampered(tmp_path, vocab, lambda c: c.update(version=1))
    m2, _, _ = load_checkpoint(path)
    x = torch.randint(0, len(vocab), (2, 30))
    assert torch.equal(_model(vocab)(x)[0], m2(x)[0])


def _tampered_int8(tmp_path, vocab, change):
    path = save_checkpoint(tmp_path / "q.pt", _model(vocab), vocab, precision="int8")
    ckpt = torch.load(path, weights_only=True)
    change(ckpt)
    torch.save(ckpt, tmp_path / "bad.pt")
    return tmp_path / "bad.pt"


@pytest.mark.parametrize("change, message", [
    (lambda c: c.pop("scales"), r"weight embed.weight is int8 but the file has no scale for it"),
    (lambda c: c["scales"].update({"embed.weight": torch.ones(3)}),
     r"weight embed.weight \(torch.int8, shape \(\d+, 16\)\) does not fit its int8 scales \(\(3,\)\)"),
    (lambda c: c["scales"].update({"embed.weight": 0.5}), r"does not fit its int8 scales \(float\)"),
    (lambda c: c.update(scales=[1, 2]), r"the int8 scales are a list, expected a dict"),
])
def test_bad_int8_files_are_refused(tmp_path, vocab, change, message):
    with pytest.raises(ValueError, match=message):
        load_checkpoint(_tampered_int8(tmp_path, vocab, change))


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
    (lambda c: c.update(version=3), r"version 3, but this rnnkit reads versions 1, 2"),
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
    with pytest.raises(ValueError, match=r"precision must be one of \('float32', 'float16', 'int8'\), got 'int4'"):
        save_checkpoint(tmp_path / "m.pt", m, vocab, precision="int4")
    assert os.listdir(tmp_path) == []
