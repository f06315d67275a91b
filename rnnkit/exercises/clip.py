"""Check of gradient norm clipping (chapter 04).

The reader's ``clip_grad_norm(grads, max_norm) -> clipped, total_norm`` has the
signature of :func:`rnnkit.scratch.clip_grad_norm`: ``grads`` a dict of name -> array or
a list/tuple of arrays, ``max_norm`` > 0. With ``‖g‖`` the joint L2 norm of all the
gradients together, every gradient is multiplied by ``max_norm / ‖g‖`` when
``‖g‖ > max_norm`` and returned unchanged otherwise; ``clipped`` is a new container of
the type of ``grads`` (the inputs are not modified), ``total_norm`` is ``‖g‖`` before
clipping.
"""
from __future__ import annotations

import numpy as np

from rnnkit.scratch import clip_grad_norm

from .grading import Case, Failed, call, compare, random_arrays, run, say, unpack
from .layers import check_callable

SMALL = ("norm below max_norm", "노름이 max_norm보다 작음")
ZERO = ("all gradients zero", "기울기가 모두 0")


def cases(seed=60):
    """grads (dict, list or tuple of arrays of mixed shapes) and max_norm."""
    out = []
    specs = [  # container, shapes, dtype, scale, max_norm, note
        (dict, [("Wx", (3, 4)), ("Wh", (4, 4)), ("b", (4,))], np.float64, 2.0, 1.0, None),
        (list, [(None, (2, 3)), (None, (5,))], np.float32, 3.0, 2.5, None),
        (dict, [("W", (1, 1))], np.float64, 1.0, 4.0, SMALL),
        (tuple, [(None, (2, 2)), (None, (3, 1)), (None, (1,))], np.float64, 5.0, 0.5, None),
        (dict, [("Wx", (2, 3)), ("b", (3,))], np.float32, 0.0, 1.0, ZERO),
        (dict, [("a", (6,)), ("big", (3, 3))], np.float64, 1.0, 3.0, None),
    ]
    for k, (kind, shapes, dtype, scale, max_norm, note) in enumerate(specs):
        r = random_arrays(seed + k, dtype)
        arrays = [(name, r(*shape, scale=scale)) for name, shape in shapes]
        if kind is dict and "big" in dict(arrays):
            arrays[1] = ("big", arrays[1][1] * 10)          # one tensor dominates the norm
        grads = dict(arrays) if kind is dict else kind(a for _, a in arrays)
        sizes = {"tensors": len(arrays), "max_norm": max_norm}
        out.append(Case(sizes, dtype, dict(grads=grads, max_norm=max_norm), note))
    return out


def _items(grads):
    return list(grads.items()) if isinstance(grads, dict) else list(enumerate(grads))


def _norm(grads):
    return float(np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for _, g in _items(grads))))


def _wrong(c, mode):
    """(clipped list, total) with one typical mistake."""
    items, m = _items(c["grads"]), c["max_norm"]
    total = _norm(c["grads"])
    if mode == "each":
        return [g * min(1.0, m / max(np.linalg.norm(g), 1e-300)) for _, g in items], total
    if mode == "values":
        return [np.clip(g, -m, m) for _, g in items], total
    if mode == "always":
        return [g * (m / total) for _, g in items], total
    if mode == "inverted":
        return [g * (total / m) if total > m else g for _, g in items], total
    if mode == "sum_of_norms":
        s = sum(float(np.linalg.norm(g)) for _, g in items)
        return [g * (m / s) if s > m else g for _, g in items], s
    if mode == "after":
        return [g * (m / total) if total > m else g for _, g in items], min(total, m)
    raise ValueError(mode)


