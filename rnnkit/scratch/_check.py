"""Argument checks shared by the scratch layers.

Every public function validates its inputs with :func:`float_array` or
:func:`index_array`, which bind symbolic dimensions ("N", "T", "D", "H", ...) the
first time they see them and check every later argument against them, so that a
mismatch is reported as::

    ValueError: h0 must have shape (N, H) = (4, 7), got (4, 8)

rather than as a numpy broadcasting error somewhere inside the computation.
A dimension may carry an integer factor: "4H" means four times H.
"""
from __future__ import annotations

import re

import numpy as np

FLOAT_DTYPES = (np.float32, np.float64)
_DIM = re.compile(r"^(\d*)([A-Za-z_]\w*)$")


def _parse(dim):
    """'4H' -> (4, 'H'); 'H' -> (1, 'H'); 3 -> (None, 3)."""
    if isinstance(dim, (int, np.integer)):
        return None, int(dim)
    m = _DIM.match(dim)
    if m is None:
        raise TypeError(f"bad dimension spec {dim!r}")
    return int(m.group(1) or 1), m.group(2)


def _check_shape(name, a, shape, dims):
    """Check ``a.shape`` against a symbolic ``shape`` and bind unseen symbols in ``dims``."""
    spec = "(" + ", ".join(str(d) for d in shape) + ")"
    if a.ndim != len(shape):
        raise ValueError(f"{name} must be a {len(shape)}-D array of shape {spec}, "
                         f"got a {a.ndim}-D array of shape {a.shape}")
    # First bind the symbols this argument introduces, then compare every axis.
    for dim, size in zip(shape, a.shape):
        factor, sym = _parse(dim)
        if factor is not None and sym not in dims:
            if size % factor:
                raise ValueError(f"{name} must have shape {spec}: axis of size {size} "
                                 f"is not a multiple of {factor}")
            dims[sym] = size // factor
    expected = []
    for dim in shape:
        factor, sym = _parse(dim)
        expected.append(sym if factor is None else factor * dims[sym])
    if tuple(expected) != a.shape:
        raise ValueError(f"{name} must have shape {spec} = {tuple(expected)}, got {a.shape}")


def float_array(name, a, shape, dims, dtype=None, finite=True):
    """Return ``a`` as a validated float array.

    Parameters
    ----------
    name : str
        Argument name used in error messages.
    a : array_like
        Must already be a numpy array of dtype float32 or float64.
    shape : tuple of str or int
        Symbolic shape such as ``("N", "T", "D")`` or ``("D", "4H")``.
    dims : dict
        Symbol -> size bindings shared by the arguments of one call; updated in place.
    dtype : numpy dtype or None
        If given, ``a`` must have exactly this dtype (used to keep all arguments of
        one call in the same precision).
    finite : bool
        Reject NaN and infinity.
    """
    if not isinstance(a, np.ndarray):
        raise ValueError(f"{name} must be a numpy array, got {type(a).__name__}")
    if a.dtype not in FLOAT_DTYPES:
        raise ValueError(f"{name} must be a float32 or float64 array, got dtype {a.dtype}")
    if dtype is not None and a.dtype != dtype:
        raise ValueError(f"{name} has dtype {a.dtype} but the other inputs are {np.dtype(dtype)}; "
                         "use one precision for all arguments")
    _check_shape(name, a, shape, dims)
    if finite and not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or infinity")
    return a


def index_array(name, a, shape, dims, high=None, high_name=None):
    """Return ``a`` as a validated integer index array with values in ``[0, high)``."""
    if not isinstance(a, np.ndarray):
        raise ValueError(f"{name} must be a numpy integer array, got {type(a).__name__}")
    if not np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"{name} must be an integer array of indices, got dtype {a.dtype}")
    _check_shape(name, a, shape, dims)
    if high is not None and a.size and (a.min() < 0 or a.max() >= high):
        bound = f"{high_name} = {high}" if high_name else str(high)
        raise ValueError(f"{name} must hold indices in [0, {bound}), "
                         f"got values in [{a.min()}, {a.max()}]")
    return a


def check_cache(name, cache, kind):
    """Make sure a backward function receives the cache of the matching forward."""
    if not (isinstance(cache, tuple) and cache and isinstance(cache[0], str) and cache[0] == kind):
        raise ValueError(f"{name} must be the cache returned by the matching {kind} forward function")
    return cache
