"""Tests of rnnkit.data.tasks: the recall tasks' layout, labels, seeding and argument checks."""
import numpy as np
import pytest

from rnnkit.data.tasks import marked_recall_task, recall_task


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


# ----- marked recall: one alphabet for answers and distractors, a marker channel -----

def test_marked_shapes_and_dtypes():
    x, y, p = marked_recall_task(5, 7, symbols=3, lead=2, seed=1)
    assert x.shape == (5, 7, 4) and x.dtype == np.float32
    assert y.shape == (5,) and y.dtype == np.int64
    assert p.shape == (5,) and p.dtype == np.int64


def test_marked_seeded_sample_checked_by_hand():
    x, y, p = marked_recall_task(3, 6, symbols=3, lead=2, seed=5)
    # printed once and read off by hand: the symbol at the marked step is the label
    assert x[:, :, :3].argmax(axis=2).tolist() == [[2, 2, 0, 2, 1, 1], [1, 0, 2, 0, 0, 1], [1, 1, 0, 0, 0, 0]]
    assert x[:, :, 3].tolist() == [[1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]]
    assert p.tolist() == [0, 1, 0]
    assert y.tolist() == [2, 0, 1]


def test_marked_layout():
    K, T, lead = 4, 12, 5
    x, y, p = marked_recall_task(500, T, symbols=K, lead=lead, seed=3)
    # the symbol channels are one-hot at every step, the marker is 1 at exactly one step
    assert np.array_equal(x[:, :, :K].sum(axis=2), np.ones((500, T), dtype=np.float32))
    assert np.array_equal(x[:, :, K].sum(axis=1), np.ones(500, dtype=np.float32))
    assert np.array_equal(x[:, :, K].argmax(axis=1), p)
    assert p.min() == 0 and p.max() == lead - 1
    seq = x[:, :, :K].argmax(axis=2)
    assert np.array_equal(seq[np.arange(500), p], y)
    # distractors share the answers' alphabet: every symbol occurs after the marker too
    assert set(np.unique(seq[:, lead:])) == set(range(K))
    # and the label is not the first symbol more often than chance allows
    assert np.mean(seq[:, 0] == y) < 0.5
    assert np.bincount(y, minlength=K).min() > 90


def test_marked_lead_one_marks_the_first_step():
    x, y, p = marked_recall_task(4, 3, symbols=2, lead=1, seed=0)
    assert np.array_equal(p, np.zeros(4, dtype=np.int64))
    assert np.array_equal(x[:, 0, :2].argmax(axis=1), y)
    assert np.array_equal(x[:, :, 2], np.tile([1.0, 0.0, 0.0], (4, 1)).astype(np.float32))


def test_marked_seeding():
    a = marked_recall_task(6, 5, seed=0)
    b = marked_recall_task(6, 5, seed=0)
    c = marked_recall_task(6, 5, seed=1)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not np.array_equal(a[0], c[0])
    g = np.random.default_rng(0)
    first, second = marked_recall_task(6, 5, seed=g), marked_recall_task(6, 5, seed=g)
    assert np.array_equal(first[0], a[0]) and not np.array_equal(first[0], second[0])


@pytest.mark.parametrize("kwargs, name", [
    (dict(n=0, T=5), "n"), (dict(n=2, T=0), "T"), (dict(n=2, T=5, symbols=1), "symbols"),
    (dict(n=2, T=5, lead=0), "lead"), (dict(n=2, T=4, lead=5), "lead"), (dict(n=2, T=5, lead=2.0), "lead"),
    (dict(n=2, T=5, seed="a"), "seed"),
])
def test_marked_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        marked_recall_task(**kwargs)
