"""The linear recurrence and minGRU: sequential and parallel scans agree, gradients check,
torch agrees, the log-space form survives lengths where the products underflow."""
from __future__ import annotations

import numpy as np
import pytest

from rnnkit.analysis.gradcheck import richardson_gradient
from rnnkit.scratch import (linear_scan_backward, linear_scan_forward, log_space_scan, min_gru_backward,
                            min_gru_forward, prefix_scan, rel_error)
from rnnkit.scratch.scan import combine

SIZES = [(1, 1, 1), (2, 5, 3), (3, 8, 2), (2, 13, 4)]        # (N, T, H): T = 13 is not a power of two


def _inputs(N, T, H, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1.2, 1.2, (N, T, H)).astype(dtype)          # some |a| > 1: growth as well as decay
    return a, rng.standard_normal((N, T, H)).astype(dtype), rng.standard_normal((N, H)).astype(dtype)


def test_combine_is_associative_and_means_first_then_second():
    rng = np.random.default_rng(1)
    p, q, r = [(rng.standard_normal(4), rng.standard_normal(4)) for _ in range(3)]
    left, right = combine(combine(p, q), r), combine(p, combine(q, r))
    np.testing.assert_allclose(left, right, rtol=1e-12)
    h = rng.standard_normal(4)
    a, b = combine(p, q)
    np.testing.assert_allclose(a * h + b, q[0] * (p[0] * h + p[1]) + q[1], rtol=1e-12)


@pytest.mark.parametrize("N,T,H", SIZES)
def test_parallel_scan_agrees_with_the_loop(N, T, H):
    a, b, h0 = _inputs(N, T, H)
    h_seq, _ = linear_scan_forward(a, b, h0, method="sequential")
    h_par, _ = linear_scan_forward(a, b, h0, method="parallel")
    assert h_seq.shape == (N, T, H)
    assert rel_error(h_par, h_seq) < 1e-12
    expected = h0.copy()                                          # written out, one step at a time
    for t in range(T):
        expected = a[:, t] * expected + b[:, t]
    np.testing.assert_allclose(h_seq[:, -1], expected, rtol=1e-12)
    A, B = prefix_scan(a, b)
    np.testing.assert_allclose(A[:, -1], a.prod(axis=1), rtol=1e-12)
    np.testing.assert_allclose(A * h0[:, None] + B, h_seq, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("method", ["sequential", "parallel"])
@pytest.mark.parametrize("N,T,H", SIZES)
def test_scan_gradients_match_numerical_ones(N, T, H, method):
    a, b, h0 = _inputs(N, T, H, seed=2)
    dh = np.random.default_rng(3).standard_normal((N, T, H))
    _, cache = linear_scan_forward(a, b, h0, method=method)
    da, db, dh0 = linear_scan_backward(dh, cache)

    def loss(a_, b_, h0_):
        return float((linear_scan_forward(a_, b_, h0_, method=method)[0] * dh).sum())
    assert rel_error(da, richardson_gradient(lambda v: loss(v, b, h0), a.copy())) < 1e-7
    assert rel_error(db, richardson_gradient(lambda v: loss(a, v, h0), b.copy())) < 1e-7
    assert rel_error(dh0, richardson_gradient(lambda v: loss(a, b, v), h0.copy())) < 1e-7


def test_a_wrong_backward_recurrence_is_caught():
    """The check can fail: the reversed scan without its shift (a_t instead of a_{t+1})."""
    a, b, h0 = _inputs(2, 6, 3, seed=4)
    dh = np.random.default_rng(5).standard_normal(a.shape)
    _, cache = linear_scan_forward(a, b, h0)
    g = np.zeros_like(dh)
    nxt = np.zeros_like(h0)
    for t in reversed(range(a.shape[1])):
        nxt = dh[:, t] + a[:, t] * nxt                              # wrong coefficient
        g[:, t] = nxt
    num = richardson_gradient(lambda v: float((linear_scan_forward(a, v, h0)[0] * dh).sum()), b.copy())
    assert rel_error(linear_scan_backward(dh, cache)[1], num) < 1e-7
    assert rel_error(g, num) > 1e-2


def test_scan_agrees_with_torch_autograd():
    torch = pytest.importorskip("torch")
    a, b, h0 = _inputs(2, 9, 3, seed=6)
    dh = np.random.default_rng(7).standard_normal(a.shape)
    ta, tb, th0 = (torch.tensor(v, requires_grad=True) for v in (a, b, h0))
    h, states = th0, []
    for t in range(a.shape[1]):
        h = ta[:, t] * h + tb[:, t]
        states.append(h)
    torch.stack(states, 1).backward(torch.tensor(dh))
    ours, cache = linear_scan_forward(a, b, h0, method="parallel")
    assert rel_error(ours, torch.stack(states, 1).detach().numpy()) < 1e-12
    for mine, theirs in zip(linear_scan_backward(dh, cache), (ta.grad, tb.grad, th0.grad)):
        assert rel_error(mine, theirs.numpy()) < 1e-12


def test_float32_runs_in_float32_and_agrees():
    a, b, h0 = _inputs(2, 16, 3, seed=8)
    h64, _ = linear_scan_forward(a, b, h0, method="parallel")
    h32, cache = linear_scan_forward(*(v.astype(np.float32) for v in (a, b, h0)), method="parallel")
    assert h32.dtype == np.float32 and rel_error(h32, h64) < 1e-4
    assert all(g.dtype == np.float32 for g in linear_scan_backward(np.ones_like(h32), cache))


def test_log_space_scan_matches_and_survives_underflow():
    rng = np.random.default_rng(9)
    a = rng.uniform(0.5, 0.99, (2, 50, 3))
    b, h0 = rng.uniform(0.1, 1.0, (2, 50, 3)), rng.uniform(0.1, 1.0, (2, 3))
    h, _ = linear_scan_forward(a, b, h0)
    np.testing.assert_allclose(np.exp(log_space_scan(np.log(a), np.log(b), np.log(h0))), h, rtol=1e-12)
    # 3,000 steps of a = 0.6: the product A_T = 0.6**3000 underflows to exactly 0 in float64
    T = 3000
    a, b = np.full((1, T, 1), 0.6), np.full((1, T, 1), 0.4)
    A, _ = prefix_scan(a, b)
    assert A[0, -1, 0] == 0.0
    log_h = log_space_scan(np.log(a), np.log(b), np.full((1, 1), -np.inf))     # h0 = 0: h_t -> 0.4 / 0.4 = 1
    np.testing.assert_allclose(np.exp(log_h[0, -1, 0]), 1.0, rtol=1e-12)
    assert np.isfinite(log_h).all()


def test_bad_inputs_name_the_argument():
    a, b, h0 = _inputs(2, 4, 3)
    with pytest.raises(ValueError, match=r"b must have shape \(N, T, H\)"):
        linear_scan_forward(a, b[:, :3], h0)
    with pytest.raises(ValueError, match=r"h0 must have shape \(N, H\)"):
        linear_scan_forward(a, b, h0[:, :2])
    with pytest.raises(ValueError, match="method must be one of"):
        linear_scan_forward(a, b, h0, method="tree")
    with pytest.raises(ValueError, match="b has dtype float32"):
        linear_scan_forward(a, b.astype(np.float32), h0)
    bad = a.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="^a contains NaN or infinity"):
        linear_scan_forward(bad, b, h0)
    _, cache = linear_scan_forward(a, b, h0)
    with pytest.raises(ValueError, match=r"dh must have shape"):
        linear_scan_backward(np.ones((2, 5, 3)), cache)
    with pytest.raises(ValueError, match="cache must be the cache returned by the matching linear_scan"):
        linear_scan_backward(np.ones_like(a), ("min_gru",))
    with pytest.raises(ValueError, match="log_h0 must hold finite values or -inf"):
        log_space_scan(a, b, np.full((2, 3), np.inf))


