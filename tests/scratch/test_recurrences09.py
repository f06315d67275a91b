"""Chapter 09's other recurrences: minLSTM, the LRU's complex diagonal recurrence and Mamba's
selective scan. Gradients check in float64, loops agree with scans, torch agrees, bad input is named."""
from __future__ import annotations

import numpy as np
import pytest

from rnnkit.analysis.gradcheck import richardson_gradient
from rnnkit.scratch import (diagonal_scan, impulse_response, lru_backward, lru_eigenvalues, lru_forward,
                            lru_ring_init, min_lstm_backward, min_lstm_forward, rel_error,
                            selective_coefficients, selective_scan)


def _min_lstm_inputs(N, T, D, H, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, T, D)), rng.standard_normal((N, H)),
            rng.standard_normal((D, 3 * H)) * 0.5, rng.standard_normal(3 * H) * 0.5)


@pytest.mark.parametrize("N,T,D,H", [(1, 1, 1, 1), (2, 5, 4, 3), (3, 9, 2, 2)])
def test_min_lstm_gradients_and_methods(N, T, D, H):
    args = list(_min_lstm_inputs(N, T, D, H, seed=1))
    dh = np.random.default_rng(2).standard_normal((N, T, H))
    h_par, cache = min_lstm_forward(*args)
    h_seq, _ = min_lstm_forward(*args, method="sequential")
    assert h_par.shape == (N, T, H) and rel_error(h_par, h_seq) < 1e-12
    for k, g in enumerate(min_lstm_backward(dh, cache)):
        def loss(v, k=k):
            trial = list(args)
            trial[k] = v
            return float((min_lstm_forward(*trial)[0] * dh).sum())
        assert g.shape == args[k].shape
        assert rel_error(g, richardson_gradient(loss, args[k].copy())) < 1e-7, k


def test_a_wrong_min_lstm_backward_is_caught():
    """Forgetting the normalization's cross term (∂a/∂i) makes the check fail."""
    x, h0, Wx, b = _min_lstm_inputs(2, 4, 3, 2, seed=3)
    dh = np.random.default_rng(4).standard_normal((2, 4, 2))
    _, cache = min_lstm_forward(x, h0, Wx, b)
    num = richardson_gradient(lambda v: float((min_lstm_forward(x, h0, Wx, v)[0] * dh).sum()), b.copy())
    good = min_lstm_backward(dh, cache)[3]
    wrong = good.copy()
    wrong[2:4] = 0                                              # the input gate's bias gradient dropped
    assert rel_error(good, num) < 1e-7 and rel_error(wrong, num) > 1e-2


def test_min_lstm_agrees_with_torch_and_the_torch_layer():
    torch = pytest.importorskip("torch")
    from rnnkit.models.minrnn import MinLayer
    x, h0, Wx, b = _min_lstm_inputs(2, 7, 3, 4, seed=5)
    dh = np.random.default_rng(6).standard_normal((2, 7, 4))
    tx, th0, tW, tb = (torch.tensor(v, requires_grad=True) for v in (x, h0, Wx, b))
    H, h, states = 4, th0, []
    for t in range(7):
        u = tx[:, t] @ tW + tb
        f, i = torch.sigmoid(u[:, :H]), torch.sigmoid(u[:, H:2 * H])
        h = f / (f + i) * h + i / (f + i) * u[:, 2 * H:]
        states.append(h)
    torch.stack(states, 1).backward(torch.tensor(dh))
    ours, cache = min_lstm_forward(x, h0, Wx, b)
    assert rel_error(ours, torch.stack(states, 1).detach().numpy()) < 1e-12
    for mine, theirs in zip(min_lstm_backward(dh, cache), (tx.grad, th0.grad, tW.grad, tb.grad)):
        assert rel_error(mine, theirs.numpy()) < 1e-10
    layer = MinLayer("minlstm", 3, 4).double()
    with torch.no_grad():
        layer.linear.weight.copy_(torch.tensor(Wx.T))
        layer.linear.bias.copy_(torch.tensor(b))
        assert rel_error(layer(torch.tensor(x), torch.tensor(h0)).numpy(), ours) < 1e-12


