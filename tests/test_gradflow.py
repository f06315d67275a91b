"""rnnkit.analysis.gradflow: log-space Jacobian norms, initialisers, Pascanu's bound, clipping."""
import math
import warnings

import numpy as np
import pytest

from rnnkit.analysis import gradflow as gf
from rnnkit.scratch import clip_grad_norm


def spectral_radius(W):
    """The largest absolute eigenvalue: what recurrent_matrix promises to set."""
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def direct_rnn(W, u, activation):
    """Plain forward pass and step Jacobians diag(phi'(a_t)) W (no log-space tricks)."""
    T, H = u.shape
    h = np.zeros(H)
    hs, jacs = [h], []
    for t in range(T):
        a = W @ h + u[t]
        if activation == "tanh":
            h, d = np.tanh(a), 1 - np.tanh(a) ** 2
        elif activation == "sigmoid":
            h = 1 / (1 + np.exp(-a))
            d = h * (1 - h)
        elif activation == "relu":
            h, d = np.maximum(a, 0), (a > 0).astype(float)
        else:
            h, d = a, np.ones(H)
        hs.append(h)
        jacs.append(d[:, None] * W)
    return np.array(hs), np.array(jacs)


@pytest.mark.parametrize("activation", gf.ACTIVATIONS)
@pytest.mark.parametrize("init", gf.INITS)
def test_log_space_norms_match_the_direct_product(activation, init):
    H, T, rho = 8, 30, 1.3
    W = gf.recurrent_matrix(H, rho, init, seed=3)
    u = np.random.default_rng(1).standard_normal((T, H))
    _, jacs = direct_rnn(W, u, activation)
    got = gf.jacobian_log10_norms(jacs)
    P = np.eye(H)
    expected = [0.0]
    for k in range(1, T + 1):
        P = P @ jacs[T - k]
        expected.append(np.log10(np.linalg.norm(P, 2)))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)


def test_selected_distances_and_every_agree_with_the_full_curve():
    W = gf.recurrent_matrix(8, 1.3, "gaussian", seed=3)
    u = np.random.default_rng(1).standard_normal((40, 8))
    _, jacs = direct_rnn(W, u, "tanh")
    full = gf.jacobian_log10_norms(jacs)
    ks = np.array([0, 1, 7, 39, 40])
    np.testing.assert_array_equal(gf.jacobian_log10_norms(jacs, ks), full[ks])
    a = gf.gradient_flow("relu", 2.0, 51, "orthogonal", clip=1.0)
    b = gf.gradient_flow("relu", 2.0, 51, "orthogonal", clip=1.0, every=5)
    assert b.distance.tolist() == list(range(0, 51, 5)) + [51]
    for name in ("jacobian", "bound", "dh", "dh_clipped"):
        np.testing.assert_array_equal(getattr(b, name), getattr(a, name)[b.distance])
    assert b.grad_norm == a.grad_norm
    with pytest.raises(ValueError, match="distances"):
        gf.jacobian_log10_norms(jacs, np.array([3, 2]))
    with pytest.raises(ValueError, match="every"):
        gf.gradient_flow(every=0)


def test_norms_survive_where_the_direct_product_overflows():
    H, T = 4, 800
    W = 3.0 * np.eye(H)                         # ||W^k|| = 3^k = 10^(k log10 3)
    jacs = np.broadcast_to(W, (T, H, H)).copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = gf.jacobian_log10_norms(jacs)
    np.testing.assert_allclose(got, np.arange(T + 1) * np.log10(3.0), rtol=1e-12)
    assert got[-1] > 308                        # beyond float64's largest number
    got = gf.jacobian_log10_norms(jacs / 9.0)  # 3^-k underflows past k ~ 680
    np.testing.assert_allclose(got, -np.arange(T + 1) * np.log10(3.0), rtol=1e-12)


