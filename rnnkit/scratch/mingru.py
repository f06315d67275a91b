"""minGRU (Feng et al. 2024, "Were RNNs All We Needed?"): a GRU whose gates do not read h_{t-1}.

Chapter 05's GRU computes its update gate and candidate from x_t *and* h_{t-1}, so each
step waits for the previous one. minGRU drops h_{t-1} from both and the tanh of the
candidate::

    z_t = σ(x_t Wx_z + b_z)                      (N, H)  update gate
    ĥ_t = x_t Wx_h + b_h                         (N, H)  candidate
    h_t = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ ĥ_t

The last line is the linear recurrence of :func:`rnnkit.scratch.linear_scan_forward` with
a_t = 1 - z_t and b_t = z_t ⊙ ĥ_t, and every a_t, b_t is known before the recurrence
starts: the whole sequence can be computed by a parallel scan. What is lost is the
state-dependent gate (a GRU can decide to forget *because of* what it holds); a stack
of minGRU layers with nonlinear layers between them gets some of that back.

Row-vector layout as in the rest of :mod:`rnnkit.scratch`: ``Wx`` (D, 2H) and ``b``
(2H,), the columns in the block order z, ĥ. (The paper's z is this z: z = 1 takes the
candidate, z = 0 keeps the state, the opposite of PyTorch's GRU.)
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_cache, check_choice, float_array, recurrent_inputs

from .activations import sigmoid
from .scan import METHODS, linear_scan_backward, linear_scan_forward


def min_gru_forward(x, h0, Wx, b, *, method="parallel"):
    """minGRU over a whole sequence.

    Parameters
    ----------
    x : (N, T, D) inputs;  h0 : (N, H) initial state
    Wx : (D, 2H);  b : (2H,)   blocks z, ĥ;  all float32 or all float64
    method : "parallel" (the log-depth scan) or "sequential"; they agree to rounding

    Returns
    -------
    h : (N, T, H) states h_1 … h_T
    cache : for :func:`min_gru_backward`
    """
    x, h0, Wx, b = recurrent_inputs(x, ("N", "T", "D"), "h0", h0, [("Wx", Wx, ("D", "2H")), ("b", b, ("2H",))])
    method = check_choice("method", method, METHODS)
    H = h0.shape[1]
    u = x @ Wx + b                               # (N, T, 2H): every step's pre-activations at once
    z, cand = sigmoid(u[..., :H]), u[..., H:]
    h, scan_cache = linear_scan_forward(1 - z, z * cand, h0, method=method)
    return h, ("min_gru", x, Wx, z, cand, scan_cache)


def min_gru_backward(dh, cache):
    """Gradients of :func:`min_gru_forward`.

    From the scan's da_t, db_t (a = 1 - z, b = z ⊙ ĥ):
    dz = db ⊙ ĥ - da, dĥ = db ⊙ z, and through the sigmoid du_z = dz ⊙ z ⊙ (1 - z).

    Parameters
    ----------
    dh : (N, T, H) upstream gradient of every state
    cache : from :func:`min_gru_forward`

    Returns
    -------
    dx : (N, T, D);  dh0 : (N, H);  dWx : (D, 2H);  db : (2H,)
    """
    _, x, Wx, z, cand, scan_cache = check_cache("cache", cache, "min_gru")
    dh = float_array("dh", dh, ("N", "T", "H"), dict(zip("NTH", z.shape)), dtype=x.dtype)
    da, db_scan, dh0 = linear_scan_backward(dh, scan_cache)
    dz = db_scan * cand - da
    du = np.concatenate([dz * z * (1 - z), db_scan * z], axis=-1)      # (N, T, 2H)
    D = x.shape[-1]
    dWx = x.reshape(-1, D).T @ du.reshape(-1, du.shape[-1])
    return du @ Wx.T, dh0, dWx, du.sum(axis=(0, 1))