def _min_gru_inputs(N, T, D, H, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, T, D)), rng.standard_normal((N, H)),
            rng.standard_normal((D, 2 * H)) * 0.5, rng.standard_normal(2 * H) * 0.5)


@pytest.mark.parametrize("N,T,D,H", [(1, 1, 1, 1), (2, 5, 4, 3), (3, 7, 2, 2)])
def test_min_gru_gradients_and_methods(N, T, D, H):
    x, h0, Wx, b = _min_gru_inputs(N, T, D, H, seed=10)
    dh = np.random.default_rng(11).standard_normal((N, T, H))
    h_par, cache = min_gru_forward(x, h0, Wx, b)
    h_seq, _ = min_gru_forward(x, h0, Wx, b, method="sequential")
    assert h_par.shape == (N, T, H) and rel_error(h_par, h_seq) < 1e-12
    grads = min_gru_backward(dh, cache)
    args = [x, h0, Wx, b]
    for k, g in enumerate(grads):
        def loss(v, k=k):
            trial = list(args)
            trial[k] = v
            return float((min_gru_forward(*trial)[0] * dh).sum())
        assert g.shape == args[k].shape
        assert rel_error(g, richardson_gradient(loss, args[k].copy())) < 1e-7, k


def test_min_gru_is_the_papers_recurrence_and_agrees_with_torch():
    torch = pytest.importorskip("torch")
    x, h0, Wx, b = _min_gru_inputs(2, 6, 3, 4, seed=12)
    dh = np.random.default_rng(13).standard_normal((2, 6, 4))
    tx, th0, tW, tb = (torch.tensor(v, requires_grad=True) for v in (x, h0, Wx, b))
    H, h, states = 4, th0, []
    for t in range(6):
        u = tx[:, t] @ tW + tb
        z = torch.sigmoid(u[:, :H])
        h = (1 - z) * h + z * u[:, H:]               # z = 1 takes the candidate
        states.append(h)
    torch.stack(states, 1).backward(torch.tensor(dh))
    ours, cache = min_gru_forward(x, h0, Wx, b)
    assert rel_error(ours, torch.stack(states, 1).detach().numpy()) < 1e-12
    for mine, theirs in zip(min_gru_backward(dh, cache), (tx.grad, th0.grad, tW.grad, tb.grad)):
        assert rel_error(mine, theirs.numpy()) < 1e-10


def test_min_gru_blames_the_wrong_argument():
    x, h0, Wx, b = _min_gru_inputs(2, 3, 4, 5)
    with pytest.raises(ValueError, match=r"Wx must have shape \(D, 2H\)"):
        min_gru_forward(x, h0, Wx.T, b)
    with pytest.raises(ValueError, match=r"b must have shape \(2H\) = \(10,\)"):
        min_gru_forward(x, h0, Wx, b[:5])
    with pytest.raises(ValueError, match=r"h0 must have shape \(N, H\)"):
        min_gru_forward(x, h0[:1], Wx, b)