def test_min_lstm_bad_input():
    x, h0, Wx, b = _min_lstm_inputs(2, 3, 4, 5)
    with pytest.raises(ValueError, match=r"Wx must have shape \(D, 3H\)"):
        min_lstm_forward(x, h0, Wx[:, :10], b)
    with pytest.raises(ValueError, match=r"b must have shape \(3H\)"):
        min_lstm_forward(x, h0, Wx, b[:5])
    _, cache = min_lstm_forward(x, h0, Wx, b)
    with pytest.raises(ValueError, match="cache must be the cache returned by the matching min_lstm"):
        min_lstm_backward(np.ones((2, 3, 5)), ("min_gru",))
    with pytest.raises(ValueError, match=r"dh must have shape"):
        min_lstm_backward(np.ones((2, 4, 5)), cache)


# -- the LRU ---------------------------------------------------------------------------
def test_lru_eigenvalues_stay_inside_the_unit_circle_and_init_fills_the_ring():
    nu = np.linspace(-8.0, 3.0, 50)
    lam = lru_eigenvalues(nu, np.linspace(0.0, 6.0, 50))
    assert (np.abs(lam) < 1).all() and (np.abs(lam) > 0).all()
    np.testing.assert_allclose(np.abs(lam), np.exp(-np.exp(nu)), rtol=1e-13)
    nu, theta = lru_ring_init(2000, 0.5, 0.9, np.pi, seed=1)
    r = np.abs(lru_eigenvalues(nu, theta))
    assert r.min() >= 0.5 - 1e-12 and r.max() <= 0.9 + 1e-12
    assert abs(np.mean(r ** 2) - (0.25 + 0.81) / 2) < 0.01          # |λ|² uniform on [r_min², r_max²]
    assert 0 <= theta.min() and theta.max() <= np.pi
    with pytest.raises(ValueError, match="r_max must be below 1"):
        lru_ring_init(4, 0.9, 1.0)
    with pytest.raises(ValueError, match="r_max must be a finite number"):
        lru_ring_init(4, 0.9, 0.5)


