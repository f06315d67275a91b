"""Numerical gradients and the relative error used to compare them with analytic ones."""
from __future__ import annotations

import numpy as np


def numerical_gradient(f, x, df=None, h=1e-5):
    """Centred finite-difference gradient of ``f`` with respect to ``x``.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a scalar (when ``df`` is None) or an array (then the gradient
        of ``sum(f(x) * df)`` is returned, the usual way to check a layer's backward
        pass against an upstream gradient ``df``). ``f`` must read ``x`` each call: the
        entries of ``x`` are perturbed in place and restored.
    x : ndarray, any shape, float64 recommended
    df : ndarray or None, shape of ``f(x)``
    h : float, step size

    Returns
    -------
    grad : ndarray, same shape and dtype as ``x``
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"x must be a float numpy array, got {type(x).__name__}"
                         + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else ""))
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"h must be a positive step size, got {h}")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index", "zerosize_ok"], op_flags=["readwrite"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        plus = np.array(f(x), dtype=np.float64, copy=True)
        x[i] = old - h
        minus = np.array(f(x), dtype=np.float64, copy=True)
        x[i] = old
        if df is None:
            if plus.size != 1:
                raise ValueError(f"f returned shape {plus.shape}; pass df to check an array-valued f")
            grad[i] = (plus.item() - minus.item()) / (2 * h)
        else:
            if plus.shape != np.shape(df):
                raise ValueError(f"df must have the shape of f(x), {plus.shape}, got {np.shape(df)}")
            grad[i] = np.sum((plus - minus) * df) / (2 * h)
    return grad


def rel_error(a, b):
    """Relative error ``max |a-b| / max(1e-8, |a|+|b|)``, elementwise max (CS231n's definition).

    ``a`` and ``b`` must have the same shape; returns a Python float. Complex arrays are
    compared as complex numbers (``|a-b|`` is the modulus).
    """
    cplx = np.iscomplexobj(a) or np.iscomplexobj(b)
    a = np.asarray(a, dtype=np.complex128 if cplx else np.float64)
    b = np.asarray(b, dtype=np.complex128 if cplx else np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
