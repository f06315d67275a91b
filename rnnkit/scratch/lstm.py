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

The step functions follow these lines literally. The sequence functions compute the
same thing, organised for speed (they agree with the step functions to rounding, which
the tests check): all input projections in one matmul before the loop, one matmul
``h_{t-1} Wh`` per step, preallocated buffers in which every gate of every step is a
contiguous (N, H) block, in-place elementwise operations, the sigmoid computed as
½(1 + tanh(a/2)) with the ½ folded into the weights, and the weight gradients as single
matmuls over all time steps after the loop.
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_cache, float_array
from .activations import sigmoid


def _check_weights(Wx, Wh, b, dims):
    """Validate the LSTM weights first: they define D and H for the data arguments."""
    Wx = float_array("Wx", Wx, ("D", "4H"), dims)
    Wh = float_array("Wh", Wh, ("H", "4H"), dims, dtype=Wx.dtype)
    b = float_array("b", b, ("4H",), dims, dtype=Wx.dtype)
    return Wx, Wh, b


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
    cache : for :func:`lstm_step_backward`
    """
    dims = {}
    Wx, Wh, b = _check_weights(Wx, Wh, b, dims)
    x = float_array("x", x, ("N", "D"), dims, dtype=Wx.dtype)
    h_prev = float_array("h_prev", h_prev, ("N", "H"), dims, dtype=Wx.dtype)
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

    For t = 1..T, with x_t = x[:, t-1]:

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
    dims = {}
    Wx, Wh, b = _check_weights(Wx, Wh, b, dims)
    x = float_array("x", x, ("N", "T", "D"), dims, dtype=Wx.dtype)
    h0 = float_array("h0", h0, ("N", "H"), dims, dtype=Wx.dtype)
    N, T, D = x.shape
    H = dims["H"]
    dtype = Wx.dtype

    # σ(a) = ½ (1 + tanh(a/2)): halving the i, f, o columns of the weights (exact in
    # floating point) lets one tanh serve the three sigmoids and g.
    scale = np.ones(4 * H, dtype)
    scale[:3 * H] = 0.5
    Wx_s, Wh_s, b_s = Wx * scale, Wh * scale, b * scale
    # Time-major copy of x: xs[t*N + n] = x[n, t].
    xs = np.ascontiguousarray(x.transpose(1, 0, 2)).reshape(T * N, D)
    # Gate-major buffer: acts[k, t-1] is gate k (0 i, 1 f, 2 o, 3 g) of step t, a contiguous
    # (N, H) block. It starts as (x_t Wx + b) ⊙ scale for all steps, from one batched
    # matmul, and the loop turns it in place into the gate values.
    acts = np.empty((4, T, N, H), dtype)
    np.matmul(xs, Wx_s.reshape(D, 4, H).transpose(1, 0, 2), out=acts.reshape(4, T * N, H))
    acts += b_s.reshape(4, 1, 1, H)
    hs = np.empty((T + 1, N, H), dtype)       # hs[t] = h_t, hs[0] = h0
    cs = np.empty((T + 1, N, H), dtype)       # cs[t] = c_t, cs[0] = 0
    tanh_cs = np.empty((T, N, H), dtype)      # tanh_cs[t-1] = tanh(c_t)
    hs[0] = h0
    cs[0] = 0
    hWh = np.empty((N, 4 * H), dtype)
    hWh_gates = hWh.reshape(N, 4, H).transpose(1, 0, 2)    # the same memory as (4, N, H)
    ig = np.empty((N, H), dtype)
    for t in range(T):
        a = acts[:, t]                                    # (4, N, H)
        np.dot(hs[t], Wh_s, out=hWh)
        a += hWh_gates                                    # a_t ⊙ scale
        np.tanh(a, out=a)                                 # tanh(a/2) for i, f, o; g_t
        ifo = a[:3]
        ifo *= 0.5
        ifo += 0.5                                        # i_t, f_t, o_t = σ(a_t)
        i, f, o, g = a
        c = cs[t + 1]
        np.multiply(f, cs[t], out=c)
        np.multiply(i, g, out=ig)
        c += ig                                           # c_t = f ⊙ c_{t-1} + i ⊙ g
        np.tanh(c, out=tanh_cs[t])
        np.multiply(o, tanh_cs[t], out=hs[t + 1])         # h_t = o ⊙ tanh(c_t)

    h = np.ascontiguousarray(hs[1:].transpose(1, 0, 2))
    cache = ("lstm", xs, hs, cs, tanh_cs, acts, Wx, Wh)
    return h, cache


def lstm_backward(dh, cache):
    """Backpropagation through time for :func:`lstm_forward`.

    Going backwards from t = T with dh_{T+1} = dc_{T+1} = 0 carried in, at each step::

        dh_t   = dh[:, t-1] + (da_{t+1} Whᵀ)                   upstream + recurrent
        dc_t   = dc_{t+1} ⊙ f_{t+1} + dh_t ⊙ o_t ⊙ (1 - tanh²(c_t))
        da_t   = [dc_t ⊙ g_t ⊙ i_t(1-i_t) | dc_t ⊙ c_{t-1} ⊙ f_t(1-f_t)
                  | dh_t ⊙ tanh(c_t) ⊙ o_t(1-o_t) | dc_t ⊙ i_t ⊙ (1-g_t²)]

    and then, summed over all steps::

        dx_t = da_t Wxᵀ    dWx = Σ_t x_tᵀ da_t    dWh = Σ_t h_{t-1}ᵀ da_t    db = Σ_t Σ_n da_t
        dh0  = da_1 Whᵀ    (c_0 = 0 is a constant, so its gradient is dropped)

    Parameters
    ----------
    dh : (N, T, H) gradient of the loss with respect to every h_t
    cache : from :func:`lstm_forward`

    Returns
    -------
    dx (N, T, D), dh0 (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,)
    """
    _, xs, hs, cs, tanh_cs, acts, Wx, Wh = check_cache("cache", cache, "lstm")
    T, N, H = tanh_cs.shape
    D = Wx.shape[0]
    dtype = Wx.dtype
    dh = float_array("dh", dh, ("N", "T", "H"), {"N": N, "T": T, "H": H}, dtype=dtype)
    dh_tm = dh.transpose(1, 0, 2)                          # time-major view, no copy
    i, f, o, g = acts                                      # (T, N, H) each

    # Local derivatives for all steps at once (vectorised outside the loop):
    #   local[t-1, k] = ∂c_t/∂a_i, ∂c_t/∂a_f, ∂h_t/∂a_o, ∂c_t/∂a_g for k = 0..3, each a
    #   contiguous (N, H) block; the loop multiplies them in place by dc_t or dh_t.
    #   dh_dc[t-1] = ∂h_t/∂c_t = o_t ⊙ (1 - tanh²(c_t)).
    local = np.empty((T, 4, N, H), dtype)
    l_i, l_f, l_o, l_g = (local[:, k] for k in range(4))
    np.subtract(1, i, out=l_i); l_i *= i; l_i *= g                     # g ⊙ i(1-i)
    np.subtract(1, f, out=l_f); l_f *= f; l_f *= cs[:-1]               # c_{t-1} ⊙ f(1-f)
    np.subtract(1, o, out=l_o); l_o *= o; l_o *= tanh_cs               # tanh(c) ⊙ o(1-o)
    np.multiply(g, g, out=l_g); np.subtract(1, l_g, out=l_g); l_g *= i   # i ⊙ (1-g²)
    dh_dc = np.multiply(tanh_cs, tanh_cs)
    np.subtract(1, dh_dc, out=dh_dc)
    dh_dc *= o

    dh_next = np.zeros((N, H), dtype)          # recurrent part of dh_t: da_{t+1} Whᵀ
    dc = np.zeros((N, H), dtype)               # dc_{t+1} ⊙ f_{t+1}, then dc_t
    dh_t = np.empty((N, H), dtype)
    tmp = np.empty((N, H), dtype)
    d_copy = np.empty((4, N, H), dtype)
    WhT = Wh.T
    for t in reversed(range(T)):
        np.add(dh_tm[t], dh_next, out=dh_t)                  # dh_t
        np.multiply(dh_t, dh_dc[t], out=tmp)
        dc += tmp                                             # dc_t
        d = local[t]                                          # (4, N, H)
        d[:2] *= dc                                           # da_i, da_f
        d[2] *= dh_t                                          # da_o
        d[3] *= dc                                            # da_g
        dc *= f[t]                                            # dc_t ⊙ f_t, for step t-1
        # Rewrite the block in place as the (N, 4H) row da_t = [da_i | da_f | da_o | da_g].
        d_copy[...] = d
        da_t = d.reshape(N, 4 * H)
        da_t.reshape(N, 4, H)[...] = d_copy.transpose(1, 0, 2)
        np.dot(da_t, WhT, out=dh_next)                        # da_t Whᵀ, for step t-1

    da = local                                 # now da[t-1] = da_t in row layout
    da2 = da.reshape(T * N, 4 * H)
    dx = np.ascontiguousarray((da2 @ Wx.T).reshape(T, N, D).transpose(1, 0, 2))
    dWx = xs.T @ da2
    dWh = hs[:-1].reshape(T * N, H).T @ da2
    db = da2.sum(axis=0)
    return dx, dh_next, dWx, dWh, db