def test_impulse_response_is_the_recurrence_driven_once():
    lam = np.array([0.9 * np.exp(0.3j), 1.02, -0.5])
    b = np.zeros((1, 30, 3), complex)
    b[0, 0] = 1
    h = diagonal_scan(lam, b, np.zeros((1, 3), complex))
    np.testing.assert_allclose(impulse_response(lam, 30), h[0], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(np.abs(impulse_response(lam, 30))[-1], np.abs(lam) ** 29, rtol=1e-12)


def test_diagonal_scan_methods_agree_and_match_a_dense_linear_rnn():
    rng = np.random.default_rng(7)
    H, T = 6, 40
    W = rng.standard_normal((H, H)) / np.sqrt(H)                  # a real dense A, complex eigenvalues
    u = rng.standard_normal((1, T, H))
    dense, h = [], np.zeros(H)
    for t in range(T):
        h = W @ h + u[0, t]
        dense.append(h)
    lam, P = np.linalg.eig(W)
    z = diagonal_scan(lam, (u @ np.linalg.inv(P).T), np.zeros((1, H), complex), method="parallel")
    np.testing.assert_allclose((z @ P.T).real[0], np.array(dense), rtol=1e-9, atol=1e-10)
    seq = diagonal_scan(lam, u @ np.linalg.inv(P).T, np.zeros((1, H)), method="sequential")
    assert rel_error(seq, z) < 1e-12


def _lru_inputs(seed=0, N=2, T=6, D=3, H=4, P=2):
    rng = np.random.default_rng(seed)
    nu, theta = lru_ring_init(H, 0.6, 0.95, 1.0, seed=seed)
    cplx = lambda *s: rng.standard_normal(s) + 1j * rng.standard_normal(s)      # noqa: E731
    return rng.standard_normal((N, T, D)), nu, theta, cplx(D, H) / 2, cplx(H, P) / 2


@pytest.mark.parametrize("method", ["parallel", "sequential"])
def test_lru_gradients_match_numerical_ones(method):
    x, nu, theta, B, C = _lru_inputs(seed=8)
    dy = np.random.default_rng(9).standard_normal((2, 6, 2))
    y, cache = lru_forward(x, nu, theta, B, C, method=method)
    assert y.shape == (2, 6, 2) and y.dtype == np.float64
    dx, dnu, dtheta, dB, dC = lru_backward(dy, cache)

    def loss(x=x, nu=nu, theta=theta, B=B, C=C):
        return float((lru_forward(x, nu, theta, B, C, method=method)[0] * dy).sum())
    assert rel_error(dx, richardson_gradient(lambda v: loss(x=v), x.copy())) < 1e-7
    assert rel_error(dnu, richardson_gradient(lambda v: loss(nu=v), nu.copy())) < 1e-7
    assert rel_error(dtheta, richardson_gradient(lambda v: loss(theta=v), theta.copy())) < 1e-7
    for grad, M, name in ((dB, B, "B"), (dC, C, "C")):
        re = richardson_gradient(lambda v: loss(**{name: v + 1j * M.imag}), M.real.copy())
        im = richardson_gradient(lambda v: loss(**{name: M.real + 1j * v}), M.imag.copy())
        assert rel_error(grad, re + 1j * im) < 1e-7, name


def test_lru_agrees_with_torch_complex_autograd():
    torch = pytest.importorskip("torch")
    x, nu, theta, B, C = _lru_inputs(seed=10)
    dy = np.random.default_rng(11).standard_normal((2, 6, 2))
    tx, tnu, tth = (torch.tensor(v, requires_grad=True) for v in (x, nu, theta))
    tB, tC = (torch.tensor(v, requires_grad=True) for v in (B, C))
    lam = torch.exp(-torch.exp(tnu) + 1j * tth)
    gamma = torch.sqrt(1 - lam.abs() ** 2)
    h, ys = torch.zeros(2, 4, dtype=torch.complex128), []
    for t in range(6):
        h = lam * h + gamma * (tx[:, t].to(torch.complex128) @ tB)
        ys.append((h @ tC).real)
    torch.stack(ys, 1).backward(torch.tensor(dy))
    y, cache = lru_forward(x, nu, theta, B, C)
    assert rel_error(y, torch.stack(ys, 1).detach().numpy()) < 1e-12
    grads = lru_backward(dy, cache)
    # torch's gradient of a real loss w.r.t. a complex leaf is ∂L/∂Re + i ∂L/∂Im, our convention
    for mine, theirs in zip(grads, (tx.grad, tnu.grad, tth.grad, tB.grad, tC.grad)):
        assert rel_error(mine, theirs.numpy()) < 1e-10


def test_lru_bad_input():
    x, nu, theta, B, C = _lru_inputs()
    with pytest.raises(ValueError, match=r"theta must have shape \(H\)"):
        lru_forward(x, nu, theta[:3], B, C)
    with pytest.raises(ValueError, match=r"B must have shape \(D, H\)"):
        lru_forward(x, nu, theta, B.T, C)
    with pytest.raises(ValueError, match="C must be a float or complex array"):
        lru_forward(x, nu, theta, B, np.ones((4, 2), int))
    with pytest.raises(ValueError, match="lam contains NaN"):
        impulse_response(np.array([np.nan]), 4)
    with pytest.raises(ValueError, match=r"h0 must have shape \(N, H\)"):
        diagonal_scan(np.ones(3), np.ones((2, 4, 3)), np.ones((2, 2)))
    _, cache = lru_forward(x, nu, theta, B, C)
    with pytest.raises(ValueError, match=r"dy must have shape \(N, T, P\)"):
        lru_backward(np.ones((2, 6, 3)), cache)


# -- the selective scan ----------------------------------------------------------------
def _selective_inputs(seed=0, N=2, T=11, E=3, S=4, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, E)).astype(dtype)
    W = [rng.standard_normal(s).astype(dtype) * 0.5 for s in ((E, E), (E,), (E, S), (E, S))]
    A = -np.exp(rng.standard_normal((E, S))).astype(dtype)
    return x, W, A


@pytest.mark.parametrize("T", [1, 5, 16, 37])
def test_selective_scan_equals_a_plain_loop(T):
    x, W, A = _selective_inputs(seed=T, T=T)
    delta, B, C = selective_coefficients(x, *W)
    assert (delta > 0).all() and delta.shape == x.shape and B.shape == (2, T, 4)
    y, h = selective_scan(x, delta, A, B, C)
    y_seq, _ = selective_scan(x, delta, A, B, C, method="sequential")
    N, _, E = x.shape
    state, expected = np.zeros((N, E, A.shape[1])), []
    for t in range(T):                                          # the equations, one step at a time
        for n in range(N):
            for e in range(E):
                state[n, e] = np.exp(delta[n, t, e] * A[e]) * state[n, e] + delta[n, t, e] * B[n, t] * x[n, t, e]
        expected.append(np.einsum("nes,ns->ne", state, C[:, t]))
    assert rel_error(y, np.stack(expected, 1)) < 1e-12 and rel_error(y_seq, y) < 1e-12
    assert h.shape == (N, T, E, A.shape[1])


