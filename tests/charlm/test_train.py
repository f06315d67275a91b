"""Training: the learning-rate schedule, budgets, and overfitting a tiny repetitive text."""
from __future__ import annotations

import math

import pytest
import torch

from rnnkit.charlm import CharLM, lr_at, total_bits, train
from rnnkit.data import Vocab

TINY = "형식은 학교에 갔다. 영채가 웃는다. " * 30


def test_lr_schedule_warm_up_then_half_cosine():
    assert lr_at(1, 0.0, lr=1.0, warmup=10) == pytest.approx(0.1)
    assert lr_at(5, 0.0, lr=1.0, warmup=10) == pytest.approx(0.5)
    assert lr_at(10, 0.0, lr=2.0, warmup=10) == pytest.approx(2.0)
    assert lr_at(50, 0.5, lr=2.0, warmup=10) == pytest.approx(1.0)             # half way: half
    assert lr_at(50, 0.25, lr=1.0, warmup=10) == pytest.approx((1 + math.cos(math.pi / 4)) / 2)
    assert lr_at(50, 1.0, lr=1.0, warmup=10) == pytest.approx(0.0, abs=1e-15)
    assert lr_at(3, 0.5, lr=1.0, warmup=0) == pytest.approx(0.5)


def test_tiny_model_overfits_a_repetitive_text():
    vocab = Vocab.from_text(TINY)
    ids = vocab.encode(TINY)
    torch.manual_seed(0)
    m = CharLM(len(vocab), embed=32, hidden=32)
    start, _ = total_bits(m, ids, streams=4)
    log = train(m, ids, steps=300, batch_size=4, seq_len=32, lr=1e-2, warmup=20, eval_every=100,
                eval_fn=lambda m: total_bits(m, ids, streams=4)[0] / (len(ids) - 1),
                seed=0, progress=False)
    assert start / (len(ids) - 1) == pytest.approx(math.log2(len(vocab)), abs=0.3)   # ~uniform at first
    assert [r["step"] for r in log] == [100, 200, 300]
    assert log[-1]["valid_bpc"] < 0.02                 # seeded: 0.0040 (from log2 V = 3.9)
    assert log[-1]["train_bpc"] < 0.05                 # seeded: 0.0099
    assert log[0]["train_bpc"] > log[-1]["train_bpc"]
    assert log[-1]["lr"] == pytest.approx(0.0, abs=1e-5)     # the cosine reached zero


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_bf16_training_learns_like_float32(cell):
    """bfloat16 autocast changes the arithmetic, not the algorithm: the same seeded run
    ends close to the float32 one, and the weights and carried state stay float32."""
    vocab = Vocab.from_text(TINY)
    ids = vocab.encode(TINY)
    final = {}
    for bf16 in (False, True):
        torch.manual_seed(0)
        m = CharLM(len(vocab), cell=cell, embed=32, hidden=32, layers=2, tie=True)
        log = train(m, ids, steps=150, batch_size=4, seq_len=32, lr=1e-2, warmup=20, eval_every=150,
                    eval_fn=lambda m: total_bits(m, ids, streams=4)[0] / (len(ids) - 1),
                    seed=0, progress=False, bf16=bf16)
        assert all(p.dtype == torch.float32 for p in m.parameters())
        final[bf16] = log[-1]["valid_bpc"]
    assert final[False] < 0.5 and final[True] < 0.5                  # both learned the text
    assert abs(final[True] - final[False]) < 0.25


def test_same_seed_same_run():
    vocab = Vocab.from_text(TINY)
    ids = vocab.encode(TINY)
    logs = []
    for _ in range(2):
        torch.manual_seed(1)
        m = CharLM(len(vocab), cell="gru", embed=8, hidden=8, layers=2, dropout=0.1)
        logs.append(train(m, ids, steps=20, batch_size=2, seq_len=16, eval_every=10, seed=5, progress=False))
    assert [r["train_bpc"] for r in logs[0]] == [r["train_bpc"] for r in logs[1]]
    assert logs[0][0]["valid_bpc"] is None


def test_wall_clock_budget_stops():
    vocab = Vocab.from_text(TINY)
    m = CharLM(len(vocab), embed=8, hidden=8)
    log = train(m, vocab.encode(TINY), minutes=0.002, batch_size=2, seq_len=16, eval_every=10_000,
                progress=False)
    assert len(log) == 1 and log[0]["seconds"] >= 0.12 and log[0]["step"] >= 1


@pytest.mark.parametrize("kwargs, word", [
    (dict(), "exactly one of steps and minutes"),
    (dict(steps=3, minutes=1), "exactly one"),
    (dict(steps=0), "steps"),
    (dict(minutes=-1), "minutes"),
    (dict(steps=3, batch_size=64, seq_len=64), "too short"),
])
def test_bad_budgets(kwargs, word):
    vocab = Vocab.from_text(TINY)
    m = CharLM(len(vocab), embed=8, hidden=8)
    with pytest.raises(ValueError, match=word):
        train(m, vocab.encode(TINY), progress=False, **kwargs)


@pytest.mark.parametrize("kwargs, message", [
    (dict(batch_size=0), "batch_size must be an integer >= 1"),
    (dict(seq_len=2.5), "seq_len must be an integer >= 1"),
    (dict(lr=0), "lr must be a finite number > 0"),
    (dict(warmup=-1), "warmup must be an integer >= 0"),
    (dict(weight_decay=-0.1), "weight_decay must be a finite number >= 0"),
    (dict(clip=0), "clip must be a finite number > 0"),
    (dict(eval_every=True), "eval_every must be an integer >= 1"),
])
def test_bad_settings_name_themselves(kwargs, message):
    vocab = Vocab.from_text(TINY)
    m = CharLM(len(vocab), embed=8, hidden=8)
    with pytest.raises(ValueError, match=message):
        train(m, vocab.encode(TINY), steps=2, progress=False, **kwargs)
