"""Check of additive attention over the encoder positions, one decoder step (chapter 06).

The reader writes ``attention(query, enc, mask, Wq, Wk, bk, v) -> weights, context``, the
additive (Bahdanau) attention of :class:`rnnkit.models.seq2seq.AdditiveAttention` for one
decoder state, in numpy and in the row layout:

    e_j     = tanh(query @ Wq + enc_j @ Wk + bk) @ v        score of encoder position j
    weights = softmax over j of e, only over positions with mask True (exactly 0 elsewhere)
    context = sum_j weights_j * enc_j

Shapes: query (N, H) the decoder state s_t; enc (N, S, H) the encoder states; mask (N, S)
bool, True on real source positions (each row has at least one); Wq (H, A), Wk (H, A),
bk (A,), v (A,). Returns weights (N, S) and context (N, H), in the inputs' dtype. (The
torch module's parameters map as ``Wq = W_q.weight.T``, ``Wk = W_k.weight.T``,
``bk = W_k.bias``, ``v = v.weight[0]``.)
"""
from __future__ import annotations

import numpy as np

from .grading import Case, random_arrays, run
from .layers import Spec, check_callable, grade_forward

# (N, S, H, A), dtype, v scale (a large one makes the scores large)
SIZES = [((2, 4, 3, 5), np.float64, 1.0), ((1, 3, 2, 2), np.float64, 1.0), ((3, 1, 4, 3), np.float64, 1.0),
         ((2, 5, 1, 1), np.float32, 1.0), ((3, 6, 3, 4), np.float32, 100.0), ((4, 5, 2, 3), np.float64, 2.0)]
LARGE = ("large scores", "큰 점수")


def reference(query, enc, mask, Wq, Wk, bk, v):
    """The reference computation (numpy); returns ``weights, context``."""
    e = np.tanh((query @ Wq)[:, None, :] + enc @ Wk + bk) @ v          # (N, S)
    e = np.where(mask, e, -np.inf)
    w = np.exp(e - e.max(axis=1, keepdims=True))                        # exp(-inf) = 0 on padding
    w /= w.sum(axis=1, keepdims=True)
    return w, (w[:, :, None] * enc).sum(axis=1)


def cases(seed=70):
    """query (N, H), enc (N, S, H) (zero on padding), mask (N, S), Wq, Wk, bk, v."""
    out = []
    for k, ((N, S, H, A), dtype, scale) in enumerate(SIZES):
        r = random_arrays(seed + k, dtype)
        lengths = r.rng.integers(1, S + 1, size=N)
        lengths[0] = S
        if N > 1 and S > 1:
            lengths[-1] = min(lengths[-1], S - 1)                       # one row with padding
        mask = np.arange(S)[None, :] < lengths[:, None]
        enc = r(N, S, H) * mask[:, :, None].astype(dtype)
        out.append(Case({"N": N, "S": S, "H": H, "A": A}, dtype,
                        dict(query=r(N, H), enc=enc, mask=mask, Wq=r(H, A, scale=0.8), Wk=r(H, A, scale=0.8),
                             bk=r(A, scale=0.5), v=r(A, scale=scale)), LARGE if scale > 10 else None))
    return out


def _variant(c, tanh=True, bias=True, mask="inf", axis=1, renorm=True, values="enc"):
    pre = (c["query"] @ c["Wq"])[:, None, :] + c["enc"] @ c["Wk"] + (c["bk"] if bias else 0)
    e = (np.tanh(pre) if tanh else pre) @ c["v"]
    if mask == "inf":
        e = np.where(c["mask"], e, -np.inf)
    elif mask == "zero":
        e = np.where(c["mask"], e, 0.0)
    w = np.exp(e - e.max(axis=axis, keepdims=True))
    w /= w.sum(axis=axis, keepdims=True)
    if mask == "after":
        w = w * c["mask"]
        if renorm:
            w /= w.sum(axis=1, keepdims=True)
    vals = c["enc"] if values == "enc" else c["enc"] @ c["Wk"]
    ctx = (w[:, :, None] * vals).sum(axis=1) if vals.shape[-1] == c["enc"].shape[-1] else None
    return w, ctx


