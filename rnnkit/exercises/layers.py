"""The two kinds of layer checks: a forward function, and a backward function with its cache.

Both are driven by a :class:`Spec`, which the per-chapter modules fill in (the
reference functions of :mod:`rnnkit.scratch`, the argument and output names, the
cases, the hints). :func:`grade_forward` compares what the reader's forward returns
(the cache excepted) with the reference. :func:`grade_backward` makes a cache, with the
reader's own forward when one is given (after checking its outputs) or with the
reference forward otherwise, hands it to the reader's backward with seeded upstream
gradients, compares every gradient with the reference and, in float64, with the
numerical gradients of the forward function that made the cache.
"""
from __future__ import annotations

import numpy as np

from .grading import GRAD_TOL, Failed, call, compare, grad_error, numerical_gradients, say, unpack


class Spec:
    """What a layer check needs to know.

    Parameters
    ----------
    forward : reference forward ``forward(*args) -> (*outputs, cache)``
    args : names of the forward's arguments, in order
    outputs : names of the forward's outputs (the cache not counted)
    cases : list of :class:`rnnkit.exercises.grading.Case`
    backward : reference backward ``backward(*upstream, cache) -> grads``, or None
    grads : names of the backward's results, ``"d" + arg`` for each argument, in its order
    upstream : names of the backward's upstream gradients (one per forward output)
    forward_hints, backward_hints : see :func:`rnnkit.exercises.grading.compare`
    cache : whether the forward functions return a cache after their outputs
    """

    def __init__(self, forward, args, outputs, cases, backward=None, grads=(), upstream=(),
                 forward_hints=None, backward_hints=None, cache=True):
        self.forward, self.args, self.outputs, self.cases = forward, list(args), list(outputs), cases
        self.cache = cache
        self.backward, self.grads, self.upstream = backward, list(grads), list(upstream)
        self.forward_hints, self.backward_hints = forward_hints or {}, backward_hints or {}


def check_callable(name, fn, optional=False):
    """ValueError unless ``fn`` is callable (or None when ``optional``)."""
    if (fn is None and optional) or callable(fn):
        return fn
    raise ValueError(f"{name} must be a function{' or None' if optional else ''}, got {type(fn).__name__}")


def grade_forward(spec, fn, lang):
    """Check the reader's forward ``fn`` on every case of ``spec``; returns ``(cases, False)``."""
    for case in spec.cases:
        k = len(spec.outputs)
        out = call(fn, list(case.copies().values()), spec.args, case, lang)
        out = unpack(out, spec.outputs + (["cache"] if spec.cache else []), case, lang)
        ref = spec.forward(*case.copies().values())
        compare(spec.outputs, out[:k], ref[:k], case, lang, spec.forward_hints, dict(case.inputs))
    return spec.cases, False


def _forward_cache(spec, forward, case, lang):
    """The cache of the reader's ``forward`` on ``case``, after checking its outputs."""
    try:
        out = call(forward, list(case.copies().values()), spec.args, case, lang)
        out = unpack(out, spec.outputs + ["cache"], case, lang, who="your_fw")
        ref = spec.forward(*case.copies().values())
        compare(spec.outputs, out[:-1], ref[:-1], case, lang)
    except Failed as f:
        raise Failed(say(lang, "forward_wrong", problem=str(f))) from None
    return out[-1]


def upstream_gradients(spec, case, ref_outputs):
    """Seeded upstream gradients, one per forward output, in the case's dtype."""
    rng = np.random.default_rng(sum(case.sizes.values()) + 7 * len(case.sizes))
    return [rng.standard_normal(o.shape).astype(case.dtype) for o in ref_outputs]


def grade_backward(spec, fn, forward, lang):
    """Check the reader's backward ``fn(*upstream, cache)``; returns ``(cases, True)``."""
    for case in spec.cases:
        ref_out = spec.forward(*case.copies().values())
        up = upstream_gradients(spec, case, ref_out[:-1])
        cache = spec.forward(*case.copies().values())[-1] if forward is None \
            else _forward_cache(spec, forward, case, lang)
        got = call(fn, [u.copy() for u in up] + [cache], spec.upstream + ["cache"], case, lang)
        got = unpack(got, spec.grads, case, lang)
        ref = spec.backward(*up, ref_out[-1])
        ctx = {**case.inputs, **dict(zip(spec.upstream, up)), **dict(zip(spec.outputs, ref_out[:-1]))}
        compare(spec.grads, got, ref, case, lang, spec.backward_hints, ctx)
        if case.dtype == np.float64:
            num = numerical_gradients(forward or spec.forward, case, up, spec.args)
            for name, g in zip(spec.grads, got):
                err = grad_error(g, num[name[1:]])
                if err > GRAD_TOL:
                    raise Failed(say(lang, "numeric", name=name, case=case.label(lang), err=err))
    return spec.cases, True
