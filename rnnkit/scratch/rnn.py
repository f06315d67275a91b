"""Vanilla (Elman) RNN with explicit forward and backward passes.

The book writes one step with column vectors, h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h).
The code stores a batch as rows, so the same step reads (Wx = W_xh^T, Wh = W_hh^T)::

    a_t = x_t @ Wx + h_{t-1} @ Wh + b         (N, H)    pre-activation
    h_t = tanh(a_t)                            (N, H)

and its backward pass, with dh_t = dL/dh_t and tanh'(a_t) = 1 - h_t**2::

    da_t     = dh_t * (1 - h_t**2)             (N, H)
    dx_t     = da_t @ Wx.T                     (N, D)
    dh_{t-1} = da_t @ Wh.T                     (N, H)
    dWx      = x_t.T @ da_t                    (D, H)
    dWh      = h_{t-1}.T @ da_t                (H, H)
    db       = sum over the batch of da_t      (H,)

Shapes: N batch, T time steps, D input size, H hidden size. float32 and float64 inputs
are supported; all arguments of one call must share one dtype, which the results keep.
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_cache, float_array, recurrent_inputs


def _check_inputs(x, x_shape, h_name, h_prev, Wx, Wh, b):
    """Validate the arguments of a forward function; all must share ``x``'s dtype."""
    return recurrent_inputs(x, x_shape, h_name, h_prev,
                            [("Wx", Wx, ("D", "H")), ("Wh", Wh, ("H", "H")), ("b", b, ("H",))])


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """One RNN step: ``h = tanh(x @ Wx + h_prev @ Wh + b)``.

    Parameters
    ----------
    x : (N, D) input at this step
    h_prev : (N, H) previous hidden state
    Wx : (D, H) input-to-hidden weights
    Wh : (H, H) hidden-to-hidden weights
    b : (H,) bias

    Returns
    -------
    h : (N, H) next hidden state
    cache : what :func:`rnn_step_backward` needs, the tuple
        ``("rnn_step", x, h_prev, Wx, Wh, h)`` (the arguments themselves, not copies,
        and the new state ``h``)
    """
    x, h_prev, Wx, Wh, b = _check_inputs(x, ("N", "D"), "h_prev", h_prev, Wx, Wh, b)
    h = np.tanh(x @ Wx + h_prev @ Wh + b)
    cache = ("rnn_step", x, h_prev, Wx, Wh, h)
    return h, cache


def rnn_step_backward(dh, cache):
    """Backward pass of :func:`rnn_step_forward`.

    ``da = dh * (1 - h**2)``; ``dx = da @ Wx.T``; ``dh_prev = da @ Wh.T``;
    ``dWx = x.T @ da``; ``dWh = h_prev.T @ da``; ``db = da.sum(axis=0)``.

    Parameters
    ----------
    dh : (N, H) gradient of the loss with respect to ``h``
    cache : from :func:`rnn_step_forward`

    Returns
    -------
    dx : (N, D), dh_prev : (N, H), dWx : (D, H), dWh : (H, H), db : (H,)
    """
    _, x, h_prev, Wx, Wh, h = check_cache("cache", cache, "rnn_step")
    N, H = h.shape
    dh = float_array("dh", dh, ("N", "H"), {"N": N, "H": H}, dtype=h.dtype)
    da = dh * (1 - h**2)              # through tanh
    dx = da @ Wx.T
    dh_prev = da @ Wh.T
    dWx = x.T @ da
    dWh = h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """Run the RNN over a whole sequence: ``h_t = tanh(x_t @ Wx + h_{t-1} @ Wh + b)``, t = 1..T.

    The input projections ``x_t @ Wx + b`` do not depend on the recurrence, so they are
    computed for all N*T rows in one matmul; only ``h_{t-1} @ Wh`` stays in the loop.

    Parameters
    ----------
    x : (N, T, D) input sequence
    h0 : (N, H) initial hidden state (usually zeros)
    Wx : (D, H) input-to-hidden weights, shared by every time step
    Wh : (H, H) hidden-to-hidden weights, shared by every time step
    b : (H,) bias

    Returns
    -------
    h : (N, T, H) hidden states h_1 .. h_T (``h[:, t]`` is the state after input ``x[:, t]``)
    cache : what :func:`rnn_backward` needs, the tuple ``("rnn", x, h0, Wx, Wh, h)``
        (the arguments themselves and the states ``h`` (N, T, H) returned)
    """
    x, h0, Wx, Wh, b = _check_inputs(x, ("N", "T", "D"), "h0", h0, Wx, Wh, b)
    N, T, D = x.shape
    H = h0.shape[1]
    xw = (x.reshape(N * T, D) @ Wx + b).reshape(N, T, H)    # x_t @ Wx + b for every t
    h = np.empty((N, T, H), dtype=x.dtype)
    h_prev = h0
    for t in range(T):
        h[:, t] = np.tanh(xw[:, t] + h_prev @ Wh)
        h_prev = h[:, t]
    cache = ("rnn", x, h0, Wx, Wh, h)
    return h, cache


