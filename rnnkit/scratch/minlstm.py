"""minLSTM (Feng et al. 2024, "Were RNNs All We Needed?"): an LSTM whose gates do not read h_{t-1}.

Chapter 05's LSTM computes i, f, o and g from x_t *and* h_{t-1}, and exposes its cell
through o_t ⊙ tanh(c_t). minLSTM keeps only the cell road: the forget and input gates
and the candidate read x_t alone, the output gate and both tanh are gone, and the two
gates are normalized so that they add up to one::

    f_t = σ(x_t Wx_f + b_f),  i_t = σ(x_t Wx_i + b_i),  ĥ_t = x_t Wx_h + b_h     (N, H) each
    f'_t = f_t / (f_t + i_t),  i'_t = i_t / (f_t + i_t)
    h_t = f'_t ⊙ h_{t-1} + i'_t ⊙ ĥ_t

The last line is the linear recurrence of :func:`rnnkit.scratch.linear_scan_forward` with
a_t = f'_t and b_t = i'_t ⊙ ĥ_t, all known before the recurrence starts. The normalization
keeps every h_t a weighted average of h_0 and the candidates, so its scale does not
depend on t.

Backward, with s = f + i and the scan's da_t, db_t: a = f / s and b = (i / s) ĥ give

    ∂L/∂f = (i / s²)(da - db ⊙ ĥ),   ∂L/∂i = -(f / s²)(da - db ⊙ ĥ),   ∂L/∂ĥ = db ⊙ i / s,

then the sigmoids' σ' = σ(1 - σ). Row-vector layout as in :mod:`rnnkit.scratch`: ``Wx``
(D, 3H) and ``b`` (3H,), the columns in the block order f, i, ĥ.
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_cache, check_choice, float_array, recurrent_inputs

from .activations import sigmoid
from .scan import METHODS, linear_scan_backward, linear_scan_forward


def min_lstm_forward(x, h0, Wx, b, *, method="parallel"):
    """minLSTM over a whole sequence.

    Parameters
    ----------
    x : (N, T, D) inputs;  h0 : (N, H) initial state
    Wx : (D, 3H);  b : (3H,)   blocks f, i, ĥ;  all float32 or all float64
    method : "parallel" (the log-depth scan) or "sequential"; they agree to rounding

    Returns
    -------
    h : (N, T, H) states h_1 … h_T
    cache : for :func:`min_lstm_backward`
    """
    x, h0, Wx, b = recurrent_inputs(x, ("N", "T", "D"), "h0", h0, [("Wx", Wx, ("D", "3H")), ("b", b, ("3H",))])
    method = check_choice("method", method, METHODS)
    H = h0.shape[1]
    u = x @ Wx + b                               # (N, T, 3H): every step's pre-activations at once
    f, i, cand = sigmoid(u[..., :H]), sigmoid(u[..., H:2 * H]), u[..., 2 * H:]
    s = f + i
    h, scan_cache = linear_scan_forward(f / s, i / s * cand, h0, method=method)
    return h, ("min_lstm", x, Wx, f, i, cand, scan_cache)


def min_lstm_backward(dh, cache):
    """Gradients of :func:`min_lstm_forward` (the formulas in the module docstring).

    Parameters
    ----------
    dh : (N, T, H) upstream gradient of every state
    cache : from :func:`min_lstm_forward`

    Returns
    -------
    dx : (N, T, D);  dh0 : (N, H);  dWx : (D, 3H);  db : (3H,)
    """
    _, x, Wx, f, i, cand, scan_cache = check_cache("cache", cache, "min_lstm")
    dh = float_array("dh", dh, ("N", "T", "H"), dict(zip("NTH", f.shape)), dtype=x.dtype)
    da, db_scan, dh0 = linear_scan_backward(dh, scan_cache)
    s = f + i
    common = (da - db_scan * cand) / s ** 2
    df, di, dcand = i * common, -f * common, db_scan * i / s
    du = np.concatenate([df * f * (1 - f), di * i * (1 - i), dcand], axis=-1)      # (N, T, 3H)
    D = x.shape[-1]
    dWx = x.reshape(-1, D).T @ du.reshape(-1, du.shape[-1])
    return du @ Wx.T, dh0, dWx, du.sum(axis=(0, 1))
