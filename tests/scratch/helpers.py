"""Shared utilities for the tests of ``rnnkit.scratch``.

Import them from a test module in ``tests/scratch/`` with ``from helpers import ...``
(pytest puts the test file's folder on ``sys.path``).

Every helper works on a *forward/backward pair* in the scratch convention::

    *outputs, cache = forward(*inputs.values())
    grads = backward(*upstream_grads, cache)      # one array, or a tuple of arrays

``inputs`` is a dict ``name -> ndarray`` in the order of ``forward``'s positional
arguments. ``wrt`` lists the names of the inputs whose gradients ``backward`` returns,
in the order it returns them; by default every float input, in order (so for
``rnn_step_forward(x, h_prev, Wx, Wh, b)`` the default is
``("x", "h_prev", "Wx", "Wh", "b")``, matching ``dx, dh_prev, dWx, dWh, db``).
Gradients are reported under the key ``"d" + name``, outputs under ``"out0"``,
``"out1"``, ... Upstream gradients are standard normal, drawn from ``seed``.

Stable API (also used by the LSTM/GRU tests):

    RandomArrays(seed, dtype)          seeded factory: .randn(*shape, scale=), .ints(high, *shape), .mask(*shape, p=)
    check_grads(forward, backward, inputs, wrt=None, seed=0, h=1e-5)        -> {"dx": rel_error, ...}
    compare_with_torch(forward, backward, torch_fn, inputs, wrt=None, seed=0) -> {"out0": .., "dx": ..}
    compare_float32(forward, backward, inputs, wrt=None, seed=0)            -> {"out0": .., "dx": ..}
    scaled_error(a, b)                 max|a - b| / max|b|
    assert_below(errors, tol)          assert every value of an error dict is below tol
    WORST                              kind -> worst error seen in this process (for reports)
"""
from __future__ import annotations

import numpy as np

from rnnkit.scratch import numerical_gradient, rel_error

# Worst error of each kind measured by the helpers in this process ("gradcheck", "torch",
# "float32"); only read by people writing reports, never asserted on.
WORST: dict[str, float] = {}


def _record(kind, errors):
    if errors:
        WORST[kind] = max(WORST.get(kind, 0.0), max(errors.values()))
    return errors


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


def _is_float(a):
    return isinstance(a, np.ndarray) and a.dtype.kind == "f"


def _wrt(inputs, wrt):
    return [k for k, v in inputs.items() if _is_float(v)] if wrt is None else list(wrt)


def _as_tuple(a):
    return a if isinstance(a, tuple) else (a,)


def _run(forward, backward, inputs, seed):
    """Forward, random upstream gradients of the forward's outputs, backward."""
    *outs, cache = forward(*inputs.values())
    rng = np.random.default_rng(seed)
    douts = [rng.standard_normal(np.shape(o)).astype(o.dtype) for o in outs]
    grads = _as_tuple(backward(*douts, cache))
    return outs, douts, grads


def _named_grads(wrt, grads):
    if len(grads) != len(wrt):
        raise AssertionError(f"backward returned {len(grads)} gradients, wrt names {len(wrt)}: {wrt}")
    return {"d" + name: g for name, g in zip(wrt, grads)}


def check_grads(forward, backward, inputs, wrt=None, seed=0, h=1e-5):
    """Compare every analytic gradient of a forward/backward pair with a numerical one.

    With random upstream gradients ``dout_k`` of the outputs ``out_k``, the analytic
    gradient of input ``a`` returned by ``backward`` must equal the centred-difference
    gradient of ``sum_k sum(out_k(a) * dout_k)``. Use float64 inputs. The input arrays
    are perturbed in place and restored exactly.

    Returns ``{"d" + name: rel_error(analytic, numerical)}`` for every name in ``wrt``.
    """
    wrt = _wrt(inputs, wrt)
    args = list(inputs.values())
    _, douts, grads = _run(forward, backward, inputs, seed)
    df = np.concatenate([d.ravel() for d in douts])

    def f(_):
        *outs, _cache = forward(*args)
        return np.concatenate([np.ravel(o) for o in outs])

    errors = {}
    for key, g in _named_grads(wrt, grads).items():
        a = inputs[key[1:]]
        if g.shape != a.shape or g.dtype != a.dtype:
            raise AssertionError(f"{key} has shape {g.shape} {g.dtype}, expected {a.shape} {a.dtype}")
        errors[key] = rel_error(g, numerical_gradient(f, a, df=df, h=h))
    return _record("gradcheck", errors)


def compare_with_torch(forward, backward, torch_fn, inputs, wrt=None, seed=0):
    """Compare outputs and gradients with the same computation in PyTorch autograd.

    ``torch_fn`` takes torch tensors in the order of ``inputs`` (float arrays become
    leaf tensors of the same dtype, with ``requires_grad`` when they are in ``wrt``;
    integer arrays become int64 tensors; bool arrays stay bool) and returns a tensor or
    a tuple of tensors, one per forward output. Both sides receive the same upstream
    gradients. Returns ``rel_error`` of every output (``"out0"``, ...) and gradient.
    """
    import torch

    wrt = _wrt(inputs, wrt)
    outs, douts, grads = _run(forward, backward, inputs, seed)
    leaves = {}
    for name, a in inputs.items():
        if _is_float(a):
            leaves[name] = torch.tensor(a, requires_grad=name in wrt)
        elif a.dtype == bool:
            leaves[name] = torch.from_numpy(a.copy())
        else:
            leaves[name] = torch.from_numpy(a.astype(np.int64))
    touts = _as_tuple(torch_fn(*leaves.values()))
    if len(touts) != len(outs):
        raise AssertionError(f"torch_fn returned {len(touts)} outputs, forward {len(outs)}")
    torch.autograd.backward(list(touts), [torch.from_numpy(d) for d in douts])
    errors = {f"out{k}": rel_error(o, t.detach().numpy()) for k, (o, t) in enumerate(zip(outs, touts))}
    for key, g in _named_grads(wrt, grads).items():
        errors[key] = rel_error(g, leaves[key[1:]].grad.numpy())
    return _record("torch", errors)


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


def compare_float32(forward, backward, inputs, wrt=None, seed=0):
    """Run the pair on float64 ``inputs`` and on float32 copies of them.

    Asserts that every output and gradient of the float32 run is float32 (no silent
    upcast), and returns ``scaled_error(float32 result, float64 result)`` for each.
    """
    wrt = _wrt(inputs, wrt)
    inputs32 = {k: v.astype(np.float32) if _is_float(v) else v for k, v in inputs.items()}
    out64, _, g64 = _run(forward, backward, inputs, seed)
    out32, _, g32 = _run(forward, backward, inputs32, seed)
    res64 = {f"out{k}": o for k, o in enumerate(out64)} | _named_grads(wrt, g64)
    res32 = {f"out{k}": o for k, o in enumerate(out32)} | _named_grads(wrt, g32)
    for key, v in res32.items():
        if np.asarray(v).dtype != np.float32:
            raise AssertionError(f"{key} is {np.asarray(v).dtype} for float32 inputs")
    return _record("float32", {k: scaled_error(res32[k], res64[k]) for k in res64})


def assert_below(errors, tol):
    """Assert every error in the dict is below ``tol``; the message lists the offenders."""
    bad = {k: v for k, v in errors.items() if not v < tol}
    assert not bad, f"errors above {tol:g}: {bad} (all: {errors})"
