"""Argument checks: the one set of validators behind every public function of rnnkit.

Numpy only. Public functions validate at the boundary (what a user passes in, what a
file holds) and raise ``ValueError`` naming the argument and what was expected; the
model code inside trusts its inputs.

**Scalars.** :func:`check_int`, :func:`check_real` and :func:`check_choice` return the
value (as ``int`` / ``float``) so a caller writes ``steps = check_int("steps", steps, 1)``.
Booleans are refused where a number is expected (``True`` is not a batch size).

**Arrays.** :func:`float_array` and :func:`index_array` bind symbolic dimensions ("N", "T", "D", "H", ...) the
first time they see them and check every later argument against them, so that a
mismatch is reported as::

    ValueError: h0 must have shape (N, H) = (4, 7), got (4, 8)

rather than as a numpy broadcasting error somewhere inside the computation.
A dimension may carry an integer factor: "4H" means four times H.
"""
from __future__ import annotations

import math
import numbers
import os
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


def check_shape(name, a, shape, dims):
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
    check_shape(name, a, shape, dims)
    if finite and not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or infinity")
    return a


def complex_array(name, a, shape, dims):
    """Return ``a`` (float32/64 or complex64/128, finite) as a complex array of its precision.

    Real input is accepted and converted (float32 -> complex64, float64 -> complex128), so a
    caller may pass real inputs to a complex recurrence. Shapes are checked as in
    :func:`float_array`.
    """
    if not isinstance(a, np.ndarray):
        raise ValueError(f"{name} must be a numpy array, got {type(a).__name__}")
    if a.dtype not in FLOAT_DTYPES + (np.complex64, np.complex128):
        raise ValueError(f"{name} must be a float or complex array, got dtype {a.dtype}")
    check_shape(name, a, shape, dims)
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or infinity")
    single = a.dtype in (np.float32, np.complex64)
    return a.astype(np.complex64 if single else np.complex128, copy=False)


def recurrent_inputs(x, x_shape, h_name, h, weights, dims=None):
    """Validate a recurrent layer's forward arguments, the data first.

    ``x`` (symbolic shape ``x_shape``, e.g. ``("N", "T", "D")``) sets N, D and the dtype;
    the state ``h`` (N, H), called ``h_name`` in messages, sets H; then each weight of
    ``weights``, a list of ``(name, array, symbolic shape)``, is checked against them in
    the same dtype. So a transposed or mis-sized weight is the argument blamed.
    ``dims`` (bound dimensions) is updated in place. Returns ``[x, h, *weights]``.
    """
    dims = {} if dims is None else dims
    x = float_array("x", x, x_shape, dims)
    h = float_array(h_name, h, ("N", "H"), dims, dtype=x.dtype)
    return [x, h] + [float_array(name, a, shape, dims, dtype=x.dtype) for name, a, shape in weights]


def index_array(name, a, shape, dims, high=None, high_name=None):
    """Return ``a`` as a validated integer index array with values in ``[0, high)``."""
    if not isinstance(a, np.ndarray):
        raise ValueError(f"{name} must be a numpy integer array, got {type(a).__name__}")
    if not np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"{name} must be an integer array of indices, got dtype {a.dtype}")
    check_shape(name, a, shape, dims)
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


def check_int(name, value, low=None, high=None):
    """``value`` as an ``int`` in ``[low, high]`` (either bound may be ``None``)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be an integer{_range(low, high)}, got {value!r}")
    return int(value)


def check_real(name, value, low=None, high=None, *, open_low=False):
    """``value`` as a finite ``float`` in ``[low, high]``; ``(low, high]`` with ``open_low``."""
    ok = not isinstance(value, (bool, np.bool_)) and isinstance(value, numbers.Real) \
        and math.isfinite(value)
    if ok and low is not None:
        ok = value > low if open_low else value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        raise ValueError(f"{name} must be a finite number{_range(low, high, open_low)}, got {value!r}")
    return float(value)


def check_choice(name, value, options):
    """``value`` if it is one of ``options`` (a tuple), else ``ValueError`` listing them."""
    if isinstance(value, (list, dict, set, np.ndarray)) or value not in options:
        raise ValueError(f"{name} must be one of {tuple(options)}, got {value!r}")
    return value


def check_path(name, path):
    """``path`` (a non-empty str or os.PathLike) as a :class:`pathlib.Path`."""
    from pathlib import Path

    if not isinstance(path, (str, os.PathLike)) or str(path) == "":
        raise ValueError(f"{name} must be a non-empty str or os.PathLike, got {path!r}")
    return Path(path)


def check_generator(name, seed):
    """``seed`` as a numpy Generator: an integer seeds a new one, a Generator is used as is."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, (bool, np.bool_)) and seed >= 0:
        return np.random.default_rng(int(seed))
    raise ValueError(f"{name} must be an integer >= 0 or a numpy.random.Generator, got {seed!r}")


def _range(low, high, open_low=False):
    if low is not None and high is not None:
        return f" in {'(' if open_low else '['}{low}, {high}]"
    if low is not None:
        return f" {'>' if open_low else '>='} {low}"
    if high is not None:
        return f" <= {high}"
    return ""
