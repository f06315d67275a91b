"""The attention check accepts the reference and a torch-free rewrite, and rejects typical mistakes."""
import numpy as np
import pytest

from catalogue import assert_accepted, assert_rejected
from rnnkit.exercises import check_attention
from rnnkit.exercises.attention import reference


def attention(axis=1, mask_mode="inf", shift=True, tanh=True, bias=True, swap=False):
    """Additive attention with its pieces replaceable, to build the wrong ones."""
    def fn(query, enc, mask, Wq, Wk, bk, v):
        pre = (query @ Wq)[:, None, :] + enc @ Wk + (bk if bias else 0)
        e = (np.tanh(pre) if tanh else pre) @ v
        if mask_mode == "inf":
            e = np.where(mask, e, -np.inf)
        elif mask_mode == "zero":
            e = np.where(mask, e, 0)
        w = np.exp(e - e.max(axis=axis, keepdims=True) if shift else e)
        w = w / w.sum(axis=axis, keepdims=True)
        if mask_mode == "after":
            w = w * mask
        context = np.einsum("ns,nsh->nh", w, enc)
        return (context, w) if swap else (w, context)
    return fn


def context_from_query(query, enc, mask, Wq, Wk, bk, v):
    w, context = reference(query, enc, mask, Wq, Wk, bk, v)
    return w, query * w.sum(axis=1, keepdims=True)


ATTENTION_MISTAKES = [
    (attention(axis=0), "the softmax runs over the batch"),
    (attention(mask_mode="none"), "the mask is ignored"),
    (attention(mask_mode="zero"), "padded scores are set to 0"),
    (attention(mask_mode="after"), "masked after the softmax"),
    (attention(shift=False), "overflowed"),
    (attention(tanh=False), "the tanh is missing"),
    (attention(bias=False), "the bias bk is missing"),
    (attention(swap=True), "weights has shape"),
    (context_from_query, "context is wrong"),
]


def test_attention_accepts_the_reference_and_a_rewrite():
    assert_accepted(check_attention, reference)
    assert_accepted(check_attention, attention())


@pytest.mark.parametrize("fn, expected", ATTENTION_MISTAKES, ids=[e for _, e in ATTENTION_MISTAKES])
def test_attention_rejects(fn, expected):
    with np.errstate(over="ignore", invalid="ignore"):
        assert_rejected(check_attention, fn, expected)
