"""Synthetic long-range sequence tasks with seeded generators.

The recall task (chapters 04 and 05): the first symbol of a sequence is one of ``symbols``
classes, every later step shows a distractor from a disjoint set, and the model must name
the first symbol after reading the whole sequence. A sequence of length T puts the answer
T - 1 steps before the question, so T is the distance a model must bridge; guessing scores
1 / symbols.

    x[n, 0]   = one_hot(y[n])                      y[n] in {0, ..., K-1}
    x[n, t]   = one_hot(d[n, t]),  t = 1..T-1      d[n, t] in {K, ..., 2K-1}

Because the distractors come from their own alphabet, a network can solve the recall task
by "latching" onto whichever answer symbol it has seen. The marked recall task (chapter 05)
closes that shortcut: every step shows a symbol from the SAME K-symbol alphabet, and a
separate marker channel is 1 at exactly one step p among the first ``lead`` steps; the
model must name the marked symbol after the last step. The distance to bridge is
T - 1 - p, between T - lead and T - 1; guessing again scores 1 / K.

    x[n, t, :K] = one_hot(s[n, t]),  s[n, t] in {0, ..., K-1}  for every t
    x[n, t, K]  = 1 if t == p[n] else 0,  p[n] in {0, ..., lead-1}
    y[n]        = s[n, p[n]]
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_generator, check_int

from .vocab import one_hot


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
    n = check_int("n", n, 1)
    T = check_int("T", T, 1)
    K = check_int("symbols", symbols, 2)
    rng = check_generator("seed", seed)
    y = rng.integers(0, K, size=n)
    seq = rng.integers(K, 2 * K, size=(n, T))
    seq[:, 0] = y
    return one_hot(seq, 2 * K, dtype=np.float32), y.astype(np.int64)


def marked_recall_task(n, T, symbols=4, lead=5, seed=0):
    """A batch of the marked recall task: name the one symbol the marker points at.

    Every step shows one of ``symbols`` symbols (the answers and the distractors share
    one alphabet), and a marker channel is 1 at exactly one step ``p`` drawn uniformly
    from the first ``lead`` steps (0-based ``0 .. lead-1``). The label is the symbol shown
    at the marked step, so the model must bridge ``T - 1 - p`` steps, at least
    ``T - lead``. Unlike :func:`recall_task`, remembering "the answer-type symbol" is
    impossible: the model must combine the marker with the symbol it arrives with, and
    ignore the same symbols arriving before and after.

    Parameters
    ----------
    n : int >= 1, number of sequences
    T : int >= lead, sequence length
    symbols : int >= 2, number of classes K
    lead : int >= 1, the marker falls on one of the first ``lead`` steps (1: always step 0)
    seed : int, or a ``numpy.random.Generator`` to draw from

    Returns
    -------
    x : (n, T, K + 1) float32; x[:, :, :K] one-hot symbols, x[:, :, K] the marker (0/1)
    y : (n,) int64 labels, the symbol at the marked step
    p : (n,) int64 marked positions (0-based), each in 0 .. lead-1
    """
    n = check_int("n", n, 1)
    T = check_int("T", T, 1)
    K = check_int("symbols", symbols, 2)
    lead = check_int("lead", lead, 1)
    if lead > T:
        raise ValueError(f"lead must be at most T (the marker falls on one of the first lead steps), "
                         f"got lead={lead}, T={T}")
    rng = check_generator("seed", seed)
    seq = rng.integers(0, K, size=(n, T))
    p = rng.integers(0, lead, size=n)
    x = one_hot(seq, K + 1, dtype=np.float32)          # channel K, never a symbol, is the marker
    x[np.arange(n), p, K] = 1.0
    y = seq[np.arange(n), p]
    return x, y.astype(np.int64), p.astype(np.int64)


def delay_task(n, T, lag, seed=0):
    """A copy-with-delay task: the target at step t is the input bit of step t - lag.

    Parameters
    ----------
    n : int, number of sequences
    T : int, sequence length (T > lag)
    lag : int >= 1, how many steps back the answer lies
    seed : int, seed of ``np.random.default_rng``

    Returns
    -------
    x : (n, T, 1) float32, bits encoded as -1.0 / +1.0
    y : (n, T) int64, ``y[:, t] = bit[:, t - lag]`` (0 for t < lag)
    mask : (n, T) bool, False for the first ``lag`` steps, which have no answer
    """
    for name, v in (("n", n), ("T", T), ("lag", lag)):
        check_int(name, v, 1)
    if T <= lag:
        raise ValueError(f"T must be larger than lag, got T={T}, lag={lag}")
    bits = np.random.default_rng(seed).integers(0, 2, size=(n, T))
    y = np.zeros((n, T), dtype=np.int64)
    y[:, lag:] = bits[:, :-lag]
    mask = np.zeros((n, T), dtype=bool)
    mask[:, lag:] = True
    x = (2.0 * bits - 1.0).astype(np.float32)[:, :, None]
    return x, y, mask
