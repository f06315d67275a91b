"""Word (or character) embedding: a lookup table trained by backpropagation.

Looking up row ``idx`` of ``W`` is the same as multiplying a one-hot row vector by ``W``,
without building the one-hot vectors::

    out[n, t] = W[idx[n, t]]                          (N, T, D)
    dW[v]     = sum of dout[n, t] over all (n, t) with idx[n, t] == v      (V, D)

Shapes: N batch, T time steps, V vocabulary size, D embedding size.
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_cache, float_array, index_array


def embedding_forward(idx, W):
    """Look up the embedding of every index: ``out[n, t] = W[idx[n, t]]``.

    Parameters
    ----------
    idx : (N, T) integer array with values in [0, V)
    W : (V, D) float32 or float64 embedding table

    Returns
    -------
    out : (N, T, D), same dtype as ``W``
    cache : what :func:`embedding_backward` needs
    """
    dims = {}
    W = float_array("W", W, ("V", "D"), dims)
    idx = index_array("idx", idx, ("N", "T"), dims, high=dims["V"], high_name="V")
    out = W[idx]
    cache = ("embedding", idx, W.shape, W.dtype)
    return out, cache


def embedding_backward(dout, cache):
    """Gradient of the embedding table: ``dW[v] = sum of dout[n, t] where idx[n, t] == v``.

    Parameters
    ----------
    dout : (N, T, D) gradient of the loss with respect to ``out``
    cache : from :func:`embedding_forward`

    Returns
    -------
    dW : (V, D). A row used several times receives the sum of its gradients; rows
        not used get zeros. (``dW[idx] += dout`` would add only one of the gradients of a
        repeated row, because fancy-index assignment does not accumulate; ``np.add.at`` does.)
    """
    _, idx, (V, D), dtype = check_cache("cache", cache, "embedding")
    N, T = idx.shape
    dout = float_array("dout", dout, ("N", "T", "D"), {"N": N, "T": T, "D": D}, dtype=dtype)
    dW = np.zeros((V, D), dtype=dtype)
    np.add.at(dW, idx, dout)
    return dW
