"""Gated recurrent unit (Cho et al., 2014), with exactly the equations of ``torch.nn.GRU``.

Row-vector layout: ``Wx`` (D, 3H), ``Wh`` (H, 3H), ``bx`` and ``bh`` (3H,), the 3H
columns split into three blocks of H in the gate order

    r (reset), z (update), n (candidate)

which is also PyTorch's row order in ``weight_ih_l0`` (3H, D) and ``weight_hh_l0``
(3H, H); PyTorch stores the transposes (column-vector layout). Equations of one step:

    r = σ(x Wx_r + bx_r + h_prev Wh_r + bh_r)
    z = σ(x Wx_z + bx_z + h_prev Wh_z + bh_z)
    n = tanh(x Wx_n + bx_n + r ⊙ (h_prev Wh_n + bh_n))
    h = (1 - z) ⊙ n + z ⊙ h_prev

The reset gate multiplies ``h_prev Wh_n + bh_n`` *after* the matmul and its bias (the
cuDNN/PyTorch variant; the original paper applies r to h_prev before the matmul).
That is why the GRU keeps two biases: ``bh_n`` is scaled by r, ``bx_n`` is not. For r
and z only ``bx + bh`` matters. z = 1 keeps the old state, z = 0 takes the candidate.

The step functions follow these lines literally, and the sequence functions are plain
loops over the step functions. :mod:`rnnkit.scratch.fast` holds the same computation
fused for speed (``gru_forward_fast``, ``gru_backward_fast``); the tests check that the
two agree to rounding.
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_cache, float_array, recurrent_inputs
from .activations import sigmoid


def check_gru_inputs(x, x_shape, h_name, h, Wx, Wh, bx, bh):
    """Validate the arguments of a GRU forward function; returns ``x, h, Wx, Wh, bx, bh``.

    With :func:`rnnkit.checks.recurrent_inputs`, as in :func:`rnnkit.scratch.rnn.rnn_forward`:
    ``x`` (symbolic shape ``x_shape``) sets N, D and the dtype, the state ``h`` (called
    ``h_name`` in messages) sets H, and a transposed or mis-sized weight is the argument
    blamed.
    """
    weights = [("Wx", Wx, ("D", "3H")),
               ("Wh", Wh, ("H", "3H")),
               ("bx", bx, ("3H",)),
               ("bh", bh, ("3H",))]
    return recurrent_inputs(x, x_shape, h_name, h, weights)


def gru_step_forward(x, h_prev, Wx, Wh, bx, bh):
    """One GRU time step.

        ax = x Wx + bx                      (N, 3H) = [ax_r | ax_z | ax_n]
        ah = h_prev Wh + bh                 (N, 3H) = [ah_r | ah_z | ah_n]
        r = σ(ax_r + ah_r)                  (N, H)
        z = σ(ax_z + ah_z)                  (N, H)
        n = tanh(ax_n + r ⊙ ah_n)           (N, H)
        h = (1 - z) ⊙ n + z ⊙ h_prev        (N, H)

    Parameters
    ----------
    x : (N, D) input;  h_prev : (N, H) previous hidden state
    Wx : (D, 3H);  Wh : (H, 3H);  bx, bh : (3H,)   gate order r, z, n
    All float32 or all float64.

    Returns
    -------
    h : (N, H) next hidden state, dtype of the inputs
    cache : for :func:`gru_step_backward`, the tuple
        ``("gru_step", x, h_prev, Wx, Wh, r, z, n, ah_n)``: the arguments (not the
        biases), the gates r, z and the candidate n (N, H) each, and
        ``ah_n = h_prev @ Wh_n + bh_n`` (N, H), the term the reset gate scales
    """
    x, h_prev, Wx, Wh, bx, bh = check_gru_inputs(x, ("N", "D"), "h_prev", h_prev, Wx, Wh, bx, bh)
    H = h_prev.shape[1]

    ax = x @ Wx + bx
    ah = h_prev @ Wh + bh
    r = sigmoid(ax[:, :H] + ah[:, :H])
    z = sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
    ah_n = ah[:, 2 * H:]
    n = np.tanh(ax[:, 2 * H:] + r * ah_n)
    h = (1 - z) * n + z * h_prev
    cache = ("gru_step", x, h_prev, Wx, Wh, r, z, n, ah_n)
    return h, cache


def gru_step_backward(dh, cache):
    """Backward pass of :func:`gru_step_forward`.

        dn = dh ⊙ (1 - z)            dz = dh ⊙ (h_prev - n)
        dan = dn ⊙ (1 - n²)          (gradient of the tanh's argument)
        dr  = dan ⊙ ah_n
        dax = [dr ⊙ r(1-r) | dz ⊙ z(1-z) | dan    ]      (N, 3H)
        dah = [dr ⊙ r(1-r) | dz ⊙ z(1-z) | dan ⊙ r]      (N, 3H)
        dx = dax Wxᵀ     dWx = xᵀ dax         dbx = Σ_n dax
        dh_prev = dh ⊙ z + dah Whᵀ     dWh = h_prevᵀ dah     dbh = Σ_n dah

    Parameters
    ----------
    dh : (N, H) upstream gradient of the loss with respect to h
    cache : from :func:`gru_step_forward`

    Returns
    -------
    dx (N, D), dh_prev (N, H), dWx (D, 3H), dWh (H, 3H), dbx (3H,), dbh (3H,)
    """
    _, x, h_prev, Wx, Wh, r, z, n, ah_n = check_cache("cache", cache, "gru_step")
    dims = {"N": h_prev.shape[0], "H": h_prev.shape[1]}
    dh = float_array("dh", dh, ("N", "H"), dims, dtype=x.dtype)

    dn = dh * (1 - z)
    dz = dh * (h_prev - n)
    dan = dn * (1 - n ** 2)
    dr = dan * ah_n
    dar = dr * r * (1 - r)
    daz = dz * z * (1 - z)
    dax = np.concatenate([dar, daz, dan], axis=1)
    dah = np.concatenate([dar, daz, dan * r], axis=1)
    dx = dax @ Wx.T
    dWx = x.T @ dax
    dbx = dax.sum(axis=0)
    dh_prev = dh * z + dah @ Wh.T
    dWh = h_prev.T @ dah
    dbh = dah.sum(axis=0)
    return dx, dh_prev, dWx, dWh, dbx, dbh


def gru_forward(x, h0, Wx, Wh, bx, bh):
    """Run a GRU over a whole sequence, starting from h_0 = h0.

    One call of :func:`gru_step_forward` per time step; for t = 1..T, with x_t = x[:, t-1]
    and the blocks r, z, n as in :func:`gru_step_forward`:

        r_t = σ(x_t Wx_r + bx_r + h_{t-1} Wh_r + bh_r)
        z_t = σ(x_t Wx_z + bx_z + h_{t-1} Wh_z + bh_z)
        n_t = tanh(x_t Wx_n + bx_n + r_t ⊙ (h_{t-1} Wh_n + bh_n))
        h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}

    Parameters
    ----------
    x : (N, T, D) inputs (batch first);  h0 : (N, H) initial hidden state
    Wx : (D, 3H);  Wh : (H, 3H);  bx, bh : (3H,)   gate order r, z, n
    All float32 or all float64.

    Returns
    -------
    h : (N, T, H) hidden states h_1..h_T, dtype of the inputs
    cache : for :func:`gru_backward`
    """
    x, h0, Wx, Wh, bx, bh = check_gru_inputs(x, ("N", "T", "D"), "h0", h0, Wx, Wh, bx, bh)
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]), dtype=x.dtype)
    h_t = h0
    steps = []                                           # steps[t-1]: the cache of step t
    for t in range(T):
        h_t, step = gru_step_forward(x[:, t], h_t, Wx, Wh, bx, bh)
        h[:, t] = h_t
        steps.append(step)
    cache = ("gru", x, Wx, Wh, bx, bh, steps)
    return h, cache


def gru_backward(dh, cache):
    """Backpropagation through time for :func:`gru_forward`.

    One call of :func:`gru_step_backward` per time step, from t = T down to 1. Step t
    receives ``dh[:, t-1] + dh_next``: its own upstream gradient plus ``dh_next``, the
    gradient reaching h_t through step t+1 (zero at t = T). The weights and biases are
    shared by all steps, so their gradients are sums over t. At the end ``dh_next`` is
    ∂L/∂h0.

    Parameters
    ----------
    dh : (N, T, H) upstream gradient of every h_t; the path through h_{t+1} is added here
    cache : from :func:`gru_forward`

    Returns
    -------
    dx (N, T, D), dh0 (N, H), dWx (D, 3H), dWh (H, 3H), dbx (3H,), dbh (3H,)
    """
    _, x, Wx, Wh, bx, bh, steps = check_cache("cache", cache, "gru")
    N, T, D = x.shape
    H = Wh.shape[0]
    dh = float_array("dh", dh, ("N", "T", "H"), {"N": N, "T": T, "H": H}, dtype=x.dtype)
    dx = np.empty((N, T, D), dtype=x.dtype)
    dWx, dWh = np.zeros(Wx.shape, x.dtype), np.zeros(Wh.shape, x.dtype)
    dbx, dbh = np.zeros(bx.shape, x.dtype), np.zeros(bh.shape, x.dtype)
    dh_next = np.zeros((N, H), dtype=x.dtype)
    for t in reversed(range(T)):
        dx[:, t], dh_next, dWx_t, dWh_t, dbx_t, dbh_t = gru_step_backward(dh[:, t] + dh_next, steps[t])
        dWx += dWx_t
        dWh += dWh_t
        dbx += dbx_t
        dbh += dbh_t
    return dx, dh_next, dWx, dWh, dbx, dbh
