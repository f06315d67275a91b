"""Fused LSTM and GRU sequence kernels: :func:`~rnnkit.scratch.lstm_forward`,
:func:`~rnnkit.scratch.gru_forward` and their backward passes, organised for speed.

``lstm_forward`` and ``gru_forward`` are plain loops over the step functions, written to
be read against the equations. Each of their steps calls numpy a few dozen times on
small arrays, allocates every intermediate anew, concatenates the gate blocks and does
three small matmuls for the weight gradients; at the sizes of a real run (a batch of
32, a few hundred hidden units) that overhead and the memory traffic cost more than the
arithmetic. The kernels here compute the same function (the tests check agreement to
rounding, forward and backward, float64 and float32) with the same arguments, results
and argument checks, and fuse what the equations allow:

- **Input projections in one matmul.** ``x_t Wx + b`` does not depend on the
  recurrence, so it is computed for all T·N rows before the loop; only ``h_{t-1} Wh``
  stays inside it.
- **Weight gradients in one matmul.** ``dWx = Σ_t x_tᵀ dax_t`` (likewise ``dWh``,
  ``db``) is one product over all T·N rows after the backward loop, not T small ones.
- **Preallocated buffers, updated in place.** Every intermediate of every step has its
  slot in a few arrays allocated once; the loops write into them with ``out=``.
- **Gate-major layout (LSTM).** The gates live in a (4, T, N, H) buffer, so each gate
  of each step is one contiguous (N, H) block for the elementwise operations.
- **One tanh for all four LSTM gates.** σ(a) = ½(1 + tanh(a/2)); the ½ inside is folded
  into the i, f, o columns of the weights (an exact scaling), so one ``tanh`` call per
  step covers i, f, o and g, and ``½(1 + ·)`` finishes the three sigmoids.
- **Local derivatives before the loop.** What the backward pass needs from each step
  (σ' and tanh' of the gates, times the cached values they multiply) is computed for
  all steps at once; the loop only multiplies it by the incoming gradients.

The caches are tagged ``"lstm_fast"`` / ``"gru_fast"``: a fast backward takes only the
cache of the fast forward. ``bench/lstm_speed.py`` times both versions against
``torch.nn.LSTM``.
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_cache, float_array
from .activations import sigmoid
from .gru import check_gru_inputs
from .lstm import check_lstm_inputs


def _time_major(x):
    """(N, T, D) -> a contiguous (T*N, D) copy whose row t*N + n is x[n, t]."""
    N, T, D = x.shape
    return np.ascontiguousarray(x.transpose(1, 0, 2)).reshape(T * N, D)


def _batch_first(a):
    """(T, N, K) -> a contiguous (N, T, K) copy."""
    return np.ascontiguousarray(a.transpose(1, 0, 2))


def _upstream(dh, T, N, H, dtype):
    """Validate the (N, T, H) upstream gradient and return its time-major view (no copy)."""
    dh = float_array("dh", dh, ("N", "T", "H"), {"N": N, "T": T, "H": H}, dtype=dtype)
    return dh.transpose(1, 0, 2)


def _step_sums(xs, hs, dax, dah, Wx):
    """``dx_t = dax_t Wxᵀ`` for every step, and the weight and bias gradients, each as one
    matmul or sum over all T*N rows; ``dax`` and ``dah`` are (T, N, G)."""
    T, N, G = dax.shape
    H = hs.shape[2]
    dax2, dah2 = dax.reshape(T * N, G), dah.reshape(T * N, G)
    dx = _batch_first((dax2 @ Wx.T).reshape(T, N, Wx.shape[0]))
    return dx, xs.T @ dax2, hs[:-1].reshape(T * N, H).T @ dah2, dax2.sum(axis=0), dah2.sum(axis=0)


# --- LSTM -------------------------------------------------------------------------------

def lstm_forward_fast(x, h0, Wx, Wh, b):
    """:func:`rnnkit.scratch.lstm_forward`, fused: same arguments, same result ``h``.

    Fused (see the module docstring): all input projections in one matmul; the gates in
    a gate-major (4, T, N, H) buffer turned into the gate values in place; one ``tanh``
    per step for the four gates, with the ½ of σ(a) = ½(1 + tanh(a/2)) folded into the
    i, f, o columns of ``Wx``, ``Wh`` and ``b``.

    Returns ``h`` (N, T, H) and a cache for :func:`lstm_backward_fast` only.
    """
    x, h0, Wx, Wh, b = check_lstm_inputs(x, ("N", "T", "D"), "h0", h0, Wx, Wh, b, {})
    N, T, D = x.shape
    H = h0.shape[1]
    scale = np.ones(4 * H, x.dtype)
    scale[:3 * H] = 0.5
    xs = _time_major(x)
    # acts[k, t-1] is gate k (0 i, 1 f, 2 o, 3 g) of step t; it starts as (x_t Wx + b) ⊙ scale.
    acts = np.empty((4, T, N, H), x.dtype)
    np.matmul(xs, (Wx * scale).reshape(D, 4, H).transpose(1, 0, 2), out=acts.reshape(4, T * N, H))
    acts += (b * scale).reshape(4, 1, 1, H)
    hs, cs, tanh_cs = _lstm_recurrence(acts, h0, Wh * scale)
    return _batch_first(hs[1:]), ("lstm_fast", xs, hs, cs, tanh_cs, acts, Wx, Wh)


def _lstm_recurrence(acts, h0, Wh_s):
    """The time loop of :func:`lstm_forward_fast`: adds ``h_{t-1} Wh_s`` to ``acts[:, t-1]``
    and turns it into i_t, f_t, o_t, g_t in place. Returns hs, cs (h_t, c_t for t = 0..T)
    and tanh_cs (tanh(c_t) for t = 1..T)."""
    _, T, N, H = acts.shape
    dtype = acts.dtype
    hs = np.empty((T + 1, N, H), dtype)
    cs = np.empty((T + 1, N, H), dtype)
    tanh_cs = np.empty((T, N, H), dtype)
    hs[0] = h0
    cs[0] = 0
    hWh = np.empty((N, 4 * H), dtype)
    hWh_gates = hWh.reshape(N, 4, H).transpose(1, 0, 2)    # the same memory as (4, N, H)
    ig = np.empty((N, H), dtype)
    for t in range(T):
        a = acts[:, t]                                     # (4, N, H)
        np.dot(hs[t], Wh_s, out=hWh)
        a += hWh_gates                                     # a_t ⊙ scale
        np.tanh(a, out=a)                                  # tanh(a/2) for i, f, o; g_t
        ifo = a[:3]
        ifo *= 0.5
        ifo += 0.5                                         # i_t, f_t, o_t = σ(a_t)
        i, f, o, g = a
        c = cs[t + 1]
        np.multiply(f, cs[t], out=c)
        np.multiply(i, g, out=ig)
        c += ig                                            # c_t = f ⊙ c_{t-1} + i ⊙ g
        np.tanh(c, out=tanh_cs[t])
        np.multiply(o, tanh_cs[t], out=hs[t + 1])          # h_t = o ⊙ tanh(c_t)
    return hs, cs, tanh_cs


def lstm_backward_fast(dh, cache):
    """:func:`rnnkit.scratch.lstm_backward` for the cache of :func:`lstm_forward_fast`.

    Fused (see the module docstring): the local derivatives of all steps computed before
    the loop in one (T, 4, N, H) buffer, which the loop multiplies in place by dc_t or
    dh_t and rewrites step by step into the row layout da_t (N, 4H); then dx and the
    weight gradients as single matmuls over all steps.

    Returns dx (N, T, D), dh0 (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,).
    """
    _, xs, hs, cs, tanh_cs, acts, Wx, Wh = check_cache("cache", cache, "lstm_fast")
    T, N, H = tanh_cs.shape
    dh_tm = _upstream(dh, T, N, H, Wx.dtype)
    i, f, o, g = acts                                      # (T, N, H) each
    # local[t-1, k] = ∂c_t/∂a_i, ∂c_t/∂a_f, ∂h_t/∂a_o, ∂c_t/∂a_g (k = 0..3); dh_dc = ∂h_t/∂c_t.
    local = np.empty((T, 4, N, H), Wx.dtype)
    l_i, l_f, l_o, l_g = (local[:, k] for k in range(4))
    np.subtract(1, i, out=l_i); l_i *= i; l_i *= g                      # g ⊙ i(1-i)
    np.subtract(1, f, out=l_f); l_f *= f; l_f *= cs[:-1]                # c_{t-1} ⊙ f(1-f)
    np.subtract(1, o, out=l_o); l_o *= o; l_o *= tanh_cs                # tanh(c) ⊙ o(1-o)
    np.multiply(g, g, out=l_g); np.subtract(1, l_g, out=l_g); l_g *= i  # i ⊙ (1-g²)
    dh_dc = np.multiply(tanh_cs, tanh_cs)
    np.subtract(1, dh_dc, out=dh_dc)
    dh_dc *= o                                             # o ⊙ (1 - tanh²(c))
    dh0 = _lstm_backward_recurrence(local, dh_dc, f, dh_tm, Wh)
    da = local.reshape(T, N, 4 * H)                        # now da[t-1] = da_t in row layout
    dx, dWx, dWh, db, _ = _step_sums(xs, hs, da, da, Wx)
    return dx, dh0, dWx, dWh, db


def _lstm_backward_recurrence(local, dh_dc, f, dh_tm, Wh):
    """The time loop of :func:`lstm_backward_fast`: turns ``local[t]`` into da_t in place
    (in the row layout (N, 4H) of the same memory) and returns dh0 = da_1 Whᵀ."""
    T, _, N, H = local.shape
    dtype = local.dtype
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
        d_copy[...] = d                                       # rewrite the block in place as
        da_t = d.reshape(N, 4 * H)                            # the row [da_i | da_f | da_o | da_g]
        da_t.reshape(N, 4, H)[...] = d_copy.transpose(1, 0, 2)
        np.dot(da_t, WhT, out=dh_next)                        # da_t Whᵀ, for step t-1
    return dh_next


# --- GRU --------------------------------------------------------------------------------

def gru_forward_fast(x, h0, Wx, Wh, bx, bh):
    """:func:`rnnkit.scratch.gru_forward`, fused: same arguments, same result ``h``.

    Fused (see the module docstring): all input projections ``x_t Wx + bx`` in one matmul
    into a (T, N, 3H) buffer that the loop turns into [r_t | z_t | n_t] in place, with
    ``h_{t-1} Wh + bh`` written into one preallocated (N, 3H) array per step.

    Returns ``h`` (N, T, H) and a cache for :func:`gru_backward_fast` only.
    """
    x, h0, Wx, Wh, bx, bh = check_gru_inputs(x, ("N", "T", "D"), "h0", h0, Wx, Wh, bx, bh)
    N, T, _ = x.shape
    H = h0.shape[1]
    xs = _time_major(x)
    acts = (xs @ Wx).reshape(T, N, 3 * H)
    acts += bx
    hs = np.empty((T + 1, N, H), x.dtype)        # hs[t] = h_t, hs[0] = h0
    ah_ns = np.empty((T, N, H), x.dtype)         # ah_ns[t-1] = h_{t-1} Wh_n + bh_n
    hs[0] = h0
    ah = np.empty((N, 3 * H), x.dtype)
    for t in range(T):
        a = acts[t]
        np.dot(hs[t], Wh, out=ah)
        ah += bh
        rz = a[:, :2 * H]
        rz += ah[:, :2 * H]
        sigmoid(rz, out=rz)                                    # r_t, z_t
        r, z, n = a[:, :H], a[:, H:2 * H], a[:, 2 * H:]
        ah_ns[t] = ah[:, 2 * H:]
        np.multiply(r, ah_ns[t], out=ah[:, 2 * H:])
        n += ah[:, 2 * H:]
        np.tanh(n, out=n)                                      # n_t
        h = hs[t + 1]
        np.subtract(hs[t], n, out=h)
        h *= z
        h += n                                                 # h_t = n_t + z_t ⊙ (h_{t-1} - n_t)
    return _batch_first(hs[1:]), ("gru_fast", xs, hs, acts, ah_ns, Wx, Wh)


def gru_backward_fast(dh, cache):
    """:func:`rnnkit.scratch.gru_backward` for the cache of :func:`gru_forward_fast`.

    Fused (see the module docstring): the local derivatives of all steps computed before
    the loop into the (T, N, 3H) buffer of dax, which the loop multiplies in place by
    dh_t; then dx and the weight gradients as single matmuls over all steps.

    Returns dx (N, T, D), dh0 (N, H), dWx (D, 3H), dWh (H, 3H), dbx (3H,), dbh (3H,).
    """
    _, xs, hs, acts, ah_ns, Wx, Wh = check_cache("cache", cache, "gru_fast")
    T, N, H = ah_ns.shape
    dh_tm = _upstream(dh, T, N, H, Wx.dtype)
    r, z, n = (acts[:, :, k * H:(k + 1) * H] for k in range(3))
    # dax[..., r] = ah_n ⊙ r(1-r) (times dan_t in the loop); dax[..., z] = (h_{t-1} - n) ⊙ z(1-z);
    # dax[..., n] = (1 - z) ⊙ (1 - n²). The loop multiplies each by dh_t.
    dax = np.empty((T, N, 3 * H), Wx.dtype)
    dar, daz, dan = (dax[:, :, k * H:(k + 1) * H] for k in range(3))
    np.subtract(1, r, out=dar); dar *= r; dar *= ah_ns
    np.subtract(1, z, out=daz); daz *= z
    tmp_all = np.subtract(hs[:-1], n)
    daz *= tmp_all
    np.multiply(n, n, out=dan); np.subtract(1, dan, out=dan)
    np.subtract(1, z, out=tmp_all)
    dan *= tmp_all
    dah = np.empty((T, N, 3 * H), Wx.dtype)
    dh0 = _gru_backward_recurrence(dax, dah, r, z, dh_tm, Wh)
    dx, dWx, dWh, dbx, dbh = _step_sums(xs, hs, dax, dah, Wx)
    return dx, dh0, dWx, dWh, dbx, dbh


def _gru_backward_recurrence(dax, dah, r, z, dh_tm, Wh):
    """The time loop of :func:`gru_backward_fast`: finishes dax_t in place, writes dah_t
    and returns dh0, the gradient carried to step 0."""
    T, N, H3 = dax.shape
    H = H3 // 3
    dh_next = np.zeros((N, H), dax.dtype)      # carried from step t+1
    dh_t = np.empty((N, H), dax.dtype)
    tmp = np.empty((N, H), dax.dtype)
    WhT = Wh.T
    for t in reversed(range(T)):
        np.add(dh_tm[t], dh_next, out=dh_t)                  # dh_t
        d = dax[t]
        dar_t, daz_t, dan_t = d[:, :H], d[:, H:2 * H], d[:, 2 * H:]
        daz_t *= dh_t                                         # dh_t ⊙ (h_{t-1} - n) ⊙ z(1-z)
        dan_t *= dh_t                                         # dh_t ⊙ (1-z) ⊙ (1-n²)
        dar_t *= dan_t                                        # dan_t ⊙ ah_n ⊙ r(1-r)
        e = dah[t]
        e[:, :2 * H] = d[:, :2 * H]
        np.multiply(dan_t, r[t], out=e[:, 2 * H:])
        np.dot(e, WhT, out=dh_next)
        np.multiply(dh_t, z[t], out=tmp)
        dh_next += tmp                                       # dh_t ⊙ z_t + dah_t Whᵀ
    return dh_next
