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
    assert raw["version"] == 3 and raw["weights"]["rnn.weight_ih_l0"].dtype == torch.int8
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


def _group_scales(w, group=ckpt_module.INT4_GROUP):
    """The int4 scales of w (R, C), worked out independently: max|group| / 7 rounded to float16
    (as the file stores them), 1 for an all-zero group; (R, G) and the step of every element (R, C)."""
    R, C = w.shape
    G = -(-C // group)
    padded = torch.nn.functional.pad(w.detach(), (0, G * group - C)).reshape(R, G, group)
    s = (padded.abs().amax(dim=2) / 7).half()
    s[s == 0] = 1
    return s, s.float().repeat_interleave(group, dim=1)[:, :C]


@pytest.mark.parametrize("tie", [True, False])
def test_int4_weights_are_under_a_fifth_and_packed_two_to_a_byte(tmp_path, vocab, tie):
    m = _big(vocab, tie=tie)
    full = save_checkpoint(tmp_path / "full.pt", m, vocab).stat().st_size
    q = save_checkpoint(tmp_path / "q.pt", m, vocab, precision="int4").stat().st_size
    assert q < 0.2 * full                          # measured: 0.184 (tied and untied)
    raw = torch.load(tmp_path / "q.pt", weights_only=True)
    assert raw["version"] == 3 and "scales" not in raw
    matrices = {k for k, p in m.named_parameters() if p.dim() == 2} | ({"head.weight"} if tie else set())
    assert set(raw["int4"]) == matrices
    for k, v in raw["weights"].items():
        if k in matrices:                          # 96 columns: one group of 128, 64 bytes a row
            rows = m.state_dict()[k].shape[0]
            assert v.dtype == torch.uint8 and tuple(v.shape) == (rows, 64), k
            rec = raw["int4"][k]
            assert rec["cols"] == 96 and rec["group"] == 128, k
            assert torch.equal(rec["scale"], _group_scales(m.state_dict()[k])[0]), k   # float16 (rows, 1)
        else:
            assert v.dtype == torch.float16, k
    assert raw["weights"]["rnn.bias_ih_l0"].dtype == torch.float16


@pytest.mark.parametrize("embed, hidden, tie", [(96, 96, True), (96, 96, False), (40, 96, False),
                                                (40, 200, False)])
def test_int4_weights_are_on_the_grid_within_half_a_step(tmp_path, vocab, embed, hidden, tie):
    torch.manual_seed(0)
    m = CharLM(len(vocab), embed=embed, hidden=hidden, layers=2, tie=tie).eval()
    with torch.no_grad():
        m.rnn.weight_hh_l1[5].zero_()              # an all-zero row must stay exactly zero
        if hidden > 128:                           # an all-zero second group (cols 128..199)
            m.rnn.weight_hh_l0[7, 128:].zero_()
    path = save_checkpoint(tmp_path / "q.pt", m, vocab, precision="int4")
    raw = torch.load(path, weights_only=True)
    m2, _, _ = load_checkpoint(path)
    assert (m2.head.weight is m2.embed.weight) == tie
    assert raw["int4"]["rnn.weight_ih_l0"]["cols"] == embed
    assert raw["weights"]["rnn.weight_ih_l0"].shape == (4 * hidden, 128 * -(-embed // 128) // 2)
    for (name, p), p2 in zip(m.named_parameters(), m2.parameters()):
        assert p2.shape == p.shape and p2.dtype == torch.float32, name
        if p.dim() != 2:
            continue
        scale, step = _group_scales(p)
        err = (p - p2).abs()
        assert torch.all(err <= 0.5 * step * (1 + 1e-5) + 1e-7), name
        assert (err / step).max() > 0.4, name          # really rounded, not stored as floats
        q = p2 / step                                  # on the grid: whole steps from -7 to 7
        assert torch.equal(q, q.round()) and q.abs().max() == 7, name
        assert torch.all(q.abs().amax(dim=1)[p.abs().amax(dim=1) > 0] == 7), name
    assert torch.equal(m2.rnn.weight_hh_l1[5], torch.zeros(hidden))
    if hidden > 128:
        assert torch.equal(m2.rnn.weight_hh_l0[7, 128:], torch.zeros(hidden - 128))
        assert m2.rnn.weight_hh_l0[7, :128].abs().max() > 0          # its first group is not zero
        s = raw["int4"]["rnn.weight_hh_l0"]["scale"]
        assert s.shape == (4 * hidden, 2) and s[7, 1] == 1.0      # all-zero group: scale 1
        assert torch.equal(s, _group_scales(m.rnn.weight_hh_l0)[0])


def test_int4_packing_by_hand():
    q = torch.tensor([[-7., 3, 0, 5, 7, -1, 2],               # groups of 4: scales 0.25, 0.5
                      [6, -6, 1, -7, 0, 0, 0]])               # scales 2, and 1 (all zero)
    scale = torch.tensor([[0.25, 0.5], [2.0, 1.0]])
    w = q * scale.repeat_interleave(4, dim=1)[:, :7]
    packed, s = ckpt_module._int4(w, group=4)
    # q + 8 with the padding column at 8:  row 0  1 11 | 8 13 | 15 7 | 10 8
    #                                      row 1 14  2 | 9  1 |  8 8 |  8 8
    assert packed.dtype == torch.uint8
    assert torch.equal(packed, torch.tensor([[1 | 11 << 4, 8 | 13 << 4, 15 | 7 << 4, 10 | 8 << 4],
                                             [14 | 2 << 4, 9 | 1 << 4, 8 | 8 << 4, 8 | 8 << 4]],
                                            dtype=torch.uint8))
    assert packed[0, 0] == 177 and packed[0, 0] & 15 == -7 + 8 and packed[0, 0] >> 4 == 3 + 8
    assert s.dtype == torch.float16 and torch.equal(s, scale.half())
    assert torch.equal(ckpt_module._unpack_int4(packed, s, 7, 4), w)      # exact: w is on the grid
    # off the grid: round to the nearest step; the default group of 128 pads 4 columns to 128
    packed, s = ckpt_module._int4(torch.tensor([[7.0, 3.4, -3.6, 0.49]]))
    assert packed.shape == (1, 64) and torch.equal(s, torch.tensor([[1.0]], dtype=torch.float16))
    assert torch.equal(ckpt_module._unpack_int4(packed, s, 4, 128), torch.tensor([[7.0, 3, -4, 0]]))


def test_int4_stores_a_tied_matrix_once(tmp_path, vocab):
    m = _big(vocab, tie=True)
    path = save_checkpoint(tmp_path / "q.pt", m, vocab, precision="int4")
    raw = torch.load(path, weights_only=True)
    w = raw["weights"]
    assert w["head.weight"].untyped_storage().data_ptr() == w["embed.weight"].untyped_storage().data_ptr()
    assert raw["int4"]["head.weight"] is raw["int4"]["embed.weight"]
    # a copy of the dict with a second copy of the matrix is bigger by at least its packed
    # bytes (both saved under the same name: the zip's entry names come from the file name)
    (tmp_path / "once").mkdir(), (tmp_path / "twice").mkdir()
    torch.save(raw, tmp_path / "once" / "c.pt")
    w["head.weight"] = w["head.weight"].clone()
    raw["int4"]["head.weight"] = dict(raw["int4"]["head.weight"],
                                      scale=raw["int4"]["head.weight"]["scale"].clone())
    torch.save(raw, tmp_path / "twice" / "c.pt")
    once, twice = ((tmp_path / d / "c.pt").stat().st_size for d in ("once", "twice"))
    assert twice - once >= w["head.weight"].numel() == len(vocab) * 64
    m2, _, _ = load_checkpoint(path)
    assert m2.head.weight is m2.embed.weight
    assert torch.equal(m2.embed.weight, ckpt_module._unpack_int4(w["embed.weight"],
                                                                 raw["int4"]["embed.weight"]["scale"],
                                                                 96, 128))


@pytest.mark.parametrize("tie", [True, False])
def test_int4_log_probabilities_stay_close(tmp_path, vocab, tie):
    m = _big(vocab, tie=tie)
    m4, _, _ = load_checkpoint(save_checkpoint(tmp_path / "q4.pt", m, vocab, precision="int4"))
    m8, _, _ = load_checkpoint(save_checkpoint(tmp_path / "q8.pt", m, vocab, precision="int8"))
    torch.manual_seed(1)
    x = torch.randint(0, len(vocab), (2, 30))
    with torch.no_grad():
        logp, logp4, logp8 = (torch.log_softmax(mm(x)[0], -1) for mm in (m, m4, m8))
    d4, d8 = (logp - logp4).abs().max(), (logp - logp8).abs().max()
    # measured with this x: untied 0.036 (int8 0.0018); tied 0.76 (int8 0.042), and 0.62..0.76
    # over seeds 0..4 for x. Tied is worse: its head is the N(0, 1) embedding, so the logits
    # are ~sqrt(H) in size and a step of max|group| / 7 moves them by tenths
    assert 0 < d4 < (1.0 if tie else 0.1)
    assert d4 > 5 * d8                             # 4 bits are coarser than 8


@pytest.mark.parametrize("precision, matrix", [("float16", torch.float16), ("int8", torch.int8),
                                               ("int4", torch.uint8)])
def test_smaller_files_keep_the_jamo_parts_buffer_exact(tmp_path, precision, matrix):
    from rnnkit.charlm.tokens import jamo_parts
    from rnnkit.data import Vocab
    vocab = Vocab(list("형식은 영채를보았다."))
    parts = jamo_parts(vocab.chars)
    torch.manual_seed(0)
    m = CharLM(len(vocab), embed=8, hidden=8, parts=parts).eval()
    path = save_checkpoint(tmp_path / "q.pt", m, vocab, precision=precision)
    raw = torch.load(path, weights_only=True)
    assert raw["weights"]["parts"].dtype == torch.bool          # 0/1, stored as bool
    assert raw["weights"]["part_embed"].dtype == matrix
    m2, _, _ = load_checkpoint(path)
    assert torch.equal(m2.parts, torch.as_tensor(parts, dtype=torch.float32))
    assert m2.parts.sum() > 0


def test_int4_refuses_weights_beyond_float16_scales(tmp_path, vocab):
    for bad, message in ((7 * 65504 * 1.01, r"int4 stores weights up to 458528 in size \(float16 scales\), "
                                            r"got 4.63e\+05; use precision='int8'"),
                         (float("inf"), r"int4 cannot store non-finite weights \(nan or inf\)"),
                         (float("nan"), r"int4 cannot store non-finite weights \(nan or inf\)")):
        m = _model(vocab)
        with torch.no_grad():
            m.rnn.weight_hh_l0[3, 2] = bad
        with pytest.raises(ValueError, match=message):
            save_checkpoint(tmp_path / "q.pt", m, vocab, precision="int4")
    assert os.listdir(tmp_path) == []
    with torch.no_grad():                          # the largest allowed still round-trips
        m.rnn.weight_hh_l0[3, 2] = 7 * 65504
    m2, _, _ = load_checkpoint(save_checkpoint(tmp_path / "q.pt", m, vocab, precision="int4"))
    assert m2.rnn.weight_hh_l0[3, 2] == 7 * 65504 and torch.all(m2.rnn.weight_hh_l0[3, :2] == 0)


def test_version_1_files_still_load(tmp_path, vocab):
    path = _tampered(tmp_path, vocab, lambda c: c.update(version=1))
    m2, _, _ = load_checkpoint(path)
    x = torch.randint(0, len(vocab), (2, 30))
    assert torch.equal(_model(vocab)(x)[0], m2(x)[0])


def _tampered_quantized(tmp_path, vocab, change, precision):
    path = save_checkpoint(tmp_path / "q.pt", _model(vocab), vocab, precision=precision)
    ckpt = torch.load(path, weights_only=True)
    change(ckpt)
    torch.save(ckpt, tmp_path / "bad.pt")
    return tmp_path / "bad.pt"


def _tampered_int8(tmp_path, vocab, change):
    return _tampered_quantized(tmp_path, vocab, change, "int8")


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


def _tampered_int4(tmp_path, vocab, change):
    return _tampered_quantized(tmp_path, vocab, change, "int4")


NOT_A_RECORD = (r"the int4 record of weight embed.weight is not a dict with int cols, an even int group "
                r"and a scale tensor")


@pytest.mark.parametrize("change, message", [
    (lambda c: c["int4"].pop("embed.weight"),
     r"weight embed.weight is packed int4 but the file has no int4 record for it"),
    (lambda c: c.pop("int4"), r"weight embed.weight is packed int4 but the file has no int4 record"),
    (lambda c: c["int4"]["embed.weight"].update(scale=torch.ones(3)),
     r"weight embed.weight \(torch.uint8, shape \(\d+, 64\)\) does not fit its int4 record "
     r"\(cols 16, group 128, scales \(3,\)\)"),
    (lambda c: c["int4"]["embed.weight"].update(scale=torch.ones(len(c["chars"]), 2)),
     r"does not fit its int4 record \(cols 16, group 128, scales \(\d+, 2\)\)"),
    (lambda c: c["int4"]["embed.weight"].update(cols=200),
     r"weight embed.weight \(torch.uint8, shape \(\d+, 64\)\) does not fit its int4 record "
     r"\(cols 200, group 128, scales \(\d+, 1\)\)"),
    (lambda c: c["int4"]["embed.weight"].update(group=64),
     r"does not fit its int4 record \(cols 16, group 64, scales \(\d+, 1\)\)"),
    (lambda c: c["weights"].update({"embed.weight": c["weights"]["embed.weight"].to(torch.int8)}),
     r"weight embed.weight \(torch.int8, shape \(\d+, 64\)\) does not fit its int4 record"),
    (lambda c: c["weights"].update({"embed.weight": c["weights"]["embed.weight"][:, :32]}),
     r"weight embed.weight \(torch.uint8, shape \(\d+, 32\)\) does not fit its int4 record"),
    (lambda c: c["int4"]["embed.weight"].update(group=127), NOT_A_RECORD),
    (lambda c: c["int4"]["embed.weight"].update(group=0), NOT_A_RECORD),
    (lambda c: c["int4"]["embed.weight"].update(cols=16.0), NOT_A_RECORD),
    (lambda c: c["int4"]["embed.weight"].update(cols=0), NOT_A_RECORD),
    (lambda c: c["int4"]["embed.weight"].pop("scale"), NOT_A_RECORD),
    (lambda c: c["int4"]["embed.weight"].update(scale=0.5), NOT_A_RECORD),
    (lambda c: c["int4"].update({"embed.weight": 7}), NOT_A_RECORD),
    (lambda c: c.update(int4=[1, 2]), r"the int4 records are a list, expected a dict"),
    # a record that fits the packed bytes but not the model: caught when the weights are loaded
    (lambda c: c["int4"]["embed.weight"].update(cols=10), r"do not fit together"),
])
def test_bad_int4_files_are_refused(tmp_path, vocab, change, message):
    with pytest.raises(ValueError, match=message) as err:
        load_checkpoint(_tampered_int4(tmp_path, vocab, change))
    assert str(err.value).startswith(f"{tmp_path / 'bad.pt'}: ")


def test_atomic_write_leaves_no_temp_files(tmp_path, vocab):
    save_checkpoint(tmp_path / "m.pt", _model(vocab), vocab)
    save_checkpoint(tmp_path / "m.pt", _model(vocab), vocab)
    assert os.listdir(tmp_path) == ["m.pt"]


def test_files_are_0644_and_the_same_model_gives_the_same_bytes(tmp_path, vocab):
    old = os.umask(0o022)
    try:
        a = save_checkpoint(tmp_path / "a.pt", _model(vocab), vocab, log=LOG)
        b = save_checkpoint(tmp_path / "b.pt", _model(vocab), vocab, log=LOG)
    finally:
        os.umask(old)
    assert [(p.stat().st_mode & 0o777) for p in (a, b)] == [0o644, 0o644]
    assert a.read_bytes() == b.read_bytes()      # no temporary file name inside the archive


def test_failed_save_keeps_the_old_file(tmp_path, vocab, monkeypatch):
    path = tmp_path / "m.pt"
    save_checkpoint(path, _model(vocab), vocab, meta={"run": "old"})
    before = path.read_bytes()

    def broken_save(obj, f):
        f.write(b"PK\x03\x04 half a file")
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
    (lambda c: c.update(version=4), r"version 4, but this rnnkit reads versions 1, 2, 3;"),
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
    with pytest.raises(ValueError, match=r"precision must be one of "
                                         r"\('float32', 'float16', 'int8', 'int4'\), got 'int2'"):
        save_checkpoint(tmp_path / "m.pt", m, vocab, precision="int2")
    assert os.listdir(tmp_path) == []
