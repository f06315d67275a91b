"""Check of the sequence loss, softmax cross-entropy summed over time (chapter 02).

The reader's ``temporal_softmax_loss(scores, y, mask=None) -> loss, dscores`` has the
signature of :func:`rnnkit.scratch.temporal_softmax_loss`: scores (N, T, V), integer
targets y (N, T), mask (N, T) bool or 0/1 or None (every position counts);
``loss = (1/N) * sum_{n,t} mask * -log softmax(scores)[y]`` (summed over t, averaged
over the batch), ``dscores`` (N, T, V) its gradient.
"""
from __future__ import annotations

import numpy as np

from rnnkit.scratch import temporal_softmax_loss

from .grading import (GRAD_TOL, STEP, Case, Failed, call, compare, grad_error, random_arrays, run,
                      say, unpack)
from .layers import check_callable

# (N, T, V), dtype, mask kind ("bool", "float", None), score scale
SIZES = [((2, 3, 5), np.float64, "bool", 1.0), ((1, 1, 2), np.float64, None, 1.0),
         ((3, 4, 3), np.float32, None, 1.0), ((2, 5, 4), np.float64, "float", 2.0),
         ((3, 2, 6), np.float32, "bool", 60.0), ((1, 3, 1), np.float64, "bool", 1.0)]
LARGE = ("large scores", "큰 점수")


def cases(seed=50):
    """scores (N, T, V), y (N, T) and, in some cases, mask (N, T)."""
    out = []
    for k, ((N, T, V), dtype, kind, scale) in enumerate(SIZES):
        r = random_arrays(seed + k, dtype)
        inputs = dict(scores=r(N, T, V, scale=scale), y=r.rng.integers(0, V, size=(N, T)))
        if kind is not None:
            m = r.rng.random((N, T)) < 0.7
            m[0, 0] = True
            if T > 1:
                m[-1, -1] = False
            inputs["mask"] = m if kind == "bool" else m.astype(dtype)
        out.append(Case({"N": N, "T": T, "V": V}, dtype, inputs, LARGE if scale > 10 else None))
    return out


def _loss(c, divide="N", use_mask=True, minus_one=True, mask_grad=True):
    """loss and dscores with one typical mistake; ``divide`` is "N", "NT", "count" or "none"."""
    s = c["scores"].astype(np.float64)
    N, T, V = s.shape
    m = np.asarray(c.get("mask", np.ones((N, T))), dtype=np.float64) if use_mask else np.ones((N, T))
    p = np.exp(s - s.max(axis=2, keepdims=True))
    p /= p.sum(axis=2, keepdims=True)
    n, t = np.indices((N, T))
    by = {"N": N, "NT": N * T, "count": max(m.sum(), 1), "none": 1}[divide]
    loss = -(m * np.log(p[n, t, c["y"]])).sum() / by
    d = p.copy()
    if minus_one:
        d[n, t, c["y"]] -= 1
    d *= (m if mask_grad else np.ones((N, T)))[:, :, None] / by
    return loss, d


MISTAKES = [
    (dict(divide="NT"), ("{} is averaged over T as well as N; the loss is summed over time, L = sum_t L_t, "
                         "and averaged over the batch only.",
                         "{}을(를) N뿐 아니라 T로도 나누었습니다. 손실은 시간에 대해 더하고(L = sum_t L_t) 배치에 "
                         "대해서만 평균합니다.")),
    (dict(divide="count"), ("{} is divided by the number of unmasked positions; divide by N.",
                            "{}을(를) 마스크가 1인 자리의 수로 나누었습니다. N으로 나누세요.")),
    (dict(divide="none"), ("{} is summed over the batch; average it: divide by N.",
                           "{}을(를) 배치에 대해 더하기만 했습니다. N으로 나누어 평균하세요.")),
    (dict(mask_grad=False), ("{} is not masked: positions with mask 0 must get a zero gradient.",
                             "{}에 마스크를 적용하지 않았습니다. 마스크가 0인 자리의 기울기는 0이어야 합니다.")),
    (dict(use_mask=False), ("{} ignores the mask: masked positions add no loss and get no gradient.",
                            "{}에서 마스크를 무시했습니다. 마스크가 0인 자리는 손실도 기울기도 0입니다.")),
    (dict(minus_one=False), ("{} is the softmax p alone; the gradient is p - onehot(y).",
                             "{}이(가) 소프트맥스 p뿐입니다. 기울기는 p - onehot(y)입니다.")),
]
OVERFLOW = ("{} is not finite: with large scores np.exp overflows unless each row's maximum is subtracted "
            "first, and np.log of a softmax probability that rounds to 0 is -inf; use the log-softmax, "
            "log p = s - max(s) - log(sum(exp(s - max(s)))).",
            "{}이(가) 유한한 값이 아닙니다. 점수가 크면 각 행의 최댓값을 먼저 빼지 않는 한 np.exp가 넘치고, "
            "0으로 반올림된 소프트맥스 확률에 np.log를 쓰면 -inf가 됩니다. 로그 소프트맥스 "
            "log p = s - max(s) - log(sum(exp(s - max(s))))를 쓰세요.")


def _hints():
    hints = {}
    for k, name in enumerate(("loss", "dscores")):
        hints[name] = [(None, tuple(s.format(name) for s in OVERFLOW))]
        hints[name] += [(lambda c, kw=kw, k=k: _loss(c, **kw)[k], tuple(s.format(name) for s in text))
                        for kw, text in MISTAKES]
    return hints


HINTS = _hints()
CASES = cases()


def _numerical(fn, case):
    """Centred differences of the reader's own loss with respect to the scores (float64)."""
    args = case.copies()
    s = args["scores"]
    g = np.zeros(s.shape)
    for i in np.ndindex(s.shape):
        old = s[i]
        s[i] = old + STEP
        plus = float(fn(*args.values())[0])
        s[i] = old - STEP
        minus = float(fn(*args.values())[0])
        s[i] = old
        g[i] = (plus - minus) / (2 * STEP)
    return g


def _grade(fn, lang):
    for case in CASES:
        names = list(case.inputs)
        out = unpack(call(fn, list(case.copies().values()), names, case, lang), ["loss", "dscores"], case, lang)
        ref = temporal_softmax_loss(*case.copies().values())
        compare(["loss", "dscores"], out, ref, case, lang, HINTS, dict(case.inputs), scalars=("loss",))
        if case.dtype == np.float64:
            err = grad_error(out[1], _numerical(fn, case))
            if err > GRAD_TOL:
                raise Failed(say(lang, "numeric", name="dscores", case=case.label(lang), err=err))
    return CASES, True


def check_temporal_softmax_loss(fn, lang="en"):
    """Check the reader's ``fn(scores, y, mask=None) -> loss, dscores`` (chapter 02).

    Cases with a bool mask, a 0/1 float mask and no mask (``fn(scores, y)``, so ``mask``
    needs its default), large scores in float32 (a softmax without the max subtracted
    overflows); ``dscores`` is also compared with numerical gradients of the reader's loss.

    Returns
    -------
    True when ``fn`` is right on every case, else False (the printed verdict says why)
    """
    check_callable("fn", fn)
    return run("temporal_softmax_loss", lang, lambda: _grade(fn, lang))
