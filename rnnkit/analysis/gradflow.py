"""Gradient flow through time: Jacobian products, their norms, and recurrent initialisers.

Backpropagation through an RNN multiplies by one Jacobian per step. With column vectors
(the book's math), a vanilla RNN step is::

    a_t = W_hh h_{t-1} + u_t,        h_t = phi(a_t),        u_t = W_xh x_t + b_h

so ``dh_t/dh_{t-1} = diag(phi'(a_t)) W_hh`` and, for a distance ``k = T - t``::

    dh_T/dh_t = J_T J_{T-1} ... J_{t+1},       J_j = diag(phi'(a_j)) W_hh.

These products overflow or underflow float64 long before the interesting lengths
(3**700 and 0.25**600 do not fit), so every function here works in log space: the running
product is divided by its own size after every step and the logarithms of those sizes
are added up. Results are base-10 logarithms (``-7`` means 1e-7); a product that is
exactly zero (a zero matrix, or ReLU units that are all off) has log norm ``-inf``.

Matrices follow the math: ``W_hh`` is (H, H) and acts on column vectors. The code in
:mod:`rnnkit.scratch` stores the transpose, ``Wh = W_hh.T``; singular values and
spectral radii are the same for both.

Main entry points

- :func:`recurrent_matrix` - a seeded (H, H) matrix with a given spectral radius,
  Gaussian or (scaled) orthogonal.
- :func:`jacobian_log10_norms` - log10 of ||J_T ... J_{T-k+1}||_2 for every k, from any
  stack of step Jacobians (chapter 05 feeds it LSTM Jacobians).
- :func:`gradient_flow` - everything the chapter 04 plots need for one setting:
  measured Jacobian norms, Pascanu's bound, dL/dh_t before and after norm clipping.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from rnnkit.checks import check_choice, check_int, check_real, float_array

ACTIVATIONS = ("tanh", "sigmoid", "relu", "linear")
INITS = ("gaussian", "orthogonal")

#: gamma: an upper bound on ``|phi'|`` (Pascanu, Mikolov & Bengio 2013).
GAMMA = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0, "linear": 1.0}

_LOG10_TINY = -300.0  # below this a rescaled value is treated as exactly zero


def activation_derivative(a, activation):
    """phi'(a), elementwise, without overflow for any finite ``a``.

    Parameters
    ----------
    a : ndarray of any shape, pre-activations
    activation : "tanh", "sigmoid", "relu" or "linear"

    Returns
    -------
    ndarray, same shape as ``a``: 1 - tanh(a)**2, s(a)(1 - s(a)), 1[a > 0] or 1.
    """
    check_choice("activation", activation, ACTIVATIONS)
    a = np.asarray(a, dtype=float)
    if activation in ("tanh", "sigmoid"):
        y = _phi(a, activation)
        return 1.0 - y ** 2 if activation == "tanh" else y * (1.0 - y)
    if activation == "relu":
        return (a > 0).astype(float)
    return np.ones_like(a)


def _phi(a, activation):
    if activation == "tanh":
        return np.tanh(a)
    if activation == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * a))  # = 1/(1+exp(-a)), but never overflows
    if activation == "relu":
        return np.maximum(a, 0.0)
    return a.copy()


# --------------------------------------------------------------------------- matrices

@lru_cache(maxsize=32)
def _unit_matrix(H, init, seed):
    """Seeded (H, H) matrix of spectral radius exactly 1 (read-only, cached)."""
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((H, H))
    if init == "orthogonal":
        Q, R = np.linalg.qr(G)
        W = Q * np.sign(np.diag(R))  # sign fix: Haar-distributed Q (Mezzadri 2007)
    else:
        W = G / np.max(np.abs(np.linalg.eigvals(G)))
    W.setflags(write=False)
    return W


def recurrent_matrix(H, rho, init="orthogonal", seed=0):
    """A seeded (H, H) recurrent matrix W_hh with spectral radius ``rho``.

    The matrix is ``rho * B`` for a fixed base ``B`` of spectral radius 1 that depends
    only on ``(H, init, seed)``: changing ``rho`` rescales, it never resamples.

    - ``"orthogonal"``: B = Q with QᵀQ = I, so every singular value of W is ``rho`` and
      every eigenvalue has modulus ``rho``. With rho = 1, ||W v|| = ||v|| for all v.
    - ``"gaussian"``: B = G / ``max|eig(G)|`` with G_ij ~ N(0, 1). Its largest singular
      value is about twice its spectral radius (about 2 for large H), so
      ||W||_2 ≈ 2 rho.

    Parameters
    ----------
    H : int >= 1, hidden size
    rho : float >= 0, spectral radius (largest absolute eigenvalue) of the result
    init : "orthogonal" or "gaussian"
    seed : int, seed of the base matrix

    Returns
    -------
    W : (H, H) float64 array (a new, writable array)
    """
    H = check_int("H", H, 1, 4096)
    rho = check_real("rho", rho, 0)
    check_choice("init", init, INITS)
    seed = check_int("seed", seed, 0, 2**63 - 1)
    return rho * _unit_matrix(H, init, seed)


def largest_singular_value(W):
    """lambda_1 = ||W||_2, the largest singular value of a square matrix W (H, H)."""
    W = float_array("W", W, ("H", "H"), {})
    return float(np.linalg.norm(W, 2)) if W.size else 0.0


# ------------------------------------------------------------------- Jacobian products

def _log10(x):
    """log10 of a non-negative float; -inf for 0, without a divide-by-zero warning."""
    return math.log10(x) if x > 0 else -math.inf


def jacobian_log10_norms(jacobians, distances=None):
    """log10 ||dh_T/dh_{T-k}||_2 for k = 0..T (or the given k) from the step Jacobians.

    Parameters
    ----------
    jacobians : (T, H, H) array; ``jacobians[j]`` is J_{j+1} = dh_{j+1}/dh_j, the Jacobian
        of step j+1 (column convention: entry [r, c] is d h_{j+1}[r] / d h_j[c]).
        Chapter 04 passes diag(phi'(a_t)) W_hh; any other recurrence (an LSTM's
        cell path) works the same way.
    distances : None, or a strictly increasing 1-D int array of k in [0, T]. The product
        is still formed step by step, but its spectral norm (an SVD, the expensive
        part) is taken only at these k. Default: every k = 0..T.

    Returns
    -------
    float64 array, (T+1,) or (len(distances),): log10 of the spectral norm of
    J_T J_{T-1} ... J_{T-k+1} (log10 ||I|| = 0 for k = 0). ``-inf`` once the product
    is exactly zero. Never overflows: the running product is renormalised every step.
    """
    J = float_array("jacobians", jacobians, ("T", "H", "H"), {})
    T, H, _ = J.shape
    if distances is None:
        ks = np.arange(T + 1)
    else:
        ks = np.asarray(distances)
        if ks.ndim != 1 or not np.issubdtype(ks.dtype, np.integer) or ks.size == 0 \
                or ks[0] < 0 or ks[-1] > T or np.any(np.diff(ks) <= 0):
            raise ValueError(f"distances must be a strictly increasing 1-D integer array in "
                             f"[0, T] = [0, {T}], got {distances!r}")
    full = np.full(T + 1, -np.inf)
    full[0] = 0.0
    if H == 0:
        return full[ks]
    wanted = np.zeros(T + 1, dtype=bool)
    wanted[ks] = True
    M = np.eye(H)
    prods = np.empty((T, H, H))
    log_scale = np.empty(T)
    acc = 0.0
    n = T                                     # number of non-zero products
    for k in range(1, T + 1):
        M = M @ J[T - k]                      # product of the last k step Jacobians
        f = float(np.max(np.abs(M)))          # its size; used only to rescale
        if f == 0.0:                          # exactly zero from here on
            n = k - 1
            break
        M = M / f
        acc += math.log10(f)
        prods[k - 1] = M
        log_scale[k - 1] = acc
    if n > 0:
        take = np.flatnonzero(wanted[1:n + 1])           # indices k-1 of the wanted k <= n
        if take.size:
            sigma = np.linalg.svd(prods[take], compute_uv=False)[:, 0]
            full[take + 1] = log_scale[take] + np.log10(sigma)
    return full[ks]


def _bound_from(gamma_lambda1, T):
    """log10 of Pascanu's bound (gamma lambda_1)**k for k = 0..T (entry 0 is 0)."""
    c = _log10(gamma_lambda1)
    if c == -math.inf:
        out = np.full(T + 1, -np.inf)
        out[0] = 0.0
        return out
    return np.arange(T + 1, dtype=float) * c


