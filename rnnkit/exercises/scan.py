"""Check of the backward pass of the linear recurrence (chapter 09).

The reader's ``linear_scan_backward(dh, cache) -> da, db, dh0`` has the signature of
:func:`rnnkit.scratch.linear_scan_backward`. The forward pass is
h_t = a_t ⊙ h_{t-1} + b_t for t = 1 … T from ``h0``; ``a``, ``b``, ``dh`` are (N, T, H),
``h0`` and ``dh0`` (N, H). The cache is the one :func:`rnnkit.scratch.linear_scan_forward`
makes, ``("linear_scan", a, h0, h, method)`` with the states ``h`` (N, T, H) = h_1 … h_T.
With g_t the whole gradient that reaches h_t,

    g_T = dh_T,   g_t = dh_t + a_{t+1} ⊙ g_{t+1},
    da_t = g_t ⊙ h_{t-1},   db_t = g_t,   dh0 = a_1 ⊙ g_1.
"""
from __future__ import annotations

import numpy as np

from rnnkit.scratch import linear_scan_backward, linear_scan_forward

from .grading import Case, random_arrays, run
from .layers import Spec, check_callable, grade_backward

SIZES = [((2, 5, 3), np.float64), ((1, 1, 2), np.float64), ((3, 4, 1), np.float64),
         ((1, 7, 1), np.float32), ((2, 6, 4), np.float32)]


def cases(seed=90):
    """a (N, T, H) with some |a| > 1, b (N, T, H), h0 (N, H)."""
    out = []
    for k, ((N, T, H), dtype) in enumerate(SIZES):
        r = random_arrays(seed + k, dtype)
        out.append(Case({"N": N, "T": T, "H": H}, dtype,
                        dict(a=r(N, T, H, scale=0.7), b=r(N, T, H), h0=r(N, H))))
    return out


def _g(c, shift=True):
    """The gradient g_t reaching every state; ``shift=False`` uses a_t instead of a_{t+1}."""
    a, dh = c["a"], c["dh"]
    g, nxt = np.zeros_like(dh), np.zeros_like(dh[:, 0])
    for t in reversed(range(dh.shape[1])):
        coeff = (a[:, t + 1] if t + 1 < a.shape[1] else 0) if shift else a[:, t]
        nxt = dh[:, t] + coeff * nxt
        g[:, t] = nxt
    return g


def _h_prev(c):
    return np.concatenate([c["h0"][:, None], c["h"][:, :-1]], axis=1)


NO_SHIFT = ("the backward recurrence uses a_t; h_{t+1} = a_{t+1} * h_t + b_{t+1}, so the gradient h_t gets "
            "from the next step is a_{t+1} * g_{t+1}.",
            "역방향 점화식에 a_t를 썼습니다. h_{t+1} = a_{t+1} * h_t + b_{t+1}이므로 h_t가 다음 단계에서 받는 "
            "기울기는 a_{t+1} * g_{t+1}입니다.")
DIRECT_ONLY = ("only the direct gradient dh_t is used; g_t also collects a_{t+1} * g_{t+1} from the next step.",
               "바로 들어오는 dh_t만 썼습니다. g_t에는 다음 단계에서 오는 a_{t+1} * g_{t+1}도 모입니다.")
BACKWARD_HINTS = {
    "da": [(lambda c: _g(c) * c["h"], ("da_t multiplies g_t by h_t; it is g_t * h_{t-1}, the state the step "
                                       "multiplied (h_0 for the first step).",
                                       "da_t에 h_t를 곱했습니다. 그 단계가 곱한 상태 h_{t-1}(첫 단계는 h_0)을 "
                                       "곱해야 합니다: g_t * h_{t-1}.")),
           (lambda c: _g(c, shift=False) * _h_prev(c), NO_SHIFT),
           (lambda c: c["dh"] * _h_prev(c), DIRECT_ONLY)],
    "db": [(lambda c: _g(c, shift=False), NO_SHIFT), (lambda c: c["dh"], DIRECT_ONLY)],
    "dh0": [(lambda c: _g(c)[:, 0], ("dh0 is g_1; it is a_1 * g_1, since h_1 = a_1 * h_0 + b_1.",
                                     "dh0가 g_1입니다. h_1 = a_1 * h_0 + b_1이므로 a_1 * g_1이어야 합니다.")),
            (lambda c: c["a"][:, 0] * _g(c, shift=False)[:, 0], NO_SHIFT)],
}

SPEC = Spec(linear_scan_forward, ["a", "b", "h0"], ["h"], cases(),
            linear_scan_backward, ["da", "db", "dh0"], ["dh"], None, BACKWARD_HINTS)


def check_linear_scan_backward(fn, forward=None, lang="en"):
    """Check the reader's ``fn(dh, cache) -> da, db, dh0`` (chapter 09).

    ``cache`` comes from ``forward`` (the reader's ``linear_scan_forward``, checked first)
    or, when ``forward`` is None, from :func:`rnnkit.scratch.linear_scan_forward`:
    ``("linear_scan", a, h0, h, method)``.

    Returns
    -------
    True when ``fn`` is right on every case, else False (the printed verdict says why)
    """
    check_callable("fn", fn)
    check_callable("forward", forward, optional=True)
    return run("linear_scan_backward", lang, lambda: grade_backward(SPEC, fn, forward, lang))


__all__ = ["check_linear_scan_backward"]
