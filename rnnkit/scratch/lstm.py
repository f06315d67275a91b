"""Long short-term memory (Hochreiter & Schmidhuber, 1997; forget gate: Gers et al., 2000).

Row-vector layout: one matmul per weight matrix computes the pre-activations of all
four gates at once, ``a = x Wx + h_prev Wh + b`` with ``Wx`` (D, 4H), ``Wh`` (H, 4H) and
``b`` (4H,). The 4H columns are split into four blocks of H in the gate order

    i (input), f (forget), o (output), g (candidate cell)        -- scratch order

so the three sigmoid gates are adjacent and ``g`` (tanh) comes last. PyTorch's
``nn.LSTM`` stores the blocks as rows in the order i, f, g, o of ``weight_ih_l0``
(4H, D) and ``weight_hh_l0`` (4H, H), i.e. transposed (column-vector layout) and with
g and o swapped; :mod:`rnnkit.scratch.convert` translates between the two.

Equations of one step (column-vector form as in the book: i = σ(W_xi x + W_hi h + b_i)):

    i = σ(a_i)    f = σ(a_f)    o = σ(a_o)    g = tanh(a_g)
    c = f ⊙ c_prev + i ⊙ g
    h = o ⊙ tanh(c)

The step functions follow these lines literally, and the sequence functions are plain
loops over the step functions: forward over t = 1..T, backward over t = T..1, adding up
the gradients of the weights, which every step shares. :mod:`rnnkit.scratch.fast` holds
the same computation fused for speed (``lstm_forward_fast``, ``lstm_backward_fast``);
the tests check that the two agree to rounding.
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_cache, float_array, recurrent_inputs
from .activations import sigmoid


def check_lstm_inputs(x, x_shape, h_name, h, Wx, Wh, b, dims):
    """Validate the arguments of an LSTM forward function; returns ``x, h, Wx, Wh, b``.

    With :func:`rnnkit.checks.recurrent_inputs`, as in :func:`rnnkit.scratch.rnn.rnn_forward`:
    ``x`` (symbolic shape ``x_shape``) sets N, D and the dtype, the state ``h`` (called
    ``h_name`` in messages) sets H, and a transposed or mis-sized weight is the argument
    blamed.
    ``dims`` (bound dimensions) is updated in place for the caller's later checks.
    """
    weights = [("Wx", Wx, ("D", "4H")),
               ("Wh", Wh, ("H", "4H")),
               ("b", b, ("4H",))]
    return recurrent_inputs(x, x_shape, h_name, h, weights, dims)


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One LSTM time step.

        a = x Wx + h_prev Wh + b            (N, 4H) = [a_i | a_f | a_o | a_g]
        i, f, o = σ(a_i), σ(a_f), σ(a_o)    (N, H) each
        g = tanh(a_g)                       (N, H)
        c = f ⊙ c_prev + i ⊙ g              (N, H)
        h = o ⊙ tanh(c)                     (N, H)

    Parameters
    ----------
    x : (N, D) input;  h_prev, c_prev : (N, H) previous hidden and cell state
    Wx : (D, 4H);  Wh : (H, 4H);  b : (4H,)   gate order i, f, o, g
    All float32 or all float64.

    Returns
    -------
    h, c : (N, H) next hidden and cell state, dtype of the inputs
    cache : for :func:`lstm_step_backward`, the tuple
        ``("lstm_step", x, h_prev, c_prev, Wx, Wh, i, f, o, g, tanh_c)``: the arguments
        (``b`` is not needed), the four gates (N, H) each and ``tanh_c = tanh(c)``
    """
    dims = {}
    x, h_prev, Wx, Wh, b = check_lstm_inputs(x, ("N", "D"), "h_prev", h_prev, Wx, Wh, b, dims)
    c_prev = float_array("c_prev", c_prev, ("N", "H"), dims, dtype=Wx.dtype)
    H = dims["H"]

    a = x @ Wx + h_prev @ Wh + b
    i = sigmoid(a[:, 0 * H:1 * H])
    f = sigmoid(a[:, 1 * H:2 * H])
    o = sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:4 * H])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    cache = ("lstm_step", x, h_prev, c_prev, Wx, Wh, i, f, o, g, tanh_c)
    return h, c, cache