@lru_cache(maxsize=32)
def _unit_lambda1(H, init, seed):
    return float(np.linalg.norm(_unit_matrix(H, init, seed), 2))


# ----------------------------------------------------------------- one full experiment

@lru_cache(maxsize=8)
def _drive(H, T, seed):
    """Seeded input drive u_t ~ N(0, 1) (T, H) and unit output direction (H,)."""
    rng = np.random.default_rng([seed, H, 1])
    u = rng.standard_normal((T, H))
    v = rng.standard_normal(H)
    v /= np.linalg.norm(v)
    u.setflags(write=False)
    v.setflags(write=False)
    return u, v


def rnn_forward_scaled(W_hh, u, activation):
    """Run a_t = W_hh h_{t-1} + u_t, h_t = phi(a_t) from h_0 = 0 without overflow.

    For relu and linear units (positively homogeneous: phi(c a) = c phi(a) for c > 0) the
    state is stored as ``h_t = 10**log10_scale[t] * h_hat[t]`` and renormalised whenever
    it grows past 1e100; tanh and sigmoid states are bounded and are never rescaled.

    Parameters
    ----------
    W_hh : (H, H) recurrent matrix
    u : (T, H) input drive u_t = W_xh x_t + b_h
    activation : "tanh", "sigmoid", "relu" or "linear"

    Returns
    -------
    a_hat : (T, H) pre-activations divided by the scale of h_{t-1}: only the direction
        matters for relu/linear derivatives, and for tanh/sigmoid a_hat = a exactly.
    h_hat : (T+1, H) rescaled states, h_hat[0] = h_0 = 0
    log10_scale : (T+1,) the log10 scale of each state (0 where nothing was rescaled)
    """
    W_hh = float_array("W_hh", W_hh, ("H", "H"), {})
    check_choice("activation", activation, ACTIVATIONS)
    if not isinstance(u, np.ndarray) or u.ndim != 2 or u.shape[1] != W_hh.shape[0]:
        raise ValueError(f"u must have shape (T, H) with H = {W_hh.shape[0]}, "
                         f"got {getattr(u, 'shape', None)}")
    T, H = u.shape
    homogeneous = activation in ("relu", "linear")
    a_hat = np.empty((T, H))
    h_hat = np.zeros((T + 1, H))
    scale = np.zeros(T + 1)
    h, s = np.zeros(H), 0.0
    for t in range(T):
        a = W_hh @ h + u[t] * (10.0 ** -s if s < 300 else 0.0)
        h = _phi(a, activation)
        if homogeneous:
            nrm = float(np.sqrt(h @ h))
            if nrm > 1e100:
                h = h / nrm
                s += math.log10(nrm)
                # a is only needed through phi'(a), which depends on its sign pattern
        a_hat[t] = a
        h_hat[t + 1] = h
        scale[t + 1] = s
    return a_hat, h_hat, scale