MISTAKES = [
    (dict(axis=0), ("the softmax runs over the batch (axis 0); it runs over the encoder positions, axis 1.",
                    "소프트맥스를 배치 축(axis 0)으로 했습니다. 인코더 위치 축(axis 1)으로 해야 합니다.")),
    (dict(mask="none"), ("the mask is ignored: padded positions must get weight 0.",
                         "마스크를 무시했습니다. 패딩 자리의 가중치는 0이어야 합니다.")),
    (dict(mask="zero"), ("padded scores are set to 0, which still gives them weight; set them to -inf "
                         "(np.where(mask, e, -np.inf)) before the softmax.",
                         "패딩 자리의 점수를 0으로 두어 여전히 가중치가 생깁니다. 소프트맥스 전에 -inf로 두세요"
                         "(np.where(mask, e, -np.inf)).")),
    (dict(mask="after", renorm=False), ("the weights are masked after the softmax and no longer sum to 1; "
                                        "mask the scores before it.",
                                        "소프트맥스 뒤에 가중치를 가려 합이 1이 아닙니다. 점수를 소프트맥스 전에 가리세요.")),
    (dict(tanh=False), ("the tanh is missing: e = tanh(query @ Wq + enc @ Wk + bk) @ v.",
                        "tanh가 빠졌습니다: e = tanh(query @ Wq + enc @ Wk + bk) @ v.")),
    (dict(bias=False), ("the bias bk is missing.", "편향 bk가 빠졌습니다.")),
]
OVERFLOW = ("{} overflowed: subtract each row's maximum score before np.exp.",
            "{}에서 넘침이 일어났습니다. np.exp 전에 각 행의 최대 점수를 빼세요.")


def _hints():
    hints = {}
    for k, name in enumerate(("weights", "context")):
        hints[name] = [(None, tuple(s.format(name) for s in OVERFLOW))]
        hints[name] += [(lambda c, kw=kw, k=k: _variant(c, **kw)[k], text) for kw, text in MISTAKES]
    hints["context"].insert(0, (lambda c: (_variant(c)[0][:, :, None] * (c["enc"] @ c["Wk"])).sum(axis=1),
                                ("context is a weighted sum of enc @ Wk; it is the weighted sum of the encoder "
                                 "states themselves, sum_j weights_j * enc_j.",
                                 "context가 enc @ Wk의 가중합입니다. 인코더 상태 자체의 가중합 "
                                 "sum_j weights_j * enc_j여야 합니다.")))
    return hints


SPEC = Spec(reference, ["query", "enc", "mask", "Wq", "Wk", "bk", "v"], ["weights", "context"], cases(),
            forward_hints=_hints(), cache=False)


def check_attention(fn, lang="en"):
    """Check the reader's ``fn(query, enc, mask, Wq, Wk, bk, v) -> weights, context`` (chapter 06).

    Additive attention for one decoder step, in the row layout::

        e_j     = tanh(query @ Wq + enc_j @ Wk + bk) @ v     score of encoder position j
        weights = softmax over j of e, over the positions where mask is True (0 elsewhere)
        context = sum_j weights_j * enc_j

    query (N, H) the decoder state; enc (N, S, H) the encoder states; mask (N, S) bool,
    True on real source positions; Wq, Wk (H, A); bk, v (A,). Returns weights (N, S) and
    context (N, H) in the inputs' dtype: the attention of
    ``rnnkit.models.seq2seq.AdditiveAttention`` for one step. Cases with padding, S = 1,
    H = 1, A = 1, and large scores in float32 (a softmax without the max subtracted
    overflows).

    Returns
    -------
    True when ``fn`` is right on every case, else False (the printed verdict says why)
    """
    check_callable("fn", fn)
    return run("attention", lang, lambda: grade_forward(SPEC, fn, lang))
