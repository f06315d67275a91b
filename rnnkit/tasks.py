"""Synthetic long-range sequence tasks with seeded generators.

The recall task (chapters 04 and 05): the first symbol of a sequence is one of ``symbols``
classes, every later step shows a distractor from a disjoint set, and the model must name
the first symbol after reading the whole sequence. A sequence of length T puts the answer
T - 1 steps before the question, so T is the distance a model must bridge; guessing scores
1 / symbols.

    x[n, 0]   = one_hot(y[n])                      y[n] in {0, ..., K-1}
    x[n, t]   = one_hot(d[n, t]),  t = 1..T-1      d[n, t] in {K, ..., 2K-1}
"""
from __future__ import annotations

import numbers

import numpy as np


def _check_int(name, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def recall_task(n, T, symbols=4, seed=0):
    """A batch of the recall-the-first-symbol task.

    Parameters
    ----------
    n : int >= 1, number of sequences
    T : int >= 1, sequence length (the answer lies T - 1 steps before the last step)
    symbols : int >= 2, number of classes K; the input alphabet has 2K symbols
        (0..K-1 are answers, K..2K-1 are distractors)
    seed : int, or a ``numpy.random.Generator`` to draw from (a training loop passes one
        generator so that consecutive batches differ but the whole run is reproducible)

    Returns
    -------
    x : (n, T, 2K) float32 one-hot inputs
    y : (n,) int64 labels, the symbol at step 1
    """
    n = _check_int("n", n, 1)
    T = _check_int("T", T, 1)
    K = _check_int("symbols", symbols, 2)
    if isinstance(seed, np.random.Generator):
        rng = seed
    elif isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        rng = np.random.default_rng(int(seed))
    else:
        raise ValueError(f"seed must be an integer or a numpy.random.Generator, got {seed!r}")
    y = rng.integers(0, K, size=n)
    seq = rng.integers(K, 2 * K, size=(n, T))
    seq[:, 0] = y
    x = np.zeros((n, T, 2 * K), dtype=np.float32)
    np.put_along_axis(x, seq[:, :, None], 1.0, axis=2)
    return x, y.astype(np.int64)
