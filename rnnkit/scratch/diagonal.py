"""Diagonal linear recurrences with complex eigenvalues: the LRU of Orvieto et al. (2023).

A linear RNN h_t = A h_{t-1} + B x_t with a diagonalizable A = P Λ P⁻¹ is, in the basis
of A's eigenvectors, H independent scalar recurrences h_t = λ ⊙ h_{t-1} + b_t with the
eigenvalues λ (complex in general: a real matrix has eigenvalues in conjugate pairs).
One unit's response to an impulse b_1 = 1 is h_{1+k} = λ^k: |λ|^k sets how fast it
fades (|λ| < 1) or grows (|λ| > 1), arg λ how fast it turns. That is chapter 04's
spectral radius read off one number per unit.

The LRU learns each λ directly, as

    λ = exp(-exp(ν) + iθ),   |λ| = exp(-exp(ν)) ∈ (0, 1) for every real ν,

so no value of the parameters is unstable. Its layer (here without the skip term D x_t)

    h_t = λ ⊙ h_{t-1} + γ ⊙ (x_t B),   γ = sqrt(1 - |λ|²),   y_t = Re(h_t C),   h_0 = 0

scales the input by γ so that a unit with |λ| near 1 does not blow up its state: for
white-noise input of variance 1, E|h_t|² tends to 1 / (1 - |λ|²) without γ and to 1 with
it. (Orvieto et al. start γ at this value and then train it as a parameter of its own,
and write the phase as θ = exp(θ_log); here γ stays tied to λ and θ is used directly.)

Gradients of complex quantities follow one convention: for a real loss L and a complex
w, ``dw`` holds ∂L/∂Re w + i ∂L/∂Im w. Then for w = λ v with fixed λ, dv = conj(λ) dw,
and the backward pass of the recurrence is the reversed scan with conj(λ) (see
``rnnkit.scratch.scan``).
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_cache, check_choice, check_generator, check_int, check_real, complex_array, float_array

from .scan import METHODS, prefix_scan


def lru_eigenvalues(nu, theta):
    """λ = exp(-exp(ν) + iθ) (H,) complex, from real ``nu`` and ``theta`` (H,) float arrays."""
    dims = {}
    nu = float_array("nu", nu, ("H",), dims)
    theta = float_array("theta", theta, ("H",), dims, dtype=nu.dtype)
    return np.exp(-np.exp(nu) + 1j * theta)


def lru_ring_init(H, r_min=0.9, r_max=0.999, max_phase=np.pi / 10, seed=0):
    """ν, θ (H,) float64 with λ spread uniformly over the ring ``r_min <= |λ| <= r_max``, ``0 <= arg λ <= max_phase``.

    Uniform over the ring's area means ``|λ|²`` uniform in ``[r_min², r_max²]``; then
    ``ν = log(-log|λ|)``, since ``|λ| = exp(-exp(ν))``.
    """
    H = check_int("H", H, 1)
    r_min = check_real("r_min", r_min, 0, 1, open_low=True)
    r_max = check_real("r_max", r_max, r_min, 1)
    if r_max >= 1:
        raise ValueError(f"r_max must be below 1 (|λ| = 1 is not stable), got {r_max!r}")
    max_phase = check_real("max_phase", max_phase, 0, 2 * np.pi)
    rng = check_generator("seed", seed)
    radius = np.sqrt(rng.uniform(r_min ** 2, r_max ** 2, H))
    return np.log(-np.log(radius)), max_phase * rng.uniform(0, 1, H)


def impulse_response(lam, T):
    """λ^k for k = 0 … T-1, (T, H) complex: the states h_1 … h_T after b_1 = 1, b_t = 0 later, h_0 = 0."""
    lam = complex_array("lam", lam, ("H",), {})
    T = check_int("T", T, 1)
    return lam[None, :] ** np.arange(T)[:, None]


def diagonal_scan(lam, b, h0, *, method="sequential"):
    """States of h_t = λ ⊙ h_{t-1} + b_t (complex), with one λ per unit for every step.

    Parameters
    ----------
    lam : (H,) eigenvalues;  b : (N, T, H) inputs;  h0 : (N, H);  float or complex
    method : "sequential" (a loop over t) or "parallel" (the log-depth scan of
        :func:`rnnkit.scratch.prefix_scan`, which needs only products and sums and so
        works for complex numbers unchanged)

    Returns
    -------
    h : (N, T, H) complex
    """
    dims = {}
    b = complex_array("b", b, ("N", "T", "H"), dims)
    lam = complex_array("lam", lam, ("H",), dims)
    h0 = complex_array("h0", h0, ("N", "H"), dims)
    method = check_choice("method", method, METHODS)
    if method == "parallel":
        A, B = prefix_scan(np.broadcast_to(lam, b.shape), b)
        return A * h0[:, None, :] + B
    h, prev = np.empty(np.broadcast_shapes(b.shape, lam.shape), dtype=np.result_type(b, lam, h0)), h0
    for t in range(b.shape[1]):
        prev = lam * prev + b[:, t]
        h[:, t] = prev
    return h


def lru_forward(x, nu, theta, B, C, *, method="parallel"):
    """The LRU layer of the module docstring over a whole sequence, from h_0 = 0.

    Parameters
    ----------
    x : (N, T, D) real inputs;  nu, theta : (H,) real;  B : (D, H) complex;  C : (H, P) complex
    method : "parallel" or "sequential", as in :func:`diagonal_scan`

    Returns
    -------
    y : (N, T, P) real outputs
    cache : for :func:`lru_backward`
    """
    dims = {}
    x = float_array("x", x, ("N", "T", "D"), dims, dtype=np.float64)
    nu = float_array("nu", nu, ("H",), dims, dtype=np.float64)
    theta = float_array("theta", theta, ("H",), dims, dtype=np.float64)
    B = complex_array("B", B, ("D", "H"), dims)
    C = complex_array("C", C, ("H", "P"), dims)
    lam = lru_eigenvalues(nu, theta)
    gamma = np.sqrt(1 - np.abs(lam) ** 2)
    v = x @ B                                             # (N, T, H) complex
    h = diagonal_scan(lam, gamma * v, np.zeros((x.shape[0], lam.size), complex), method=method)
    return (h @ C).real, ("lru", x, nu, lam, gamma, B, C, v, h)


def lru_backward(dy, cache):
    """Gradients of :func:`lru_forward`: dx (N, T, D), dnu, dtheta (H,), dB (D, H), dC (H, P).

    dB and dC follow the convention of the module docstring (∂L/∂Re + i ∂L/∂Im).
    """
    _, x, nu, lam, gamma, B, C, v, h = check_cache("cache", cache, "lru")
    dy = float_array("dy", dy, ("N", "T", "P"), {"N": x.shape[0], "T": x.shape[1], "P": C.shape[1]},
                     dtype=np.float64)
    dC = np.einsum("nth,ntp->hp", h.conj(), dy)
    dh = dy @ C.conj().T                                  # (N, T, H): what reaches each state directly
    # g_t = dh_t + conj(λ) g_{t+1}: the reversed scan, with no coefficient on its first step
    g = diagonal_scan(lam.conj(), dh[:, ::-1], np.zeros_like(dh[:, 0]))[:, ::-1]
    h_prev = np.concatenate([np.zeros_like(h[:, :1]), h[:, :-1]], axis=1)
    dlam = np.einsum("nth,nth->h", h_prev.conj(), g)
    dgamma = np.einsum("nth,nth->h", v.conj(), g).real
    dv = gamma * g
    dB = np.einsum("ntd,nth->dh", x, dv)
    dx = (dv @ B.conj().T).real
    # λ = exp(w), w = -exp(ν) + iθ:  dw = conj(λ) dλ;  γ² = 1 - exp(-2 exp(ν)):  dγ/dν = exp(ν) |λ|² / γ
    dw = lam.conj() * dlam
    dnu = -np.exp(nu) * dw.real + dgamma * np.exp(nu) * np.abs(lam) ** 2 / gamma
    return dx, dnu, dw.imag, dB, dC