@dataclass
class GradientFlow:
    """The result of :func:`gradient_flow` (all logs are base 10; index k = T - t).

    Attributes
    ----------
    distance : int array of the distances k = T - t reported (0..T unless ``every`` > 1)
    jacobian : log10 ||dh_T/dh_{T-k}||_2 at each distance
    bound : log10 (gamma lambda_1)**k, Pascanu's upper bound
    dh : log10 ||dL/dh_{T-k}|| for L = vᵀ h_T with a fixed unit vector v
    dh_clipped : the same after norm clipping of dL/dW_hh (= dh when not clipped)
    grad_norm : log10 ||dL/dW_hh||_F before clipping
    (these three are None when computed with ``loss=False``)
    clip_factor : log10 of min(1, threshold / ||g||) (0 when clipping is off)
    lambda1, rho : largest singular value and spectral radius of W_hh
    """

    distance: np.ndarray
    jacobian: np.ndarray
    bound: np.ndarray
    dh: np.ndarray
    dh_clipped: np.ndarray
    grad_norm: float
    clip_factor: float
    lambda1: float
    rho: float


def _loss_gradients(W_hh, a_hat, h_hat, h_scale, dphi, v):
    """log10 ||dL/dh_t|| for t = T..0 and log10 ||dL/dW_hh||_F, all in log space."""
    T, H = a_hat.shape
    dh_log = np.full(T + 1, -np.inf)
    g = np.zeros((H, H))
    g_log = -math.inf      # log10 scale of the matrix g accumulated so far
    d, d_log = v.copy(), 0.0   # dL/dh_T = v (unit norm)
    dh_log[0] = 0.0
    for k in range(1, T + 1):
        t = T - k + 1                      # step whose Jacobian we cross: h_t -> h_{t-1}
        delta = dphi[t - 1] * d            # dL/da_t (scaled by 10**d_log)
        # contribution of step t to dL/dW_hh: delta_t h_{t-1}^T
        nh = float(np.sqrt(h_hat[t - 1] @ h_hat[t - 1]))
        nd = float(np.sqrt(delta @ delta))
        if nh > 0 and nd > 0:
            c_log = d_log + h_scale[t - 1]
            term = np.outer(delta, h_hat[t - 1])
            if c_log > g_log:
                g = term + g * (10.0 ** (g_log - c_log) if g_log - c_log > -300 else 0.0)
                g_log = c_log
            else:
                g = g + term * (10.0 ** (c_log - g_log) if c_log - g_log > -300 else 0.0)
            f = float(np.max(np.abs(g)))
            if f == 0.0:
                g, g_log = np.zeros((H, H)), -math.inf
            else:
                g, g_log = g / f, g_log + math.log10(f)
        d = W_hh.T @ delta                 # dL/dh_{t-1}
        n = float(np.sqrt(d @ d))
        if n == 0.0:
            break
        d = d / n
        d_log += math.log10(n)
        dh_log[k] = d_log
    if g_log > -math.inf:
        g_log += math.log10(float(np.sqrt(np.sum(g * g))))
    return dh_log, g_log