def test_exact_zero_product_gives_minus_infinity_without_warnings():
    jacs = np.zeros((5, 3, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = gf.jacobian_log10_norms(jacs)
    assert got[0] == 0.0 and np.isneginf(got[1:]).all()


def test_orthogonal_init_has_all_singular_values_equal_to_rho():
    for rho in (0.5, 1.0, 2.5):
        W = gf.recurrent_matrix(16, rho, "orthogonal", seed=0)
        s = np.linalg.svd(W, compute_uv=False)
        np.testing.assert_allclose(s, rho, rtol=1e-12)
        np.testing.assert_allclose(W.T @ W, rho**2 * np.eye(16), atol=1e-12)
        assert spectral_radius(W) == pytest.approx(rho, rel=1e-12)


def test_gaussian_init_has_the_requested_spectral_radius_and_a_larger_lambda1():
    W = gf.recurrent_matrix(64, 0.9, "gaussian", seed=0)
    assert spectral_radius(W) == pytest.approx(0.9, rel=1e-10)
    # circular law: the largest singular value is about twice the spectral radius
    assert 1.5 < gf.largest_singular_value(W) / 0.9 < 2.3


def test_changing_rho_rescales_the_same_matrix():
    A = gf.recurrent_matrix(10, 1.0, "gaussian", seed=5)
    B = gf.recurrent_matrix(10, 2.5, "gaussian", seed=5)
    np.testing.assert_allclose(B, 2.5 * A, rtol=0, atol=0)
    C = gf.recurrent_matrix(10, 1.0, "gaussian", seed=6)
    assert not np.allclose(A, C)


@pytest.mark.parametrize("activation", gf.ACTIVATIONS)
@pytest.mark.parametrize("init", gf.INITS)
@pytest.mark.parametrize("rho", [0.3, 1.0, 2.0, 4.5])
def test_pascanu_bound_holds(activation, init, rho):
    r = gf.gradient_flow(activation, rho, 120, init, H=16, seed=1)
    W = gf.recurrent_matrix(16, rho, init, seed=1)
    lam1 = np.linalg.norm(W, 2)
    k = np.arange(121)
    bound = k * np.log10(gf.GAMMA[activation] * lam1)
    np.testing.assert_allclose(r.bound, bound, rtol=1e-12, atol=1e-12)
    finite = np.isfinite(r.jacobian)
    assert (r.jacobian[finite] <= bound[finite] + 1e-9).all()


def test_linear_orthogonal_rho_one_preserves_norms_exactly_and_tanh_shrinks():
    lin = gf.gradient_flow("linear", 1.0, 200, "orthogonal")
    np.testing.assert_allclose(lin.jacobian, 0.0, atol=1e-10)
    tanh = gf.gradient_flow("tanh", 1.0, 200, "orthogonal")
    assert tanh.jacobian[200] < -20       # tanh' <= 1 shrinks the norm-preserving Q
    assert np.all(np.diff(tanh.jacobian) <= 1e-12)


def test_extremes_are_finite_and_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            for act in gf.ACTIVATIONS:
                for init in gf.INITS:
                    for rho in (0.0, 3.5, 10.0):
                        r = gf.gradient_flow(act, rho, 1000, init, clip=1.0)
                        for y in (r.jacobian, r.bound, r.dh, r.dh_clipped):
                            assert not np.isnan(y).any() and not np.isposinf(y).any()
    r = gf.gradient_flow("relu", 10.0, 1000, "orthogonal")
    assert r.jacobian[-1] > 400               # 10^400: only representable as a log


def test_loss_gradient_matches_torch_autograd():
    torch = pytest.importorskip("torch")
    H, T = 6, 25
    for act in gf.ACTIVATIONS:
        r = gf.gradient_flow(act, 1.4, T, "gaussian", H=H, seed=2)
        W = torch.tensor(gf.recurrent_matrix(H, 1.4, "gaussian", seed=2), requires_grad=True)
        u, v = gf._drive(H, 200, 2)
        phi = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
               "linear": lambda z: z}[act]
        h = torch.zeros(H, dtype=torch.float64)
        hs = []
        for t in range(T):
            h = phi(W @ h + torch.tensor(u[t]))
            h.retain_grad()
            hs.append(h)
        loss = torch.tensor(v) @ h
        loss.backward()
        dh = [np.linalg.norm(hs[T - 1 - k].grad.numpy()) for k in range(T)]
        finite = np.array(dh) > 0
        np.testing.assert_allclose(r.dh[:T][finite], np.log10(np.array(dh)[finite]), atol=1e-10)
        assert r.grad_norm == pytest.approx(np.log10(W.grad.norm().item()), abs=1e-10)


def test_clipping_scales_every_step_alike_and_leaves_small_gradients_alone():
    big = gf.gradient_flow("tanh", 3.0, 100, "orthogonal", clip=1.0)
    assert big.grad_norm > 5
    assert big.clip_factor == pytest.approx(-big.grad_norm)
    np.testing.assert_allclose(big.dh_clipped - big.dh, big.clip_factor)   # same shift
    small = gf.gradient_flow("tanh", 0.5, 100, "orthogonal", clip=1e6)
    assert small.clip_factor == 0.0
    np.testing.assert_array_equal(small.dh_clipped, small.dh)
    # the scratch implementation of Pascanu's rule agrees
    g = {"Wh": np.full((3, 3), 1e-3)}
    out, norm = clip_grad_norm(g, 1.0)
    np.testing.assert_array_equal(out["Wh"], g["Wh"])
    assert norm == pytest.approx(3e-3)
    out, norm = clip_grad_norm({"Wh": np.full((3, 3), 10.0)}, 1.0)
    assert np.linalg.norm(out["Wh"]) == pytest.approx(1.0)


def test_activation_derivative_values():
    a = np.array([-800.0, -1.0, 0.0, 2.0, 800.0])
    np.testing.assert_allclose(gf.activation_derivative(a, "tanh"), 1 - np.tanh(a) ** 2)
    s = 1 / (1 + np.exp(-a[1:4]))
    np.testing.assert_allclose(gf.activation_derivative(a, "sigmoid")[1:4], s * (1 - s), rtol=1e-12)
    assert gf.activation_derivative(a, "sigmoid")[[0, 4]].tolist() == [0.0, 0.0]
    assert gf.activation_derivative(a, "relu").tolist() == [0, 0, 0, 1, 1]
    assert gf.GAMMA["sigmoid"] == 0.25 and gf.activation_derivative(0.0, "sigmoid") == 0.25


@pytest.mark.parametrize("call, name", [
    (lambda: gf.recurrent_matrix(8, -1.0), "rho"),
    (lambda: gf.recurrent_matrix(8, 1.0, "uniform"), "init"),
    (lambda: gf.recurrent_matrix(0, 1.0), "H"),
    (lambda: gf.gradient_flow("softplus"), "activation"),
    (lambda: gf.gradient_flow(T=0), "T"),
    (lambda: gf.gradient_flow(clip=0.0), "clip"),
    (lambda: gf.gradient_flow(clip=1.0, loss=False), "clip"),
    (lambda: gf.jacobian_log10_norms(np.zeros((3, 2, 4))), "jacobians"),
    (lambda: gf.jacobian_log10_norms(np.full((2, 2, 2), np.nan)), "jacobians"),
    (lambda: gf.largest_singular_value(np.zeros((2, 3))), "W must have shape"),
    (lambda: gf.rnn_forward_scaled(np.eye(3), np.zeros((4, 2)), "tanh"), "u"),
])
def test_bad_input_raises_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