def test_selective_scan_selects_large_delta_resets_small_delta_keeps():
    A = -np.ones((1, 1))
    x = np.array([[[1.0], [5.0], [0.0]]])
    B, C = np.ones((1, 3, 1)), np.ones((1, 3, 1))
    big = selective_scan(x, np.array([[[1.0], [30.0], [1e-6]]]), A, B, C)[0]
    # step 2 with Δ = 30: a = e^-30, the state is (almost) only the new input, scaled by Δ
    assert abs(big[0, 1, 0] - 30 * 5.0) < 1e-9
    assert abs(big[0, 2, 0] - big[0, 1, 0]) < 1e-3                # Δ ≈ 0: kept as it was


def test_selective_scan_agrees_with_torch():
    torch = pytest.importorskip("torch")
    from rnnkit.models.selective import selective_scan as torch_selective_scan
    x, W, A = _selective_inputs(seed=12, T=20)
    delta, B, C = selective_coefficients(x, *W)
    y, _ = selective_scan(x, delta, A, B, C)
    ty = torch_selective_scan(*(torch.tensor(v) for v in (x, delta, A, B, C)))
    assert rel_error(y, ty.numpy()) < 1e-12
    y32 = torch_selective_scan(*(torch.tensor(v, dtype=torch.float32) for v in (x, delta, A, B, C)))
    assert rel_error(y, y32.double().numpy()) < 1e-4
    with pytest.raises(ValueError, match="expected x, delta"):
        torch_selective_scan(*(torch.tensor(v) for v in (x, delta, A.T, B, C)))


def test_selective_scan_bad_input():
    x, W, A = _selective_inputs()
    delta, B, C = selective_coefficients(x, *W)
    with pytest.raises(ValueError, match="delta must be positive"):
        selective_scan(x, -delta, A, B, C)
    with pytest.raises(ValueError, match=r"C must have shape \(N, T, S\)"):
        selective_scan(x, delta, A, B, C[:, :, :2])
    with pytest.raises(ValueError, match=r"W_B must have shape \(E, S\)"):
        selective_coefficients(x, W[0], W[1], W[2][:2], W[3])
    with pytest.raises(ValueError, match="A has dtype float32"):
        selective_scan(x, delta, A.astype(np.float32), B, C)


def test_check_gradients_passes_right_and_fails_wrong_backward_passes():
    from functools import partial

    from rnnkit.analysis.gradcheck import check_gradients
    from rnnkit.scratch import linear_scan_backward, linear_scan_forward
    rng = np.random.default_rng(13)
    inputs = dict(a=rng.uniform(-1, 1, (2, 7, 3)), b=rng.standard_normal((2, 7, 3)), h0=rng.standard_normal((2, 3)))
    before = {k: v.copy() for k, v in inputs.items()}
    errs = check_gradients(partial(linear_scan_forward, method="parallel"), linear_scan_backward, inputs)
    assert list(errs) == ["a", "b", "h0"] and max(errs.values()) < 1e-7
    assert all(np.array_equal(inputs[k], before[k]) for k in inputs)        # the caller's arrays untouched

    def wrong(dh, cache):
        da, db, dh0 = linear_scan_backward(dh, cache)
        return da, db, 2 * dh0
    assert check_gradients(linear_scan_forward, wrong, inputs)["h0"] > 0.1
    x, nu, theta, B, C = _lru_inputs(seed=14)
    errs = check_gradients(lru_forward, lru_backward, dict(x=x, nu=nu, theta=theta, B=B, C=C))
    assert max(errs.values()) < 1e-7
    with pytest.raises(ValueError, match="backward returned 2 gradients, expected 3"):
        check_gradients(linear_scan_forward, lambda dh, cache: linear_scan_backward(dh, cache)[:2], inputs)
