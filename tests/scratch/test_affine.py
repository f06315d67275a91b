"""Temporal affine layer: temporal_affine_forward / temporal_affine_backward (numpy only)."""
import numpy as np
import pytest

from helpers import RandomArrays, assert_below, compare_float32
from rnnkit.analysis.gradcheck import check_layer
from rnnkit.scratch import rel_error, temporal_affine_backward, temporal_affine_forward

SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 5, 6, 2)]   # (N, T, H, M)
IDS = ["N{}T{}H{}M{}".format(*s) for s in SHAPES]


def inputs(N, T, H, M, seed=0):
    r = RandomArrays(seed)
    return dict(h=r.randn(N, T, H), W=r.randn(H, M), b=r.randn(M))


def test_forward_applies_the_same_affine_map_at_every_step():
    a = inputs(2, 4, 3, 5)
    out, _ = temporal_affine_forward(**a)
    assert out.shape == (2, 4, 5) and out.dtype == np.float64
    for t in range(4):
        assert rel_error(out[:, t], a["h"][:, t] @ a["W"] + a["b"]) < 1e-14


def test_backward_sums_the_weight_gradients_over_steps():
    a = inputs(2, 4, 3, 5)
    dout = RandomArrays(1).randn(2, 4, 5)
    dh, dW, db = temporal_affine_backward(dout, temporal_affine_forward(**a)[1])
    for t in range(4):
        assert rel_error(dh[:, t], dout[:, t] @ a["W"].T) < 1e-14
    assert rel_error(dW, sum(a["h"][:, t].T @ dout[:, t] for t in range(4))) < 1e-13
    assert rel_error(db, dout.sum(axis=(0, 1))) < 1e-14


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_numeric_gradients(shape, seed):
    N, T, H, M = shape
    r = check_layer("temporal_affine", seed=seed, N=N, T=T, H=H, V=M)
    assert set(r["errors"]) == {"h", "W", "b"}
    assert_below(r["errors"], 1e-8)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_float32(shape):
    assert_below(compare_float32(temporal_affine_forward, temporal_affine_backward, inputs(*shape)), 1e-5)


def test_rejects_bad_forward_arguments():
    a = inputs(2, 3, 4, 5)
    cases = [
        (dict(h=a["h"][0]), r"h must be a 3-D array of shape \(N, T, H\)"),
        (dict(W=np.zeros((3, 5))), r"W must have shape \(H, M\) = \(4, 5\), got \(3, 5\)"),
        (dict(W=np.zeros(4)), r"W must be a 2-D array of shape \(H, M\)"),
        (dict(b=np.zeros(4)), r"b must have shape \(M\) = \(5,\), got \(4,\)"),
        (dict(b=np.full(5, np.nan)), r"b contains NaN or infinity"),
        (dict(h=a["h"] * np.inf), r"h contains NaN or infinity"),
        (dict(W=a["W"].astype(np.float32)), r"W has dtype float32 but the other inputs are float64"),
        (dict(h=a["h"].astype(np.float16)), r"h must be a float32 or float64 array"),
    ]
    for override, match in cases:
        with pytest.raises(ValueError, match=match):
            temporal_affine_forward(**(a | override))


def test_rejects_bad_backward_arguments():
    out, cache = temporal_affine_forward(**inputs(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"dout must have shape \(N, T, M\) = \(2, 3, 5\), got \(2, 3, 4\)"):
        temporal_affine_backward(np.ones((2, 3, 4)), cache)
    with pytest.raises(ValueError, match=r"dout must be a 3-D array"):
        temporal_affine_backward(np.ones((6, 5)), cache)
    with pytest.raises(ValueError, match=r"dout contains NaN"):
        temporal_affine_backward(out * np.nan, cache)
    with pytest.raises(ValueError, match=r"dout has dtype float32"):
        temporal_affine_backward(out.astype(np.float32), cache)
    for wrong in [None, ("embedding",) + cache[1:], []]:
        with pytest.raises(ValueError, match=r"cache must be the cache returned by the matching temporal_affine"):
            temporal_affine_backward(out, wrong)