MISTAKES = {
    "each": ("each tensor is clipped by its own norm; clipping uses the joint norm of all the gradients "
             "together, sqrt(sum of every squared entry), and one scale for all.",
             "텐서마다 자기 노름으로 잘랐습니다. 클리핑은 모든 기울기를 함께 본 노름(모든 원소의 제곱합의 "
             "제곱근)과, 모두에 같은 배율을 씁니다."),
    "values": ("the entries are clipped one by one (np.clip); norm clipping rescales the whole gradient and "
               "keeps its direction.",
               "원소를 하나씩 잘랐습니다(np.clip). 노름 클리핑은 기울기 전체의 길이를 줄이고 방향은 그대로 둡니다."),
    "always": ("the gradients are rescaled even when their norm is below max_norm; small gradients stay as "
               "they are.",
               "노름이 max_norm보다 작은데도 배율을 곱했습니다. 작은 기울기는 그대로 두어야 합니다."),
    "inverted": ("the scale is inverted: multiply by max_norm / total_norm.",
                 "배율이 뒤집혔습니다. max_norm / total_norm을 곱하세요."),
    "sum_of_norms": ("total_norm is the sum of the tensors' norms; it is the norm of all entries together, "
                     "sqrt(sum of the squared norms).",
                     "total_norm이 텐서별 노름의 합입니다. 모든 원소를 함께 본 노름, 즉 노름 제곱의 합의 "
                     "제곱근이어야 합니다."),
    "after": ("total_norm is the norm after clipping; return the norm before.",
              "total_norm이 자른 뒤의 노름입니다. 자르기 전의 노름을 돌려주세요."),
}


DIVIDE = ("dividing by a total norm of 0 gives NaN: rescale only when total_norm > max_norm.",
          "노름 0으로 나누면 NaN이 됩니다. total_norm > max_norm일 때만 배율을 곱하세요.")
WHAT = ("dicts, lists and tuples of float32 and float64 arrays of mixed shapes, norms above and below "
        "max_norm, all-zero gradients, compared with the reference",
        "여러 모양의 float32·float64 배열을 담은 dict, list, tuple, max_norm보다 큰 노름과 작은 노름, "
        "모두 0인 기울기, 참조 구현과 비교")


def _hints(index, name):
    mk = (lambda c, mode: _wrong(c, mode)[1]) if index is None else \
        (lambda c, mode: _wrong(c, mode)[0][index])
    hints = [(lambda c, mode=mode: mk(c, mode), text) for mode, text in MISTAKES.items()]
    return {name: hints + [(None, DIVIDE)]}


def _grade(fn, lang):
    for case in CASES:
        args = case.copies()
        out = unpack(call(fn, [args["grads"], args["max_norm"]], ["grads", "max_norm"], case, lang),
                     ["clipped", "total_norm"], case, lang)
        ref, ref_total = clip_grad_norm(*case.copies().values())
        clipped, where = out[0], case.label(lang)
        if type(clipped) is not type(ref):
            raise Failed(say(lang, "container", name="clipped", want=type(ref).__name__,
                             got=type(clipped).__name__, case=where))
        if len(clipped) != len(ref) or (isinstance(ref, dict) and list(clipped) != list(ref)):
            got = list(clipped) if isinstance(clipped, dict) else f"{len(clipped)}"
            want = list(ref) if isinstance(ref, dict) else f"{len(ref)}"
            raise Failed(say(lang, "keys", name="clipped", want=want, got=got, case=where))
        for k, (key, r) in enumerate(_items(ref)):
            name = f"clipped[{key!r}]"
            compare([name], [clipped[key]], [r], case, lang, _hints(k, name), dict(case.inputs))
        compare(["total_norm"], [out[1]], [ref_total], case, lang, _hints(None, "total_norm"),
                dict(case.inputs), scalars=("total_norm",))
    return CASES, False


CASES = cases()


def check_clip_grad_norm(fn, lang="en"):
    """Check the reader's ``fn(grads, max_norm) -> clipped, total_norm`` (chapter 04).

    Cases: dicts, lists and tuples of arrays of mixed shapes, float32 and float64, a
    joint norm above and below ``max_norm``, all-zero gradients, one tensor that
    dominates the norm.

    Returns
    -------
    True when ``fn`` is right on every case, else False (the printed verdict says why)
    """
    check_callable("fn", fn)
    return run("clip_grad_norm", lang, lambda: _grade(fn, lang), WHAT)


__all__ = ["check_clip_grad_norm"]