def lstm_step_backward(dh, dc, cache):
    """Backward pass of :func:`lstm_step_forward`.

    With dc_tot the whole gradient reaching c (from the next step and through h):

        do      = dh ⊙ tanh(c)
        dc_tot  = dc + dh ⊙ o ⊙ (1 - tanh²(c))
        di      = dc_tot ⊙ g        df = dc_tot ⊙ c_prev        dg = dc_tot ⊙ i
        dc_prev = dc_tot ⊙ f
        da      = [di ⊙ i(1-i) | df ⊙ f(1-f) | do ⊙ o(1-o) | dg ⊙ (1-g²)]    (N, 4H)
        dx = da Wxᵀ    dh_prev = da Whᵀ    dWx = xᵀ da    dWh = h_prevᵀ da    db = Σ_n da

    Parameters
    ----------
    dh, dc : (N, H) upstream gradients of the loss with respect to h and c
    cache : from :func:`lstm_step_forward`

    Returns
    -------
    dx (N, D), dh_prev (N, H), dc_prev (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,)
    """
    _, x, h_prev, c_prev, Wx, Wh, i, f, o, g, tanh_c = check_cache("cache", cache, "lstm_step")
    dims = {"N": h_prev.shape[0], "H": h_prev.shape[1]}
    dh = float_array("dh", dh, ("N", "H"), dims, dtype=x.dtype)
    dc = float_array("dc", dc, ("N", "H"), dims, dtype=x.dtype)

    do = dh * tanh_c
    dc_tot = dc + dh * o * (1 - tanh_c ** 2)
    di = dc_tot * g
    df = dc_tot * c_prev
    dg = dc_tot * i
    dc_prev = dc_tot * f
    da = np.concatenate([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g ** 2)],
                        axis=1)
    dx = da @ Wx.T
    dh_prev = da @ Wh.T
    dWx = x.T @ da
    dWh = h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dc_prev, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    """Run an LSTM over a whole sequence, starting from h_0 = h0 and c_0 = 0.

    One call of :func:`lstm_step_forward` per time step; for t = 1..T, with x_t = x[:, t-1]:

        a_t = x_t Wx + h_{t-1} Wh + b           [a_i | a_f | a_o | a_g]
        i_t, f_t, o_t = σ(a_i), σ(a_f), σ(a_o);  g_t = tanh(a_g)
        c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
        h_t = o_t ⊙ tanh(c_t)

    Parameters
    ----------
    x : (N, T, D) inputs (batch first);  h0 : (N, H) initial hidden state
    Wx : (D, 4H);  Wh : (H, 4H);  b : (4H,)   gate order i, f, o, g
    All float32 or all float64.

    Returns
    -------
    h : (N, T, H) hidden states h_1..h_T, dtype of the inputs
    cache : for :func:`lstm_backward`
    """
    x, h0, Wx, Wh, b = check_lstm_inputs(x, ("N", "T", "D"), "h0", h0, Wx, Wh, b, {})
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]), dtype=x.dtype)
    h_t, c_t = h0, np.zeros_like(h0)                     # c_0 = 0
    steps = []                                           # steps[t-1]: the cache of step t
    for t in range(T):
        h_t, c_t, step = lstm_step_forward(x[:, t], h_t, c_t, Wx, Wh, b)
        h[:, t] = h_t
        steps.append(step)
    cache = ("lstm", x, Wx, Wh, b, steps)
    return h, cache


def lstm_backward(dh, cache):
    """Backpropagation through time for :func:`lstm_forward`.

    One call of :func:`lstm_step_backward` per time step, from t = T down to 1. Two
    gradients flow back from step t+1 into step t (both zero at t = T):

        dh_next = ∂L/∂h_t through step t+1,   dc_next = ∂L/∂c_t through step t+1

    so step t receives ``dh[:, t-1] + dh_next`` (its own upstream gradient plus the
    recurrent one) and ``dc_next``. The weights are shared by all steps, so their
    gradients are sums over t. At the end ``dh_next`` is ∂L/∂h0; c_0 = 0 is a constant,
    so ``dc_next`` is dropped.

    Parameters
    ----------
    dh : (N, T, H) gradient of the loss with respect to every h_t, counting only the
        paths that leave the LSTM at step t, not the path through h_{t+1}
    cache : from :func:`lstm_forward`

    Returns
    -------
    dx (N, T, D), dh0 (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,)
    """
    _, x, Wx, Wh, b, steps = check_cache("cache", cache, "lstm")
    N, T, D = x.shape
    H = Wh.shape[0]
    dh = float_array("dh", dh, ("N", "T", "H"), {"N": N, "T": T, "H": H}, dtype=x.dtype)
    dx = np.empty((N, T, D), dtype=x.dtype)
    dWx, dWh, db = np.zeros(Wx.shape, x.dtype), np.zeros(Wh.shape, x.dtype), np.zeros(b.shape, x.dtype)
    dh_next = np.zeros((N, H), dtype=x.dtype)
    dc_next = np.zeros((N, H), dtype=x.dtype)
    for t in reversed(range(T)):
        dx[:, t], dh_next, dc_next, dWx_t, dWh_t, db_t = lstm_step_backward(
            dh[:, t] + dh_next, dc_next, steps[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db
