"""Softmax cross-entropy summed over time steps, for sequence outputs.

With p[n, t] = softmax(scores[n, t]) and mask m[n, t] in {0, 1}::

    loss            = (1/N) * sum_{n,t} m[n, t] * (-log p[n, t, y[n, t]])
    dscores[n, t]   = (m[n, t] / N) * (p[n, t] - onehot(y[n, t]))          (V,)

The loss is *summed* over time (L = sum_t L_t, as in the book) and *averaged* over the
batch: divided by N, not by the number of unmasked positions. A masked position
(m = 0, e.g. padding after the end of a shorter sequence) adds zero loss and gets a zero
gradient. ``log p`` is computed as a log-softmax, ``s - max(s) - log(sum(exp(s - max(s))))``,
which never overflows and never takes the log of zero.

PyTorch equivalent: ``F.cross_entropy(scores.reshape(N*T, V), y.reshape(N*T),
reduction="none")`` times the mask, summed, divided by N.
(``reduction="mean"`` would instead divide by the number of unmasked positions.)
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_shape, float_array, index_array


def _check_mask(mask, dims, dtype):
    """None -> all ones; a bool or 0/1 (N, T) array -> a 0/1 float array of ``dtype``."""
    if mask is None:
        return np.ones((dims["N"], dims["T"]), dtype=dtype)
    if not isinstance(mask, np.ndarray):
        raise ValueError(f"mask must be None or a numpy array of shape (N, T), got {type(mask).__name__}")
    if mask.dtype != bool and (mask.dtype.kind not in "iuf" or not np.isin(mask, (0, 1)).all()):
        raise ValueError("mask must be a bool array or hold only 0 and 1 "
                         "(1 = position counts in the loss, 0 = ignored)")
    check_shape("mask", mask, ("N", "T"), dims)
    return mask.astype(dtype)


def temporal_softmax_loss(scores, y, mask=None):
    """Cross-entropy of softmax(scores) against targets ``y``, summed over t, averaged over N.

    Parameters
    ----------
    scores : (N, T, V) float32 or float64 unnormalized log-probabilities
    y : (N, T) integer targets in [0, V); at masked positions any valid index (e.g. the
        padding token) may be used, it is ignored
    mask : (N, T) bool or 0/1 array, or None (= every position counts)

    Returns
    -------
    loss : scalar of ``scores``' dtype,
        ``(1/N) * sum_{n,t} mask[n,t] * -log softmax(scores[n,t])[y[n,t]]``
    dscores : (N, T, V) gradient of ``loss`` with respect to ``scores``
    """
    dims = {}
    scores = float_array("scores", scores, ("N", "T", "V"), dims)
    y = index_array("y", y, ("N", "T"), dims, high=dims["V"], high_name="V")
    m = _check_mask(mask, dims, scores.dtype)
    N = scores.shape[0]

    shifted = scores - scores.max(axis=2, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))   # log softmax
    n, t = np.indices(y.shape)
    # N in scores' dtype: numpy 1.x would turn float32 / int into a float64 scalar.
    loss = -(m * log_p[n, t, y]).sum() / scores.dtype.type(N)

    dscores = np.exp(log_p)                       # p
    dscores[n, t, y] -= 1                         # p - onehot(y)
    dscores *= m[:, :, None] / N
    return loss, dscores
