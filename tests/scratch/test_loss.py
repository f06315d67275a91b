"""temporal_softmax_loss: summed over time and unmasked positions, averaged over the batch (numpy only)."""
import math

import numpy as np
import pytest

from helpers import RandomArrays, loss_inputs as inputs, scaled_error
from rnnkit.analysis.gradcheck import check_layer, richardson_gradient
from rnnkit.scratch import rel_error, temporal_softmax_loss

SHAPES = [(1, 1, 1), (1, 1, 2), (2, 3, 4), (3, 5, 7)]   # (N, T, V)
IDS = ["N{}T{}V{}".format(*s) for s in SHAPES]
MASKS = ["none", "bool", "int01", "float01"]     # the mask kinds of helpers.loss_inputs


def per_element(scores, y, mask):
    """The definition, one position at a time, with the math module."""
    N, T, V = scores.shape
    loss, dscores = 0.0, np.zeros_like(scores)
    for n in range(N):
        for t in range(T):
            if mask is not None and not mask[n, t]:
                continue
            z = sum(math.exp(s) for s in scores[n, t])
            loss -= math.log(math.exp(scores[n, t, y[n, t]]) / z) / N
            for v in range(V):
                dscores[n, t, v] = (math.exp(scores[n, t, v]) / z - (v == y[n, t])) / N
    return loss, dscores


@pytest.mark.parametrize("mask_kind", MASKS)
@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_matches_the_per_element_definition(shape, mask_kind):
    scores, y, mask = inputs(*shape, mask_kind)
    loss, dscores = temporal_softmax_loss(scores, y, mask)
    ref_loss, ref_dscores = per_element(scores, y, mask)
    assert np.ndim(loss) == 0 and dscores.shape == scores.shape and dscores.dtype == np.float64
    assert abs(loss - ref_loss) <= 1e-13 * max(1.0, abs(ref_loss))
    assert rel_error(dscores, ref_dscores) < 1e-12


@pytest.mark.parametrize("mask_kind", ["none", "bool"])
@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_numeric_gradient(shape, mask_kind):
    scores, y, mask = inputs(*shape, mask_kind)
    _, dscores = temporal_softmax_loss(scores, y, mask)
    num = richardson_gradient(lambda s: temporal_softmax_loss(s, y, mask)[0], scores)
    assert rel_error(dscores, num) < 1e-8


@pytest.mark.parametrize("seed", [0, 1])
def test_the_chapters_gradient_check(seed):
    assert check_layer("temporal_softmax_loss", seed=seed)["max_error"] < 1e-8


def test_uniform_scores_give_T_log_V():
    loss, dscores = temporal_softmax_loss(np.zeros((4, 3, 10)), np.zeros((4, 3), dtype=int))
    assert loss == pytest.approx(3 * math.log(10), rel=1e-15)
    assert np.allclose(dscores[..., 0], (0.1 - 1) / 4) and np.allclose(dscores[..., 1:], 0.1 / 4)


def test_loss_is_averaged_over_the_batch_not_over_unmasked_positions():
    scores, y, _ = inputs(2, 3, 5, "none")
    full, _ = temporal_softmax_loss(scores, y)
    per_sequence = [temporal_softmax_loss(scores[n:n + 1], y[n:n + 1])[0] for n in range(2)]
    assert full == pytest.approx(sum(per_sequence) / 2, rel=1e-14)
    mask = np.array([[1, 1, 1], [1, 0, 0]], dtype=bool)
    masked, _ = temporal_softmax_loss(scores, y, mask)
    first_of_second = temporal_softmax_loss(scores[1:, :1], y[1:, :1])[0]
    assert masked == pytest.approx((per_sequence[0] + first_of_second) / 2, rel=1e-14)


def test_masked_positions_contribute_nothing():
    scores, y, mask = inputs(3, 5, 7, "bool")
    loss, dscores = temporal_softmax_loss(scores, y, mask)
    assert np.all(dscores[~mask] == 0)
    assert np.all(np.abs(dscores[mask]).sum(axis=-1) > 0)
    # Whatever sits at masked positions (scores, targets) does not change the result.
    scores2, y2 = scores.copy(), y.copy()
    scores2[~mask] = RandomArrays(5).randn(int((~mask).sum()), 7, scale=50)
    y2[~mask] = (y2[~mask] + 1) % 7
    loss2, dscores2 = temporal_softmax_loss(scores2, y2, mask)
    assert loss2 == loss and np.array_equal(dscores2, dscores)


def test_all_masked_gives_zero():
    scores, y, _ = inputs(2, 3, 4)
    loss, dscores = temporal_softmax_loss(scores, y, np.zeros((2, 3), dtype=bool))
    assert loss == 0 and np.all(dscores == 0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_large_scores_do_not_overflow(dtype):
    # exp(1000) overflows float64 (exp(89) overflows float32): only a stable log-softmax survives.
    scores, y, mask = inputs(2, 3, 5)
    ref, dref = temporal_softmax_loss(scores, y, mask)
    loss, dscores = temporal_softmax_loss((scores + 1000).astype(dtype), y, mask)
    assert np.isfinite(loss) and np.isfinite(dscores).all()
    assert abs(loss - ref) < (1e-9 if dtype == np.float64 else 1e-3)
    huge = np.array([[[0.0, 1e4]]], dtype=dtype)   # the target's probability is e^-10000: loss 1e4
    assert temporal_softmax_loss(huge, np.array([[0]]))[0] == pytest.approx(1e4)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_float32(shape):
    scores, y, mask = inputs(*shape)
    loss64, d64 = temporal_softmax_loss(scores, y, mask)
    loss32, d32 = temporal_softmax_loss(scores.astype(np.float32), y, mask)
    assert loss32.dtype == np.float32 and d32.dtype == np.float32
    assert abs(loss32 - loss64) <= 1e-5 * max(1.0, abs(loss64))
    assert scaled_error(d32, d64) < 1e-5


def test_rejects_bad_arguments():
    scores, y, mask = inputs(2, 3, 7)
    cases = [
        ((scores[0], y, mask), r"scores must be a 3-D array of shape \(N, T, V\)"),
        ((scores * np.nan, y, mask), r"scores contains NaN or infinity"),
        ((scores.astype(np.int64), y, mask), r"scores must be a float32 or float64 array"),
        ((scores, y[:, :2], mask), r"y must have shape \(N, T\) = \(2, 3\), got \(2, 2\)"),
        ((scores, y[0], mask), r"y must be a 2-D array of shape \(N, T\)"),
        ((scores, y.astype(float), mask), r"y must be an integer array"),
        ((scores, y + 7, mask), r"y must hold indices in \[0, V = 7\), got values in"),
        ((scores, y - 7, mask), r"y must hold indices in \[0, V = 7\)"),
        ((scores, y, mask[:1]), r"mask must have shape \(N, T\) = \(2, 3\), got \(1, 3\)"),
        ((scores, y, mask[0]), r"mask must be a 2-D array of shape \(N, T\)"),
        ((scores, y, 2 * mask.astype(int)), r"mask must be a bool array or hold only 0 and 1"),
        ((scores, y, np.full((2, 3), 0.5)), r"mask must be a bool array or hold only 0 and 1"),
        ((scores, y, mask.tolist()), r"mask must be None or a numpy array of shape \(N, T\)"),
    ]
    for args, match in cases:
        with pytest.raises(ValueError, match=match):
            temporal_softmax_loss(*args)
