"""The unrolled RNN graph, one step at a time, with the gradient of every weight copy.

Unrolling an RNN over T steps makes T copies of the shared weights (Wx, Wh, b), one per
step. In the backward pass each copy receives its own gradient; the weight's gradient is
their sum, because a copy node adds up the gradients flowing back into it::

    dL/dWh = sum_t dL/dWh^(t)                                   (copy t = use at step t)
    dL/dWh^(t) = h_{t-1}^T da_t,   da_t = dL/dh_t * (1 - h_t**2)   (row layout, batch summed)

:func:`rnnkit.scratch.rnn_backward` returns only the sums. The functions here run the
same computation with :func:`rnnkit.scratch.rnn_step_forward` / ``rnn_step_backward``
and keep the per-step terms, so a chapter can show them. With a loss L = sum_s L_s one
can go one level finer: :func:`rnn_grads_by_loss_and_step` splits each copy's gradient
by the loss term it came from, ``dL/dWh^(t) = sum_{s >= t} dL_s/dWh^(t)``.

Shapes: N batch, T time steps, D input size, H hidden size.
"""
from __future__ import annotations

import numpy as np

from rnnkit.scratch import rnn_step_backward, rnn_step_forward


def rnn_forward_steps(x, h0, Wx, Wh, b):
    """Run the RNN with one :func:`~rnnkit.scratch.rnn_step_forward` call per time step.

    Parameters
    ----------
    x : (N, T, D) inputs; h0 : (N, H) initial state; Wx : (D, H); Wh : (H, H); b : (H,)

    Returns
    -------
    h : (N, T, H) hidden states h_1 .. h_T (same values as ``rnn_forward``)
    caches : list of T step caches, for :func:`rnn_backward_steps`
    """
    if not isinstance(x, np.ndarray) or x.ndim != 3:
        raise ValueError(f"x must be a 3-D array of shape (N, T, D), got "
                         f"{getattr(x, 'shape', type(x).__name__)}")
    N, T, _ = x.shape
    if T < 1:
        raise ValueError(f"x must have at least one time step, got shape {x.shape}")
    h_prev, hs, caches = h0, [], []
    for t in range(T):
        h_prev, cache = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)
        hs.append(h_prev)
        caches.append(cache)
    return np.stack(hs, axis=1), caches


def _check_dh(dh, caches):
    if not isinstance(caches, (list, tuple)) or not caches:
        raise ValueError("caches must be the non-empty list returned by rnn_forward_steps")
    T = len(caches)
    N, H = caches[0][-1].shape
    if not isinstance(dh, np.ndarray) or dh.shape != (N, T, H):
        raise ValueError(f"dh must have shape (N, T, H) = {(N, T, H)}, "
                         f"got {getattr(dh, 'shape', type(dh).__name__)}")
    return T


def rnn_backward_steps(dh, caches):
    """Backpropagation through time that keeps each step's weight gradients apart.

    Parameters
    ----------
    dh : (N, T, H) upstream gradient at each hidden state from outside the recurrence
        (e.g. through the output layer), as for ``rnn_backward``
    caches : from :func:`rnn_forward_steps`

    Returns
    -------
    dx : (N, T, D), dh0 : (N, H)
    dWx : (T, D, H), dWh : (T, H, H), db : (T, H)
        ``dWh[t]`` is the gradient reaching the copy of Wh used at step t+1 (0-based t);
        ``dWh.sum(0)`` equals the ``dWh`` of ``rnn_backward``, and likewise for Wx, b.
    """
    T = _check_dh(dh, caches)
    dxs, dWx, dWh, db = [None] * T, [None] * T, [None] * T, [None] * T
    dh_next = np.zeros_like(dh[:, 0])
    for t in reversed(range(T)):
        # h_t feeds the output at step t and step t+1: its gradient is the sum of both.
        dxs[t], dh_next, dWx[t], dWh[t], db[t] = rnn_step_backward(dh[:, t] + dh_next, caches[t])
    return np.stack(dxs, axis=1), dh_next, np.stack(dWx), np.stack(dWh), np.stack(db)


def rnn_grads_by_loss_and_step(dh, caches):
    """Split every copy's weight gradient by the loss term it comes from.

    For a loss L = sum_s L_s in which L_s depends on h_s only through the output at step
    s, ``dh[:, s]`` is the gradient L_s sends into h_s. This function backpropagates each
    L_s alone and returns ``G[s, t] = dL_s / dW^(t)`` (0-based s, t). Causality makes
    ``G[s, t] = 0`` for t > s: a loss cannot depend on a step that comes after it.

    Parameters
    ----------
    dh : (N, T, H) as for :func:`rnn_backward_steps`
    caches : from :func:`rnn_forward_steps`

    Returns
    -------
    dWx : (T, T, D, H), dWh : (T, T, H, H), db : (T, T, H), indexed [s, t];
        summing over s gives :func:`rnn_backward_steps`' per-copy gradients,
        summing over both gives the full gradient.
    """
    T = _check_dh(dh, caches)
    out = []
    for s in range(T):
        only_s = np.zeros_like(dh)
        only_s[:, s] = dh[:, s]
        out.append(rnn_backward_steps(only_s, caches)[2:])
    dWx, dWh, db = (np.stack(parts) for parts in zip(*out))
    return dWx, dWh, db
