"""Temporal affine layer: the same affine map applied to the hidden state at every step.

This is the RNN's output layer y_t = W_hy h_t + b_y, in row-vector layout::

    out[:, t] = h[:, t] @ W + b                  (N, M)   for every t
    dh[:, t]  = dout[:, t] @ W.T                 (N, H)
    dW        = sum over n, t of h[n, t]^T dout[n, t]     (H, M)
    db        = sum over n, t of dout[n, t]               (M,)

All steps share W and b, so the T steps are computed as one (N*T, H) @ (H, M) matmul.
Shapes: N batch, T time steps, H input (hidden) size, M output size (V for scores).
"""
from __future__ import annotations

from rnnkit.checks import check_cache, float_array


def temporal_affine_forward(h, W, b):
    """``out[:, t] = h[:, t] @ W + b`` for every time step t.

    Parameters
    ----------
    h : (N, T, H) inputs, e.g. the RNN's hidden states
    W : (H, M) weights
    b : (M,) bias

    Returns
    -------
    out : (N, T, M)
    cache : what :func:`temporal_affine_backward` needs
    """
    dims = {}
    h = float_array("h", h, ("N", "T", "H"), dims)
    W = float_array("W", W, ("H", "M"), dims, dtype=h.dtype)
    b = float_array("b", b, ("M",), dims, dtype=h.dtype)
    N, T, H = h.shape
    M = W.shape[1]
    out = (h.reshape(N * T, H) @ W + b).reshape(N, T, M)
    cache = ("temporal_affine", h, W)
    return out, cache


def temporal_affine_backward(dout, cache):
    """Backward pass of :func:`temporal_affine_forward`.

    ``dh[:, t] = dout[:, t] @ W.T``; ``dW = sum_t h[:, t].T @ dout[:, t]``;
    ``db = dout.sum(axis=(0, 1))``.

    Parameters
    ----------
    dout : (N, T, M) gradient of the loss with respect to ``out``
    cache : from :func:`temporal_affine_forward`

    Returns
    -------
    dh : (N, T, H), dW : (H, M), db : (M,)
    """
    _, h, W = check_cache("cache", cache, "temporal_affine")
    N, T, H = h.shape
    M = W.shape[1]
    dout = float_array("dout", dout, ("N", "T", "M"), {"N": N, "T": T, "M": M}, dtype=h.dtype)
    dout_rows = dout.reshape(N * T, M)
    dh = (dout_rows @ W.T).reshape(N, T, H)
    dW = h.reshape(N * T, H).T @ dout_rows
    db = dout_rows.sum(axis=0)
    return dh, dW, db
