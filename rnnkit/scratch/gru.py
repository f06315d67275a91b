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
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_cache, float_array
from .activations import sigmoid


def _check_weights(Wx, Wh, bx, bh, dims):
    """Validate the GRU weights first: they define D and H for the data arguments."""
    Wx = float_array("Wx", Wx, ("D", "3H"), dims)
    Wh = float_array("Wh", Wh, ("H", "3H"), dims, dtype=Wx.dtype)
    bx = float_array("bx", bx, ("3H",), dims, dtype=Wx.dtype)
    bh = float_array("bh", bh, ("3H",), dims, dtype=Wx.dtype)
    return Wx, Wh, bx, bh


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
    cache : for :func:`gru_step_backward`
    """
    dims = {}
    Wx, Wh, bx, bh = _check_weights(Wx, Wh, bx, bh, dims)
    x = float_array("x", x, ("N", "D"), dims, dtype=Wx.dtype)
    h_prev = float_array("h_prev", h_prev, ("N", "H"), dims, dtype=Wx.dtype)
    H = dims["H"]

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

    For t = 1..T, with x_t = x[:, t-1] and the blocks r, z, n as in :func:`gru_step_forward`:

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
    dims = {}
    Wx, Wh, bx, bh = _check_weights(Wx, Wh, bx, bh, dims)
    x = float_array("x", x, ("N", "T", "D"), dims, dtype=Wx.dtype)
    h0 = float_array("h0", h0, ("N", "H"), dims, dtype=Wx.dtype)
    N, T, D = x.shape
    H = dims["H"]
    dtype = Wx.dtype

    # Time-major copy, and all input projections x_t Wx + bx in one matmul. acts[t] is
    # turned in place into [r_t | z_t | n_t].
    xs = np.ascontiguousarray(x.transpose(1, 0, 2)).reshape(T * N, D)
    acts = (xs @ Wx).reshape(T, N, 3 * H)
    acts += bx
    hs = np.empty((T + 1, N, H), dtype)          # hs[t] = h_t, hs[0] = h0
    ah_ns = np.empty((T, N, H), dtype)           # ah_ns[t-1] = h_{t-1} Wh_n + bh_n
    hs[0] = h0
    ah = np.empty((N, 3 * H), dtype)
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

    h = np.ascontiguousarray(hs[1:].transpose(1, 0, 2))
    cache = ("gru", xs, hs, acts, ah_ns, Wx, Wh)
    return h, cache


def gru_backward(dh, cache):
    """Backpropagation through time for :func:`gru_forward`.

    Going backwards from t = T with nothing carried in, at each step

        dh_t   = dh[:, t-1] + (carried from step t+1)
        dan_t  = dh_t ⊙ (1 - z_t) ⊙ (1 - n_t²)
        dax_t  = [dan_t ⊙ ah_n ⊙ r_t(1-r_t) | dh_t ⊙ (h_{t-1} - n_t) ⊙ z_t(1-z_t) | dan_t]
        dah_t  = dax_t with its n block multiplied by r_t
        carried to step t-1:  dh_t ⊙ z_t + dah_t Whᵀ

    and then, summed over all steps,

        dx_t = dax_t Wxᵀ   dWx = Σ_t x_tᵀ dax_t   dWh = Σ_t h_{t-1}ᵀ dah_t
        dbx = Σ_t Σ_n dax_t   dbh = Σ_t Σ_n dah_t   dh0 = carried to step 0

    Parameters
    ----------
    dh : (N, T, H) gradient of the loss with respect to every h_t
    cache : from :func:`gru_forward`

    Returns
    -------
    dx (N, T, D), dh0 (N, H), dWx (D, 3H), dWh (H, 3H), dbx (3H,), dbh (3H,)
    """
    _, xs, hs, acts, ah_ns, Wx, Wh = check_cache("cache", cache, "gru")
    T, N, H = ah_ns.shape
    D = Wx.shape[0]
    dtype = Wx.dtype
    dh = float_array("dh", dh, ("N", "T", "H"), {"N": N, "T": T, "H": H}, dtype=dtype)
    dh_tm = dh.transpose(1, 0, 2)
    r, z, n = (acts[:, :, k * H:(k + 1) * H] for k in range(3))

    # Local derivatives for all steps at once; the loop multiplies them by dh_t in place:
    #   dax[..., r] ← ah_n ⊙ r(1-r)   (later times dan_t)
    #   dax[..., z] ← (h_{t-1} - n) ⊙ z(1-z)
    #   dax[..., n] ← (1 - z) ⊙ (1 - n²)
    dax = np.empty((T, N, 3 * H), dtype)
    dar, daz, dan = (dax[:, :, k * H:(k + 1) * H] for k in range(3))
    np.subtract(1, r, out=dar); dar *= r; dar *= ah_ns
    np.subtract(1, z, out=daz); daz *= z
    tmp_all = np.subtract(hs[:-1], n)
    daz *= tmp_all
    np.multiply(n, n, out=dan); np.subtract(1, dan, out=dan)
    np.subtract(1, z, out=tmp_all)
    dan *= tmp_all
    dah = np.empty((T, N, 3 * H), dtype)

    dh_next = np.zeros((N, H), dtype)          # carried from step t+1
    dh_t = np.empty((N, H), dtype)
    tmp = np.empty((N, H), dtype)
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

    dax2 = dax.reshape(T * N, 3 * H)
    dah2 = dah.reshape(T * N, 3 * H)
    dx = np.ascontiguousarray((dax2 @ Wx.T).reshape(T, N, D).transpose(1, 0, 2))
    dWx = xs.T @ dax2
    dbx = dax2.sum(axis=0)
    dWh = hs[:-1].reshape(T * N, H).T @ dah2
    dbh = dah2.sum(axis=0)
    return dx, dh_next, dWx, dWh, dbx, dbh