def rnn_backward(dh, cache):
    """Backpropagation through time for :func:`rnn_forward`.

    For t = T, ..., 1: ``g_t = dh[:, t] + da_{t+1} @ Wh.T`` (the two paths into h_t),
    ``da_t = g_t * (1 - h_t**2)``. Then ``dx_t = da_t @ Wx.T``, ``dh0 = da_1 @ Wh.T`` and,
    because the weights are shared, ``dWx = sum_t x_t.T @ da_t``,
    ``dWh = sum_t h_{t-1}.T @ da_t``, ``db = sum_t da_t.sum(axis=0)``.

    Parameters
    ----------
    dh : (N, T, H) upstream gradients of every hidden state, ``dh[:, t] = dL/dh_t``
        counting only the paths that leave the RNN at step t (through the output layer),
        not the path through ``h_{t+1}``, which this function adds itself
    cache : from :func:`rnn_forward`

    Returns
    -------
    dx : (N, T, D), dh0 : (N, H), dWx : (D, H), dWh : (H, H), db : (H,)
    """
    _, x, h0, Wx, Wh, h = check_cache("cache", cache, "rnn")
    N, T, H = h.shape
    D = x.shape[2]
    dh = float_array("dh", dh, ("N", "T", "H"), {"N": N, "T": T, "H": H}, dtype=h.dtype)

    # Recurrent part, backwards in time. h_t is used twice: by the loss at step t and by
    # step t+1. Its gradient is the sum of the two paths (a copy node sums gradients):
    #     dL/dh_t = dh[:, t]            (path 1: from the loss at step t)
    #             + da_{t+1} @ Wh.T     (path 2: through h_{t+1}; zero at the last step)
    da = np.empty_like(h)                      # da[:, t] = dL/da_t, pre-activation of step t
    dh_next = np.zeros_like(h0)                # path 2 into the current h_t
    for t in reversed(range(T)):
        dh_t = dh[:, t] + dh_next
        da[:, t] = dh_t * (1 - h[:, t] ** 2)  # through tanh
        dh_next = da[:, t] @ Wh.T             # becomes path 2 into h_{t-1}
    dh0 = dh_next

    # Weights are shared by all steps, so their gradients are sums over t; each sum over
    # (batch, time) is one matmul over the N*T rows, done after the loop.
    h_prev = np.concatenate([h0[:, None], h], axis=1)[:, :-1]   # (N, T, H): h_{t-1} for every t
    da_rows = da.reshape(N * T, H)
    dx = (da_rows @ Wx.T).reshape(N, T, D)
    dWx = x.reshape(N * T, D).T @ da_rows
    dWh = h_prev.reshape(N * T, H).T @ da_rows
    db = da_rows.sum(axis=0)
    return dx, dh0, dWx, dWh, db
