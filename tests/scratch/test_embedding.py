"""Embedding lookup: embedding_forward / embedding_backward (numpy only)."""
import numpy as np
import pytest

from helpers import RandomArrays, assert_below, compare_float32
from rnnkit.analysis.gradcheck import check_layer
from rnnkit.scratch import embedding_backward, embedding_forward, rel_error

SHAPES = [(1, 1, 1, 1), (2, 3, 5, 4), (4, 2, 3, 6)]   # (N, T, V, D)
IDS = ["N{}T{}V{}D{}".format(*s) for s in SHAPES]


def inputs(N, T, V, D, seed=0):
    r = RandomArrays(seed)
    return dict(idx=r.ints(V, N, T), W=r.randn(V, D))


def test_forward_is_a_row_lookup_and_a_one_hot_product():
    a = inputs(3, 4, 6, 5)
    out, _ = embedding_forward(**a)
    assert out.shape == (3, 4, 5) and out.dtype == np.float64
    for n in range(3):
        for t in range(4):
            assert np.array_equal(out[n, t], a["W"][a["idx"][n, t]])
    one_hot = np.eye(6)[a["idx"]]                      # (N, T, V)
    assert rel_error(out, one_hot @ a["W"]) < 1e-15


def test_backward_accumulates_repeated_indices():
    W = RandomArrays(0).randn(4, 3)
    idx = np.array([[1, 1, 3], [1, 0, 1]])           # row 1 used four times, row 2 never
    dout = RandomArrays(1).randn(2, 3, 3)
    dW = embedding_backward(dout, embedding_forward(idx, W)[1])
    assert dW.shape == (4, 3) and dW.dtype == np.float64
    assert rel_error(dW[1], dout[0, 0] + dout[0, 1] + dout[1, 0] + dout[1, 2]) < 1e-15
    assert rel_error(dW[0], dout[1, 1]) == 0 and rel_error(dW[3], dout[0, 2]) == 0
    assert np.all(dW[2] == 0)
    one_hot = np.eye(4)[idx].reshape(6, 4)
    assert rel_error(dW, one_hot.T @ dout.reshape(6, 3)) < 1e-15
    # The tempting dW[idx] += dout keeps only one write per repeated row: a different answer.
    naive = np.zeros_like(W)
    naive[idx] += dout
    assert not np.allclose(naive[1], dW[1])


def test_works_with_int32_indices():
    a = inputs(2, 3, 5, 4)
    out64, _ = embedding_forward(**a)
    out32, cache = embedding_forward(a["idx"].astype(np.int32), a["W"])
    assert np.array_equal(out32, out64)
    assert embedding_backward(np.ones_like(out32), cache).shape == (5, 4)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("shape", [(1, 1, 2, 1), (2, 3, 5, 4), (4, 2, 3, 6)], ids=str)
def test_numeric_gradient(shape, seed):
    # check_layer repeats index 1 on purpose (its gradients must add up), so V >= 2.
    N, T, V, D = shape
    r = check_layer("embedding", seed=seed, N=N, T=T, D=D, V=V)
    assert set(r["errors"]) == {"W"}
    assert_below(r["errors"], 1e-8)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_float32(shape):
    errors = compare_float32(embedding_forward, embedding_backward, inputs(*shape))
    assert_below(errors, 1e-5)


def test_rejects_bad_forward_arguments():
    a = inputs(2, 3, 5, 4)
    with pytest.raises(ValueError, match=r"idx must hold indices in \[0, V = 5\), got values in \[0, 5\]"):
        embedding_forward(np.array([[0, 5, 1]]), a["W"])
    with pytest.raises(ValueError, match=r"idx must hold indices in \[0, V = 5\), got values in \[-1, 2\]"):
        embedding_forward(np.array([[2, -1]]), a["W"])
    with pytest.raises(ValueError, match=r"idx must be an integer array of indices, got dtype float64"):
        embedding_forward(a["idx"].astype(float), a["W"])
    with pytest.raises(ValueError, match=r"idx must be a 2-D array of shape \(N, T\)"):
        embedding_forward(a["idx"][0], a["W"])
    with pytest.raises(ValueError, match=r"idx must be a numpy integer array"):
        embedding_forward([[0, 1]], a["W"])
    with pytest.raises(ValueError, match=r"W must be a 2-D array of shape \(V, D\)"):
        embedding_forward(a["idx"], a["W"][0])
    W = a["W"].copy()
    W[4, 0] = np.nan
    with pytest.raises(ValueError, match=r"W contains NaN or infinity"):
        embedding_forward(a["idx"], W)


def test_rejects_bad_backward_arguments():
    a = inputs(2, 3, 5, 4)
    out, cache = embedding_forward(**a)
    with pytest.raises(ValueError, match=r"dout must have shape \(N, T, D\) = \(2, 3, 4\), got \(2, 3, 5\)"):
        embedding_backward(np.ones((2, 3, 5)), cache)
    with pytest.raises(ValueError, match=r"dout must be a 3-D array"):
        embedding_backward(np.ones((6, 4)), cache)
    with pytest.raises(ValueError, match=r"dout has dtype float32"):
        embedding_backward(out.astype(np.float32), cache)
    with pytest.raises(ValueError, match=r"dout contains NaN"):
        embedding_backward(out * np.inf, cache)
    for wrong in [None, ("rnn", cache[1]), ()]:
        with pytest.raises(ValueError, match=r"cache must be the cache returned by the matching embedding forward"):
            embedding_backward(out, wrong)
