"""The sequence-loss and clipping checks accept the reference and reject typical mistakes."""
import numpy as np
import pytest

from catalogue import assert_accepted, assert_rejected
from rnnkit import scratch
from rnnkit.exercises import check_clip_grad_norm, check_temporal_softmax_loss


# ---------------------------------------------------------------- temporal_softmax_loss
def loss(divide="N", use_mask=True, shift=True, minus_one=True, mask_grad=True, per_position=False,
         log_of_p=False):
    """A softmax loss with its pieces replaceable, to build the wrong ones."""
    def fn(scores, y, mask=None):
        N, T, V = scores.shape
        m = np.ones((N, T), dtype=scores.dtype) if mask is None or not use_mask else mask.astype(scores.dtype)
        s = scores - scores.max(axis=2, keepdims=True) if shift else scores
        e = np.exp(s)
        p = e / e.sum(axis=2, keepdims=True)
        n, t = np.indices((N, T))
        by = {"N": N, "NT": N * T, "count": m.sum()}[divide]
        log_p = np.log(p) if log_of_p else s - np.log(e.sum(axis=2, keepdims=True))
        losses = -log_p[n, t, y] * m
        d = p.copy()
        if minus_one:
            d[n, t, y] -= 1
        d = d * (m[:, :, None] if mask_grad else 1) / by
        return (losses / by if per_position else losses.sum() / by), d
    return fn


def loss_needs_mask(scores, y, mask):
    return scratch.temporal_softmax_loss(scores, y, mask)


LOSS_MISTAKES = [
    (loss(divide="NT"), "averaged over T as well as N"),
    (loss(divide="count"), "divided by the number of unmasked positions"),
    (loss(use_mask=False), "ignores the mask"),
    (loss(shift=False), "loss is not finite: with large scores np.exp overflows"),
    (loss(log_of_p=True), "use the log-softmax"),
    (loss(minus_one=False), "dscores is the softmax p alone"),
    (loss(mask_grad=False), "dscores is not masked"),
    (loss(per_position=True), "loss should be a single number"),
    (loss_needs_mask, "raised TypeError"),
]


def test_loss_accepts_the_reference_and_a_plain_version():
    assert_accepted(check_temporal_softmax_loss, scratch.temporal_softmax_loss)
    assert_accepted(check_temporal_softmax_loss, loss())


@pytest.mark.parametrize("fn, expected", LOSS_MISTAKES, ids=[e for _, e in LOSS_MISTAKES])
def test_loss_rejects(fn, expected):
    assert_rejected(check_temporal_softmax_loss, fn, expected)


def test_loss_gradient_must_match_the_readers_own_loss():
    ref = scratch.temporal_softmax_loss

    def inconsistent(scores, y, mask=None):      # right loss, dscores off by a tiny shift
        value, d = ref(scores, y, mask)
        return value, d + d.dtype.type(1e-3) * (d != 0)
    assert_rejected(check_temporal_softmax_loss, inconsistent, "dscores is wrong")


# ---------------------------------------------------------------- clip_grad_norm
def _items(grads):
    return list(grads.items()) if isinstance(grads, dict) else list(enumerate(grads))


def _rebuild(grads, arrays):
    return dict(zip(grads, arrays)) if isinstance(grads, dict) else type(grads)(arrays)


def clip(mode="joint"):
    """Clipping with its pieces replaceable, to build the wrong ones."""
    def fn(grads, max_norm):
        arrays = [g for _, g in _items(grads)]
        total = float(np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in arrays)))
        if mode == "each":
            out = [g * min(1.0, max_norm / float(np.linalg.norm(g))) if np.linalg.norm(g) > 0 else g for g in arrays]
        elif mode == "values":
            out = [np.clip(g, -max_norm, max_norm) for g in arrays]
        elif mode == "always":
            out = [g * (max_norm / total) if total > 0 else g for g in arrays]
        elif mode == "sum_of_norms":
            total = sum(float(np.linalg.norm(g)) for g in arrays)
            out = [g * (max_norm / total) if total > max_norm else g for g in arrays]
        else:
            out = [g * (max_norm / total) if total > max_norm else g for g in arrays]
        if mode == "after":
            total = min(total, max_norm)
        if mode == "list":
            return list(out), total
        return _rebuild(grads, out), total
    return fn


def clip_in_place(grads, max_norm):
    total = float(np.sqrt(sum(float((g ** 2).sum()) for _, g in _items(grads))))
    if total > max_norm:
        for _, g in _items(grads):
            g *= max_norm / total
    return grads, total


def clip_float64(grads, max_norm):
    clipped, total = scratch.clip_grad_norm(grads, max_norm)
    return _rebuild(clipped, [g.astype(np.float64) for _, g in _items(clipped)]), total


CLIP_MISTAKES = [
    (clip("each"), "each tensor is clipped by its own norm"),
    (clip("values"), "the entries are clipped one by one"),
    (clip("always"), "rescaled even when their norm is below max_norm"),
    (clip("sum_of_norms"), "the sum of the tensors' norms"),
    (clip("after"), "total_norm is the norm after clipping"),
    (clip("list"), "clipped should be a dict like the grads you were given"),
    (clip_in_place, "changed its input grads['Wx'] in place"),
    (clip_float64, "has dtype float64, but the inputs are float32"),
]


def test_clip_accepts_the_reference_and_a_plain_version():
    assert_accepted(check_clip_grad_norm, scratch.clip_grad_norm)
    with np.errstate(divide="ignore", invalid="ignore"):
        assert_accepted(check_clip_grad_norm, clip())


@pytest.mark.parametrize("fn, expected", CLIP_MISTAKES, ids=[e for _, e in CLIP_MISTAKES])
def test_clip_rejects(fn, expected):
    with np.errstate(divide="ignore", invalid="ignore"):
        assert_rejected(check_clip_grad_norm, fn, expected)
