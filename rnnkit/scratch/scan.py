"""The linear recurrence h_t = a_t ⊙ h_{t-1} + b_t, step by step and as a parallel scan.

A vanilla RNN cannot skip ahead: h_t needs h_{t-1} through a tanh. A recurrence that is
*linear* in the state can. Write one step as the pair (a, b), the map h -> a ⊙ h + b.
Doing (a_1, b_1) and then (a_2, b_2) is again such a map,

    (a_1, b_1) ∘ (a_2, b_2) = (a_1 ⊙ a_2,  a_2 ⊙ b_1 + b_2),

and the combine ∘ is associative. So the T prefixes (a_1, b_1) ∘ … ∘ (a_t, b_t) can be
formed as a *scan* in ⌈log2 T⌉ rounds instead of T sequential steps: in round r every
position t combines its running pair with the one 2^r places earlier (Hillis and Steele
1986). That does O(T log T) work instead of O(T), but each round is one vectorized
operation over all t. The prefix of position t is (A_t, B_t) with A_t = a_1 ⊙ … ⊙ a_t and
B_t the state reached from h_0 = 0, so h_t = A_t ⊙ h_0 + B_t.

The backward pass is a linear recurrence too, run from the end. With g_t = ∂L/∂h_t
(everything that reaches h_t: its own upstream gradient dh_t and, through step t+1,
a_{t+1} ⊙ g_{t+1}),

    g_T = dh_T,   g_t = dh_t + a_{t+1} ⊙ g_{t+1},
    ∂L/∂b_t = g_t,   ∂L/∂a_t = g_t ⊙ h_{t-1},   ∂L/∂h_0 = a_1 ⊙ g_1,

so the same scan computes it on the time-reversed arrays. Shapes: a, b (N, T, H), the
state h_0 (N, H); entries of a are any real numbers (|a| < 1 forgets, |a| > 1 grows).

:func:`log_space_scan` is the form of Heinsen (2023) for positive a and b, which
never forms the products A_t themselves (they under- or overflow for long T).
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_cache, check_choice, float_array

METHODS = ("sequential", "parallel")


def check_scan_inputs(a, b, h0):
    """Validate ``a``, ``b`` (N, T, H) and ``h0`` (N, H): one float dtype, finite values."""
    dims = {}
    a = float_array("a", a, ("N", "T", "H"), dims)
    b = float_array("b", b, ("N", "T", "H"), dims, dtype=a.dtype)
    h0 = float_array("h0", h0, ("N", "H"), dims, dtype=a.dtype)
    return a, b, h0


def combine(first, second):
    """The pair of "``first``, then ``second``": (a1 ⊙ a2, a2 ⊙ b1 + b2), elementwise."""
    (a1, b1), (a2, b2) = first, second
    return a1 * a2, a2 * b1 + b2


def prefix_scan(a, b):
    """All prefixes of the pairs along axis 1, in ⌈log2 T⌉ rounds (Hillis–Steele).

    Parameters
    ----------
    a, b : (N, T, H) arrays of one float dtype

    Returns
    -------
    A, B : (N, T, H); (A[:, t], B[:, t]) = (a_1, b_1) ∘ … ∘ (a_{t+1}, b_{t+1}), i.e.
    A[:, t] is the product of a[:, :t+1] and B[:, t] the state from h_0 = 0
    """
    A, B = a.copy(), b.copy()
    T, shift = a.shape[1], 1
    while shift < T:
        # position t takes the prefix ending 'shift' places earlier as the part done first
        earlier = (A[:, :-shift], B[:, :-shift])
        A_t, B_t = combine(earlier, (A[:, shift:], B[:, shift:]))
        A[:, shift:], B[:, shift:] = A_t, B_t
        shift *= 2
    return A, B


def _scan(a, b, h0, method):
    """h (N, T, H) of the recurrence from h0, by ``method``."""
    if method == "sequential":
        h = np.empty_like(b)
        prev = h0
        for t in range(b.shape[1]):
            prev = a[:, t] * prev + b[:, t]
            h[:, t] = prev
        return h
    A, B = prefix_scan(a, b)
    return A * h0[:, None, :] + B


def linear_scan_forward(a, b, h0, *, method="sequential"):
    """States of h_t = a_t ⊙ h_{t-1} + b_t for t = 1..T, from ``h0``.

    Parameters
    ----------
    a, b : (N, T, H) coefficients and inputs;  h0 : (N, H) initial state;  all float32
        or all float64
    method : "sequential" (a loop over t, T dependent steps) or "parallel" (the scan of
        :func:`prefix_scan`, ⌈log2 T⌉ rounds); they agree to rounding

    Returns
    -------
    h : (N, T, H) states h_1 … h_T
    cache : for :func:`linear_scan_backward`
    """
    a, b, h0 = check_scan_inputs(a, b, h0)
    method = check_choice("method", method, METHODS)
    h = _scan(a, b, h0, method)
    return h, ("linear_scan", a, h0, h, method)


def linear_scan_backward(dh, cache):
    """Gradients of :func:`linear_scan_forward`, by the reversed recurrence (module docstring).

    Parameters
    ----------
    dh : (N, T, H) upstream gradient ∂L/∂h_t of every state
    cache : from :func:`linear_scan_forward`; the backward recurrence uses its ``method``

    Returns
    -------
    da, db : (N, T, H);  dh0 : (N, H)
    """
    _, a, h0, h, method = check_cache("cache", cache, "linear_scan")
    dh = float_array("dh", dh, ("N", "T", "H"), dict(zip("NTH", h.shape)), dtype=h.dtype)
    # g_t = dh_t + a_{t+1} g_{t+1}: in reversed time s = T+1-t the coefficient of step s is
    # a_{t+1}; the first reversed step has none (g_{T+1} = 0), so any value does.
    coeff = np.concatenate([np.zeros_like(a[:, :1]), a[:, :0:-1]], axis=1)
    g = _scan(coeff, dh[:, ::-1], np.zeros_like(h0), method)[:, ::-1]
    h_prev = np.concatenate([h0[:, None, :], h[:, :-1]], axis=1)
    return g * h_prev, g, a[:, 0] * g[:, 0]


def log_space_scan(log_a, log_b, log_h0):
    """log h_t of the recurrence with positive a, b, h_0, computed from logarithms only.

    Unrolled, h_t = A_t (h_0 + Σ_{k≤t} b_k / A_k) with A_t = a_1 ⋯ a_t, so with
    α_t = Σ_{j≤t} log a_j,

        log h_t = α_t + logsumexp(log h_0, log b_1 - α_1, …, log b_t - α_t),

    a cumulative sum and a cumulative logsumexp (Heinsen 2023). A_t itself, which
    underflows to 0 after a few thousand steps of a = 0.8 in float64, is never formed.

    Parameters
    ----------
    log_a, log_b : (N, T, H);  log_h0 : (N, H), may hold -inf (h_0 = 0)

    Returns
    -------
    log h : (N, T, H)
    """
    dims = {}
    log_a = float_array("log_a", log_a, ("N", "T", "H"), dims)
    log_b = float_array("log_b", log_b, ("N", "T", "H"), dims, dtype=log_a.dtype)
    log_h0 = float_array("log_h0", log_h0, ("N", "H"), dims, dtype=log_a.dtype, finite=False)
    if np.isnan(log_h0).any() or np.isposinf(log_h0).any():
        raise ValueError("log_h0 must hold finite values or -inf (h0 = 0), got NaN or +inf")
    alpha = np.cumsum(log_a, axis=1)
    terms = np.concatenate([log_h0[:, None, :], log_b - alpha], axis=1)   # (N, T+1, H)
    return alpha + np.logaddexp.accumulate(terms, axis=1)[:, 1:]
