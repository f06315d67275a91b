"""Test fixtures for ``tests/scratch``: seeded inputs, float32 runs, bad arguments.

Import them from a test module in ``tests/scratch/`` with ``from helpers import ...``
(pytest puts the test file's folder on ``sys.path``). Numpy only.

The checks themselves are the chapters' own: gradient checks with
:func:`rnnkit.analysis.gradcheck.check_layer` (or :func:`richardson_gradient`), one
forward/backward run with :func:`rnnkit.analysis.gradcheck.forward_backward`, errors
with :func:`rnnkit.scratch.rel_error`. These fixtures only build inputs and call them.
"""
from __future__ import annotations

import math

import numpy as np

from rnnkit.analysis.gradcheck import forward_backward

# (N, T, D, H) of the recurrent-layer tests; the step functions use N, D, H. The first
# is the all-ones edge case, the last has N = 1 and H = 1.
SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 5, 2, 3), (1, 4, 3, 1)]
IDS = ["N{}T{}D{}H{}".format(*s) for s in SHAPES]
GATES = {"rnn": 1, "lstm": 4, "gru": 3}


class RandomArrays:
    """Seeded factory of test arrays.

    >>> r = RandomArrays(0)
    >>> x = r.randn(2, 3, 4)           # float64 standard normal, shape (2, 3, 4)
    >>> W = r.randn(4, 5, scale=0.5)   # times 0.5
    >>> idx = r.ints(7, 2, 3)          # int64 in [0, 7), shape (2, 3)
    >>> m = r.mask(2, 3)               # bool, True with probability 0.7
    """

    def __init__(self, seed=0, dtype=np.float64):
        self.rng = np.random.default_rng(seed)
        self.dtype = np.dtype(dtype)

    def randn(self, *shape, scale=1.0):
        return (scale * self.rng.standard_normal(shape)).astype(self.dtype)

    def ints(self, high, *shape):
        return self.rng.integers(0, high, size=shape, dtype=np.int64)

    def mask(self, *shape, p=0.7):
        return self.rng.random(shape) < p


def cell_inputs(cell, N, T, D, H, seed=0, step=False):
    """The arguments of ``<cell>_forward`` (or of ``<cell>_step_forward`` with ``step``), by name.

    ``cell`` is "rnn", "lstm" or "gru". A sequence gets x (N, T, D) and h0 (N, H); a step
    gets x (N, D), h_prev (N, H) and, for the LSTM, c_prev (N, H). Then Wx (D, GH),
    Wh (H, GH) and b (GH,), or bx and bh for the GRU, with G = 1, 4, 3 gate blocks.
    """
    r, G = RandomArrays(seed), GATES[cell]
    if step:
        a = dict(x=r.randn(N, D), h_prev=r.randn(N, H))
        if cell == "lstm":
            a["c_prev"] = r.randn(N, H)
    else:
        a = dict(x=r.randn(N, T, D), h0=r.randn(N, H))
    a.update(Wx=r.randn(D, G * H, scale=0.5), Wh=r.randn(H, G * H, scale=0.5))
    if cell == "gru":
        a.update(bx=r.randn(G * H, scale=0.3), bh=r.randn(G * H, scale=0.3))
    else:
        a.update(b=r.randn(G * H, scale=0.3))
    return a


def loss_inputs(N, T, V, mask_kind="bool", seed=0):
    """``(scores, y, mask)`` for ``temporal_softmax_loss``; ``mask_kind`` is "none" (None),
    "bool", "int01" or "float01" (the same mask as 0/1 integers or floats)."""
    r = RandomArrays(seed)
    scores, y, m = r.randn(N, T, V), r.ints(V, N, T), r.mask(N, T)
    m[0, 0] = True                           # at least one position counts
    mask = {"none": None, "bool": m, "int01": m.astype(np.int64), "float01": m.astype(np.float64)}[mask_kind]
    return scores, y, mask


def logistic(v):
    """σ(v) = 1 / (1 + e^-v) of one number, with the math module: the by-hand reference."""
    return 1 / (1 + math.exp(-v))


def scaled_error(a, b):
    """``max|a - b| / max|b|``: the error relative to the scale of the reference ``b``.

    Used for float32 results, whose elementwise relative error is meaningless for
    entries near zero.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise AssertionError(f"shapes differ: {a.shape} vs {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def as_float32(inputs):
    """A copy of an input dict with every float array in float32 (indices and masks kept)."""
    return {k: v.astype(np.float32) if v.dtype.kind == "f" else v for k, v in inputs.items()}


def results(forward, backward, inputs, seed=0):
    """``forward_backward``'s outputs and gradients in one dict: "out0", ..., "grad0", ..."""
    outs, _, grads = forward_backward(forward, backward, inputs, seed)
    return {f"out{k}": o for k, o in enumerate(outs)} | {f"grad{k}": g for k, g in enumerate(grads)}


def compare_float32(forward, backward, inputs, seed=0):
    """Run a layer on float64 ``inputs`` and on float32 copies, with the same upstream gradients.

    Asserts that every output and gradient of the float32 run is float32 (no silent
    upcast), and returns ``scaled_error(float32 result, float64 result)`` for each.
    """
    res64 = results(forward, backward, inputs, seed)
    res32 = results(forward, backward, as_float32(inputs), seed)
    for key, v in res32.items():
        if np.asarray(v).dtype != np.float32:
            raise AssertionError(f"{key} is {np.asarray(v).dtype} for float32 inputs")
    return {k: scaled_error(res32[k], res64[k]) for k in res64}


def assert_below(errors, tol):
    """Assert every error in the dict is below ``tol``; the message lists the offenders."""
    bad = {k: v for k, v in errors.items() if not v < tol}
    assert not bad, f"errors above {tol:g}: {bad} (all: {errors})"


# --- bad arguments --------------------------------------------------------------------

def replace_arg(args, name, value):
    """A copy of ``args`` with ``args[name]`` replaced by ``value``, or by
    ``value(args[name])`` when ``value`` is callable (it turns the valid argument bad)."""
    args = dict(args)
    args[name] = value(args[name]) if callable(value) else value
    return args


def with_nan(a):
    a = a.copy()
    a.flat[-1] = np.nan
    return a


def with_inf(a):
    a = a.copy()
    a.flat[0] = -np.inf
    return a


def bad_argument_cases(names, first="Wx"):
    """(name, corruption, message pattern) for what every float argument must survive:
    wrong rank, a list, an integer dtype, NaN, infinity, and float32 among float64
    arguments. The weights are validated first, so mixed precision is blamed on
    whichever argument differs from ``first``."""
    cases = []
    for n in names:
        cases += [(n, lambda a: a[None], rf"^{n} must be a \d-D array of shape"),
                  (n, lambda a: a.tolist(), rf"^{n} must be a numpy array"),
                  (n, lambda a: a.astype(np.int64), rf"^{n} must be a float32 or float64 array"),
                  (n, with_nan, rf"^{n} contains NaN or infinity"),
                  (n, with_inf, rf"^{n} contains NaN or infinity")]
        if n != first:
            cases.append((n, lambda a: a.astype(np.float32),
                          rf"^{n} has dtype float32 but the other inputs are float64"))
    return cases


def case_ids(cases):
    """Readable pytest ids for a list of (name, corruption, pattern) cases."""
    return [f"{n}-{m.lstrip('^')[len(n) + 1:30]}" for n, _, m in cases]