def gradient_flow(activation="tanh", rho=1.0, T=100, init="orthogonal", H=32, clip=None,
                  seed=0, loss=True, every=1):
    """Measure how gradients flow back through a vanilla RNN for one setting.

    A seeded RNN with W_hh = :func:`recurrent_matrix` (H, rho, init, seed) is run for T
    steps from h_0 = 0 on a seeded input drive u_t ~ N(0, 1); the loss is L = vᵀ h_T for
    a fixed unit vector v. Everything is computed in log space, so any rho >= 0 and any
    T work without overflow, NaN or warnings.

    Parameters
    ----------
    activation : "tanh", "sigmoid", "relu" or "linear"
    rho : float >= 0, spectral radius of W_hh
    T : int in [1, 5000], sequence length
    init : "orthogonal" or "gaussian"
    H : int in [1, 512], hidden size
    clip : None, or a threshold > 0 for norm clipping of dL/dW_hh
        (if ||g|| > clip: g <- clip * g / ||g||, which scales every dL/dh_t alike)
    seed : int, seeds W_hh, the inputs and v
    loss : bool; False skips the loss gradients (faster): ``dh``, ``dh_clipped`` and
        ``grad_norm`` are then None, and ``clip`` must be None
    every : int >= 1; report the curves only at k = 0, every, 2 every, ... and T (plots
        need no more points than pixels; the Jacobian norms cost an SVD per point)

    Returns
    -------
    GradientFlow whose curves are indexed like ``distance`` (k = T - t; all of 0..T
    when every = 1).
    """
    check_choice("activation", activation, ACTIVATIONS)
    T = check_int("T", T, 1, 5000)
    H = check_int("H", H, 1, 512)
    if clip is not None:
        if not isinstance(clip, (int, float, np.integer, np.floating)) or isinstance(clip, bool) \
                or not math.isfinite(clip) or clip <= 0:
            raise ValueError(f"clip must be None or a positive finite threshold, got {clip!r}")
    every = check_int("every", every, 1, 10**6)
    ks = np.unique(np.append(np.arange(0, T + 1, every), T))
    if not loss and clip is not None:
        raise ValueError("clip needs the loss gradients: pass loss=True or clip=None")
    W = recurrent_matrix(H, rho, init, seed)
    u, v = _drive(H, max(T, 200), seed)
    a_hat, h_hat, h_scale = rnn_forward_scaled(W, u[:T], activation)
    dphi = activation_derivative(a_hat, activation)
    jac = jacobian_log10_norms(dphi[:, :, None] * W[None, :, :], ks)
    lam1 = float(rho) * _unit_lambda1(H, init, seed)
    bound = _bound_from(GAMMA[activation] * lam1, T)[ks]
    if not loss:
        return GradientFlow(distance=ks, jacobian=jac, bound=bound, dh=None,
                            dh_clipped=None, grad_norm=None, clip_factor=0.0,
                            lambda1=lam1, rho=float(rho))
    dh, g_log = _loss_gradients(W, a_hat, h_hat, h_scale, dphi, v)
    factor = 0.0
    if clip is not None and g_log > math.log10(clip):
        factor = math.log10(clip) - g_log
    dh = dh[ks]
    return GradientFlow(distance=ks, jacobian=jac, bound=bound, dh=dh,
                        dh_clipped=dh + factor, grad_norm=g_log, clip_factor=factor,
                        lambda1=lam1, rho=float(rho))
