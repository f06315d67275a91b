"""Tests of rnnkit.analysis.bptt: per-step contributions, truncated BPTT, memory accounting."""
import numpy as np
import pytest

from rnnkit.analysis.bptt import (
    autograd_saved_nbytes,
    contribution_norms,
    cache_nbytes,
    gradient_agreement,
    per_step_contributions,
    truncated_bptt,
    truncation_mask,
)
from rnnkit.data.tasks import delay_task
from rnnkit.figures.truncation import truncation_explorer, truncation_figure
from rnnkit.models.truncated import train_delay_rnn
from rnnkit.scratch import (
    numerical_gradient,
    rel_error,
    rnn_backward,
    rnn_forward,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
)

N, T, D, H, V = 3, 9, 4, 5, 6


def problem(seed=0, gain=0.9, dtype=np.float64):
    """A seeded RNN with a softmax readout; returns its inputs, weights and dL_t/dh_t."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, T, D)).astype(dtype)
    h0 = (0.5 * rng.normal(size=(N, H))).astype(dtype)
    Wx = (rng.normal(size=(D, H)) / np.sqrt(D)).astype(dtype)
    Wh = (gain * rng.normal(size=(H, H)) / np.sqrt(H)).astype(dtype)
    b = (0.1 * rng.normal(size=H)).astype(dtype)
    Wy = (rng.normal(size=(H, V)) / np.sqrt(H)).astype(dtype)
    by = np.zeros(V, dtype=dtype)
    y = rng.integers(0, V, size=(N, T))
    h, _ = rnn_forward(x, h0, Wx, Wh, b)
    scores, aff_cache = temporal_affine_forward(h, Wy, by)
    _, dscores = temporal_softmax_loss(scores, y)
    dh, _, _ = temporal_affine_backward(dscores, aff_cache)
    return dict(x=x, h0=h0, Wx=Wx, Wh=Wh, b=b, dh=dh, Wy=Wy, by=by, y=y)


def full_grads(p):
    _, cache = rnn_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"])
    _, _, dWx, dWh, db = rnn_backward(p["dh"], cache)
    return {"Wx": dWx, "Wh": dWh, "b": db}


def args(p):
    return p["x"], p["h0"], p["Wx"], p["Wh"], p["b"], p["dh"]


# ---------------------------------------------------------------- truncation_mask

def test_truncation_mask_values():
    chunked = truncation_mask(5, 2, "chunked").astype(int)
    np.testing.assert_array_equal(chunked, [[1, 0, 0, 0, 0],
                                            [1, 1, 0, 0, 0],
                                            [0, 0, 1, 0, 0],
                                            [0, 0, 1, 1, 0],
                                            [0, 0, 0, 0, 1]])
    sliding = truncation_mask(5, 2, "sliding").astype(int)
    np.testing.assert_array_equal(sliding, [[1, 0, 0, 0, 0],
                                            [1, 1, 0, 0, 0],
                                            [0, 1, 1, 0, 0],
                                            [0, 0, 1, 1, 0],
                                            [0, 0, 0, 1, 1]])
    for scheme in ("chunked", "sliding"):
        np.testing.assert_array_equal(truncation_mask(5, 1, scheme), np.eye(5, dtype=bool))
        np.testing.assert_array_equal(truncation_mask(5, 5, scheme), np.tril(np.ones((5, 5), bool)))


# ---------------------------------------------------------------- contributions

def test_contributions_sum_to_rnn_backward_and_are_causal():
    p = problem()
    C = per_step_contributions(*args(p))
    assert C.shape == (T, T, H, H)
    t, k = np.triu_indices(T, 1)
    assert np.all(C[t, k] == 0)                      # a loss never reaches later steps
    assert rel_error(C.sum(axis=(0, 1)), full_grads(p)["Wh"]) < 1e-12
    # the last loss's contributions shrink with distance in this contractive RNN
    norms = np.linalg.norm(C[T - 1], axis=(1, 2))
    assert norms[T - 1] > 10 * norms[0]


def test_immediate_terms_match_the_one_step_formula():
    # C[t, t] = h_{t-1}^T (dh_t * (1 - h_t**2)): no Jacobian product at all
    p = problem(1)
    C = per_step_contributions(*args(p))
    h, _ = rnn_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"])
    h_prev = np.concatenate([p["h0"][:, None], h[:, :-1]], axis=1)
    for t in range(T):
        expected = h_prev[:, t].T @ (p["dh"][:, t] * (1 - h[:, t] ** 2))
        assert rel_error(C[t, t], expected) < 1e-12


# ---------------------------------------------------------------- truncated BPTT

def test_chunked_with_K_at_least_T_is_exactly_full_bptt():
    p = problem(2)
    full = full_grads(p)
    for K in (T, T + 3):
        g = truncated_bptt(*args(p), K, "chunked")
        for name in ("Wx", "Wh", "b"):
            np.testing.assert_array_equal(g[name], full[name])


def test_sliding_with_K_at_least_T_is_full_bptt():
    p = problem(3)
    full = full_grads(p)
    g = truncated_bptt(*args(p), T, "sliding")
    for name in ("Wx", "Wh", "b"):
        assert rel_error(g[name], full[name]) < 1e-12


@pytest.mark.parametrize("scheme", ["chunked", "sliding"])
def test_K1_keeps_only_the_immediate_terms(scheme):
    p = problem(4)
    C = per_step_contributions(*args(p))
    g = truncated_bptt(*args(p), 1, scheme)
    diag = C[np.arange(T), np.arange(T)].sum(axis=0)
    assert rel_error(g["Wh"], diag) < 1e-12
    assert rel_error(g["Wh"], full_grads(p)["Wh"]) > 1e-3       # and that is not the full gradient


@pytest.mark.parametrize("scheme", ["chunked", "sliding"])
@pytest.mark.parametrize("K", [2, 3, 4, 7])
def test_truncated_gradient_is_the_masked_sum_of_contributions(scheme, K):
    p = problem(5)
    C = per_step_contributions(*args(p))
    keep = truncation_mask(T, K, scheme)
    expected = (C * keep[:, :, None, None]).sum(axis=(0, 1))
    g = truncated_bptt(*args(p), K, scheme)
    assert rel_error(g["Wh"], expected) < 1e-12


def test_chunked_truncated_gradient_is_the_gradient_of_a_frozen_start_loss():
    # Chunked TBPTT is the exact gradient of a different function: the loss computed
    # chunk by chunk from chunk-start states that are held constant.
    p = problem(6)
    K = 4
    h, _ = rnn_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"])
    starts = {s: (p["h0"] if s == 0 else h[:, s - 1].copy()) for s in range(0, T, K)}

    def frozen_loss(Wh):
        total = 0.0
        for s, h_start in starts.items():
            hc, _ = rnn_forward(p["x"][:, s:s + K], h_start, p["Wx"], Wh, p["b"])
            scores, _ = temporal_affine_forward(hc, p["Wy"], p["by"])
            loss, _ = temporal_softmax_loss(scores, p["y"][:, s:s + K])
            total += loss
        return total

    num = numerical_gradient(frozen_loss, p["Wh"].copy())
    g = truncated_bptt(*args(p), K, "chunked")
    assert rel_error(g["Wh"], num) < 1e-7
    assert rel_error(g["Wh"], full_grads(p)["Wh"]) > 1e-3


def test_full_gradient_passes_the_numerical_check():
    p = problem(7)

    def loss_of(Wh):
        h, _ = rnn_forward(p["x"], p["h0"], p["Wx"], Wh, p["b"])
        scores, _ = temporal_affine_forward(h, p["Wy"], p["by"])
        return temporal_softmax_loss(scores, p["y"])[0]

    num = numerical_gradient(loss_of, p["Wh"].copy())
    assert rel_error(full_grads(p)["Wh"], num) < 1e-7
    assert rel_error(truncated_bptt(*args(p), T, "sliding")["Wh"], num) < 1e-7


@pytest.mark.parametrize("K", [1, 3, 9])
def test_chunked_matches_torch_detach_every_K_steps(K):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    rnn = torch.nn.RNN(D, H, batch_first=True).double()
    head = torch.nn.Linear(H, V).double()
    rng = np.random.default_rng(8)
    x = rng.normal(size=(N, T, D))
    y = rng.integers(0, V, size=(N, T))
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    h = torch.zeros(1, N, H, dtype=torch.float64)
    loss = 0
    for s in range(0, T, K):
        out, h = rnn(xt[:, s:s + K], h.detach())
        ce = torch.nn.functional.cross_entropy(head(out).reshape(-1, V), yt[:, s:s + K].reshape(-1),
                                               reduction="sum")
        loss = loss + ce / N
    loss.backward()

    Wx = rnn.weight_ih_l0.detach().numpy().T.copy()
    Wh = rnn.weight_hh_l0.detach().numpy().T.copy()
    b = (rnn.bias_ih_l0 + rnn.bias_hh_l0).detach().numpy()
    Wy = head.weight.detach().numpy().T.copy()
    by = head.bias.detach().numpy()
    h0 = np.zeros((N, H))
    hs, _ = rnn_forward(x, h0, Wx, Wh, b)
    scores, aff_cache = temporal_affine_forward(hs, Wy, by)
    _, dscores = temporal_softmax_loss(scores, y)
    dh, _, _ = temporal_affine_backward(dscores, aff_cache)
    g = truncated_bptt(x, h0, Wx, Wh, b, dh, K, "chunked")
    assert rel_error(g["Wh"], rnn.weight_hh_l0.grad.numpy().T) < 1e-10
    assert rel_error(g["Wx"], rnn.weight_ih_l0.grad.numpy().T) < 1e-10
    assert rel_error(g["b"], rnn.bias_hh_l0.grad.numpy()) < 1e-10


def test_float32_is_kept():
    p = problem(9, dtype=np.float32)
    g = truncated_bptt(*args(p), 3, "sliding")
    assert all(v.dtype == np.float32 for v in g.values())
    assert per_step_contributions(*args(p)).dtype == np.float32


# ---------------------------------------------------------------- agreement, memory

def test_gradient_agreement_values():
    cos, dist = gradient_agreement(np.array([1.0, 0.0]), np.array([1.0, 1.0]))
    assert cos == pytest.approx(1 / np.sqrt(2), abs=1e-15)
    assert dist == pytest.approx(1 / np.sqrt(2), abs=1e-15)
    assert gradient_agreement(np.zeros(3), np.ones(3)) == (0.0, 1.0)
    cos, dist = gradient_agreement(2 * np.ones((2, 2)), np.ones((2, 2)))
    assert cos == pytest.approx(1.0, abs=1e-15) and dist == pytest.approx(1.0, abs=1e-15)


def test_cache_nbytes_counts_each_array_once():
    a, b = np.zeros((3, 4)), np.zeros(5, dtype=np.float32)
    assert cache_nbytes(("tag", a, [a, {"b": b}], 3)) == 96 + 20


def test_rnn_cache_grows_linearly_with_T():
    rng = np.random.default_rng(0)
    n, d, hid = 4, 3, 7
    W = (rng.normal(size=(d, hid)), rng.normal(size=(hid, hid)), np.zeros(hid))
    sizes = []
    for steps in (10, 20, 40):
        _, cache = rnn_forward(rng.normal(size=(n, steps, d)), np.zeros((n, hid)), *W)
        sizes.append(cache_nbytes(cache))
    # inputs and hidden states of every step stay alive: n * (d + hid) float64 per step
    assert sizes[1] - sizes[0] == 10 * n * (d + hid) * 8
    assert sizes[2] - sizes[1] == 20 * n * (d + hid) * 8


def test_autograd_saved_nbytes_of_a_matmul():
    torch = pytest.importorskip("torch")
    x = torch.ones(3, 4, requires_grad=True)
    W = torch.ones(4, 5, requires_grad=True)
    assert autograd_saved_nbytes(lambda a, b: a @ b, x, W) == (12 + 20) * 4
    assert autograd_saved_nbytes(lambda a, b: torch.tanh(a @ b), x, W) == (12 + 20 + 15) * 4


# ---------------------------------------------------------------- task and training

def test_delay_task_targets_are_the_delayed_inputs():
    x, y, mask = delay_task(5, 12, 3, seed=1)
    assert x.shape == (5, 12, 1) and y.shape == (5, 12) and mask.shape == (5, 12)
    np.testing.assert_array_equal(y[:, 3:], (x[:, :-3, 0] > 0).astype(int))
    assert not mask[:, :3].any() and mask[:, 3:].all()
    assert set(np.unique(x)) == {-1.0, 1.0}


def test_truncation_shorter_than_the_lag_cannot_learn_it():
    pytest.importorskip("torch")
    full = train_delay_rnn(None, lag=3, T=12, hidden=16, steps=150, seed=0)
    cut = train_delay_rnn(3, lag=3, T=12, hidden=16, steps=150, seed=0)
    longer = train_delay_rnn(6, lag=3, T=12, hidden=16, steps=150, seed=0)
    assert full["accuracy"] > 0.95 and longer["accuracy"] > 0.95
    assert cut["accuracy"] < 0.75
    assert full["curve"].shape == (150,)


# ---------------------------------------------------------------- bad input

def test_bad_input_raises_value_error_naming_the_argument():
    p = problem()
    with pytest.raises(ValueError, match="K must be an integer >= 1"):
        truncated_bptt(*args(p), 0)
    with pytest.raises(ValueError, match="K must be an integer >= 1"):
        truncated_bptt(*args(p), 2.5)
    with pytest.raises(ValueError, match="scheme must be one of"):
        truncated_bptt(*args(p), 2, "window")
    with pytest.raises(ValueError, match=r"dh must have shape \(N, T, H\)"):
        truncated_bptt(*p_args_with_dh(p, p["dh"][:, :-1]), 2)
    with pytest.raises(ValueError, match=r"dh must have shape"):
        per_step_contributions(*p_args_with_dh(p, p["dh"][..., :-1]))
    with pytest.raises(ValueError, match="T must be an integer >= 1"):
        truncation_mask(0, 2)
    with pytest.raises(ValueError, match="T must be larger than lag"):
        delay_task(4, 3, 3)
    with pytest.raises(ValueError, match="lag must be an integer"):
        delay_task(4, 8, 0)
    with pytest.raises(ValueError, match="T must be larger than lag"):
        train_delay_rnn(2, lag=5, T=5)
    with pytest.raises(ValueError, match="hidden must be an integer >= 1"):
        train_delay_rnn(2, hidden=0)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        train_delay_rnn(2, lr=-1.0)
    with pytest.raises(ValueError, match="K must be an integer >= 1"):
        train_delay_rnn(0)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        train_delay_rnn(2, batch_size=0)
    with pytest.raises(ValueError, match="steps must be an integer >= 0"):
        train_delay_rnn(2, steps=-1)
    with pytest.raises(ValueError, match="g and g_ref must have the same shape"):
        gradient_agreement(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="g_ref must not be all zeros"):
        gradient_agreement(np.ones(3), np.zeros(3))


def p_args_with_dh(p, dh):
    return p["x"], p["h0"], p["Wx"], p["Wh"], p["b"], dh


# ---------------------------------------------------------------- figures

def test_contribution_norms_are_frobenius_norms():
    p = problem(10)
    C = per_step_contributions(*args(p))
    n = contribution_norms(C)
    assert n.shape == (T, T)
    assert n[5, 2] == pytest.approx(np.sqrt((C[5, 2] ** 2).sum()), rel=1e-12)
    assert np.all(n[np.triu_indices(T, 1)] == 0)
    with pytest.raises(ValueError, match=r"C must have shape \(T, T, H, H\)"):
        contribution_norms(C[0])


def test_truncation_figure_slider_shows_the_kept_terms():
    pytest.importorskip("plotly")
    p = problem(11)
    norms = contribution_norms(per_step_contributions(*args(p)))
    labels = {"t": "t", "k": "k", "K": "K = ", "colorbar": "log10"}
    fig = truncation_figure(norms, [1, 3, T], ("chunked", "sliding"), ["a", "b", "c"], labels)
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == ["1", "3", str(T)]
    z_chunked, z_sliding = steps[0].args[0]["z"]          # K = 1: only the diagonal is coloured
    kept = np.array([[v is not None for v in row] for row in z_chunked])
    np.testing.assert_array_equal(kept, np.eye(T, dtype=bool))
    z_chunked, z_sliding = steps[1].args[0]["z"]          # K = 3: the masks of truncation_mask
    for z, scheme in ((z_chunked, "chunked"), (z_sliding, "sliding")):
        kept = np.array([[v is not None for v in row] for row in z])
        np.testing.assert_array_equal(kept, truncation_mask(T, 3, scheme))
    assert list(steps[1].args[2]) == [1, 3]                    # only the coloured traces change
    with pytest.raises(ValueError, match="step_titles must have one entry per K"):
        truncation_figure(norms, [1, 2], ("a", "b"), ["x"], labels)


def test_truncation_explorer_redraws_on_every_control(capsys):
    pytest.importorskip("ipywidgets")
    import matplotlib
    matplotlib.use("Agg")
    p = problem(12)
    norms = contribution_norms(per_step_contributions(*args(p)))
    labels = {"K": "K", "t": "t", "scheme": "s", "schemes": {"chunked": "c", "sliding": "s"},
              "k": "k", "norm": "n", "kept": "kept", "dropped": "dropped",
              "title": "{t} {K} {scheme} {n_kept}/{n}"}
    box = truncation_explorer(norms, labels)
    K_slider, t_slider, scheme = box.children[0].children
    assert (K_slider.max, t_slider.value, scheme.value) == (T, T, "chunked")
    K_slider.value, t_slider.value, scheme.value = 2, 5, "sliding"
    # outside a kernel the Output widget prints what it displays: one figure per redraw
    assert capsys.readouterr().out.count("Figure(") == 4
