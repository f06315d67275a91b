"""A selective state space (the S6 layer of Mamba, Gu and Dao 2023), forward only, in numpy.

A linear state space model runs, per input channel e and state coordinate s, the
continuous-time system h'(τ) = A h(τ) + B x(τ) sampled with a step Δ. Discretized with
the zero-order hold for A and, for the input, the first-order Δ B (the exact zero-order hold
differs from it by O(Δ²) when Δ A is small)::

    a_t = exp(Δ_t A)             (N, T, E, S)   per channel and state coordinate
    b_t = Δ_t B_t x_t            (N, T, E, S)
    h_t = a_t ⊙ h_{t-1} + b_t,   y_t = Σ_s C_t,s h_t,s          (N, T, E)

With Δ, B and C fixed this is a time-invariant diagonal recurrence (S4 and its
successors). Mamba makes them functions of the input, ``Δ_t = softplus(x_t W_Δ + b_Δ)``,
``B_t = x_t W_B``, ``C_t = x_t W_C``: the layer *selects*. A large Δ_t drives a_t to 0
(forget the state, take this input), a small Δ_t drives a_t to 1 (keep the state, ignore
this input). Every a_t, b_t is still known before the recurrence runs, so the whole
sequence is one linear scan (:func:`rnnkit.scratch.linear_scan_forward`) over E·S units.
A < 0 keeps every a_t in (0, 1). The skip term D x_t and Mamba's surrounding block
(convolution, gating, projections) are left out.
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_choice, float_array

from .scan import METHODS, linear_scan_forward


def softplus(z):
    """log(1 + e^z), elementwise, without overflow."""
    return np.logaddexp(0, z)


def selective_coefficients(x, W_delta, b_delta, W_B, W_C):
    """Δ (N, T, E) > 0, B and C (N, T, S) from the inputs ``x`` (N, T, E).

    ``W_delta`` (E, E), ``b_delta`` (E,), ``W_B`` and ``W_C`` (E, S); one float dtype.
    """
    dims = {}
    x = float_array("x", x, ("N", "T", "E"), dims)
    W_delta = float_array("W_delta", W_delta, ("E", "E"), dims, dtype=x.dtype)
    b_delta = float_array("b_delta", b_delta, ("E",), dims, dtype=x.dtype)
    W_B = float_array("W_B", W_B, ("E", "S"), dims, dtype=x.dtype)
    W_C = float_array("W_C", W_C, ("E", "S"), dims, dtype=x.dtype)
    return softplus(x @ W_delta + b_delta), x @ W_B, x @ W_C


def selective_scan(x, delta, A, B, C, *, method="parallel"):
    """The selective scan of the module docstring, from h_0 = 0.

    Parameters
    ----------
    x, delta : (N, T, E) inputs and their step sizes (delta > 0)
    A : (E, S) continuous-time state matrix, diagonal per channel (negative entries decay)
    B, C : (N, T, S) input and output vectors of every step;  all one float dtype
    method : "parallel" (log-depth scan) or "sequential"

    Returns
    -------
    y : (N, T, E) outputs;  h : (N, T, E, S) states
    """
    dims = {}
    x = float_array("x", x, ("N", "T", "E"), dims)
    delta = float_array("delta", delta, ("N", "T", "E"), dims, dtype=x.dtype)
    A = float_array("A", A, ("E", "S"), dims, dtype=x.dtype)
    B = float_array("B", B, ("N", "T", "S"), dims, dtype=x.dtype)
    C = float_array("C", C, ("N", "T", "S"), dims, dtype=x.dtype)
    if (delta <= 0).any():
        raise ValueError("delta must be positive (a step size), got values <= 0")
    method = check_choice("method", method, METHODS)
    N, T, E = x.shape
    S = A.shape[1]
    a = np.exp(delta[..., None] * A)                              # (N, T, E, S)
    b = delta[..., None] * B[:, :, None, :] * x[..., None]        # (N, T, E, S)
    h, _ = linear_scan_forward(a.reshape(N, T, E * S), b.reshape(N, T, E * S),
                               np.zeros((N, E * S), x.dtype), method=method)
    h = h.reshape(N, T, E, S)
    return np.einsum("ntes,nts->nte", h, C), h
