"""Tests of rnnkit.tasks: the recall task's layout, labels, seeding and argument checks."""
import numpy as np
import pytest

from rnnkit.tasks import recall_task


def test_shapes_and_dtypes():
    x, y = recall_task(5, 7, symbols=3, seed=1)
    assert x.shape == (5, 7, 6) and x.dtype == np.float32
    assert y.shape == (5,) and y.dtype == np.int64


def test_layout_by_hand():
    x, y = recall_task(200, 9, symbols=4, seed=3)
    # every step is exactly one-hot
    assert np.array_equal(x.sum(axis=2), np.ones((200, 9), dtype=np.float32))
    seq = x.argmax(axis=2)
    # step 1 is the label, a symbol in 0..K-1; all later steps are distractors in K..2K-1
    assert np.array_equal(seq[:, 0], y)
    assert y.min() == 0 and y.max() == 3
    assert seq[:, 1:].min() == 4 and seq[:, 1:].max() == 7
    # with 200 draws every answer symbol occurs, roughly equally often
    counts = np.bincount(y, minlength=4)
    assert counts.min() > 30


def test_values_match_the_seeded_generator():
    rng = np.random.default_rng(11)
    y = rng.integers(0, 2, size=3)
    d = rng.integers(2, 4, size=(3, 4))
    d[:, 0] = y
    x, y_task = recall_task(3, 4, symbols=2, seed=11)
    assert np.array_equal(y_task, y)
    assert np.array_equal(x.argmax(axis=2), d)


def test_length_one_is_the_symbol_only():
    x, y = recall_task(4, 1, seed=0)
    assert x.shape == (4, 1, 8)
    assert np.array_equal(x[:, 0].argmax(1), y)


def test_seeding():
    a = recall_task(6, 5, seed=0)
    b = recall_task(6, 5, seed=0)
    c = recall_task(6, 5, seed=1)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not np.array_equal(a[0], c[0])
    g = np.random.default_rng(0)
    first, second = recall_task(6, 5, seed=g), recall_task(6, 5, seed=g)
    assert np.array_equal(first[0], a[0])          # a generator seeded alike gives the same first batch
    assert not np.array_equal(first[0], second[0])  # and moves on


@pytest.mark.parametrize("kwargs, name", [
    (dict(n=0, T=3), "n"), (dict(n=2.0, T=3), "n"), (dict(n=True, T=3), "n"),
    (dict(n=2, T=0), "T"), (dict(n=2, T=3, symbols=1), "symbols"),
    (dict(n=2, T=3, seed="a"), "seed"), (dict(n=2, T=3, seed=1.5), "seed"),
])
def test_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        recall_task(**kwargs)
