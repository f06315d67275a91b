"""Tests of rnnkit.analysis.gates: gate traces against torch, Jacobian norms against autograd."""
import numpy as np
import pytest
import torch

from rnnkit.analysis.gates import forget_product_log10, lstm_gate_trace, state_jacobian_log10_norms, state_jacobians
from rnnkit.models.classifier import init_forget_bias


def _torch_gates(lstm, x):
    """Gates recomputed from torch's own weights in torch's (i, f, g, o) layout, float64."""
    W_ih, W_hh = lstm.weight_ih_l0.double(), lstm.weight_hh_l0.double()
    b = (lstm.bias_ih_l0 + lstm.bias_hh_l0).double()
    N, T, _ = x.shape
    H = lstm.hidden_size
    h = torch.zeros(N, H, dtype=torch.float64)
    c = torch.zeros(N, H, dtype=torch.float64)
    out = {k: [] for k in "ifgo"}
    for t in range(T):
        a = x[:, t] @ W_ih.T + h @ W_hh.T + b
        i, f, g, o = a.split(H, dim=1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c = f * c + i * g
        h = o * torch.tanh(c)
        for k, v in zip("ifgo", (i, f, g, o)):
            out[k].append(v)
    return {k: torch.stack(v, 1).detach().numpy() for k, v in out.items()}


@pytest.mark.parametrize("batch_first", [True, False])
def test_gate_trace_agrees_with_torch(batch_first):
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 5, batch_first=batch_first).double()
    init_forget_bias(lstm, 1.0)
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    tr = lstm_gate_trace(lstm, x)
    assert set(tr) == {"i", "f", "o", "g", "c", "h"}
    assert all(v.shape == (2, 6, 5) for v in tr.values())
    out, (hT, cT) = lstm(x if batch_first else x.transpose(0, 1))
    out = out if batch_first else out.transpose(0, 1)
    assert np.abs(tr["h"] - out.detach().numpy()).max() < 1e-12
    assert np.abs(tr["c"][:, -1] - cT[0].detach().numpy()).max() < 1e-12
    ref = _torch_gates(lstm, x)
    for k in "ifgo":
        assert np.abs(tr[k] - ref[k]).max() < 1e-12, k
    # the recurrence itself: c_t = f_t c_{t-1} + i_t g_t, h_t = o_t tanh(c_t)
    c_prev = np.concatenate([np.zeros((2, 1, 5)), tr["c"][:, :-1]], axis=1)
    assert np.allclose(tr["c"], tr["f"] * c_prev + tr["i"] * tr["g"], atol=1e-14)
    assert np.allclose(tr["h"], tr["o"] * np.tanh(tr["c"]), atol=1e-14)


def test_gate_trace_float32_module_and_numpy_input():
    torch.manual_seed(1)
    lstm = torch.nn.LSTM(2, 3, batch_first=True)
    x = np.random.default_rng(0).standard_normal((1, 4, 2)).astype(np.float32)
    tr = lstm_gate_trace(lstm, x)
    out, _ = lstm(torch.from_numpy(x))
    assert np.abs(tr["h"] - out.detach().numpy()).max() < 1e-6


def test_gate_trace_bad_input():
    with pytest.raises(ValueError, match="torch.nn.LSTM"):
        lstm_gate_trace(torch.nn.GRU(2, 3), np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match=r"x must be a 3-D array of shape \(N, T, D\)"):
        lstm_gate_trace(torch.nn.LSTM(2, 3), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="x contains NaN or infinity"):
        lstm_gate_trace(torch.nn.LSTM(2, 3), np.full((1, 2, 2), np.nan))


def _jacobian_reference(module, x, k):
    """∂s_T/∂s_{T-k} by torch.autograd.functional.jacobian on the module itself."""
    T = x.shape[0]
    m = module.double()
    H = m.hidden_size
    xs = torch.from_numpy(x)[:, None]                 # (T, 1, D), seq-first

    def prefix_state():
        s = None
        if T - k > 0:
            _, s = m(xs[:T - k])
        return s

    s0 = prefix_state()
    if isinstance(m, torch.nn.LSTM):
        h0, c0 = (s0 if s0 is not None else (torch.zeros(1, 1, H, dtype=torch.float64),) * 2)

        # c_{T-k} also reaches the future through h_{T-k} = o_{T-k} ⊙ tanh(c_{T-k})
        # (for T-k = 0, h_0 = 0 is given and does not depend on c_0)
        o = h0 / torch.tanh(c0) if T - k > 0 else torch.zeros_like(h0)

        def f(c):
            c = c.reshape(1, 1, H)
            h = o * torch.tanh(c) if T - k > 0 else h0
            _, (_, cT) = m(xs[T - k:], (h, c))
            return cT.reshape(H)
        return torch.autograd.functional.jacobian(f, c0.reshape(H)).numpy()
    h0 = s0 if s0 is not None else torch.zeros(1, 1, H, dtype=torch.float64)

    def g(h):
        _, hT = m(xs[T - k:], h.reshape(1, 1, H))
        return hT.reshape(H)
    return torch.autograd.functional.jacobian(g, h0.reshape(H)).numpy()


@pytest.mark.parametrize("kind", [torch.nn.RNN, torch.nn.LSTM, torch.nn.GRU])
def test_jacobian_norms_agree_with_autograd_on_the_module(kind):
    torch.manual_seed(2)
    module = kind(3, 4)
    x = np.random.default_rng(1).standard_normal((7, 3))
    got = state_jacobian_log10_norms(module, x)
    assert got.shape == (8,) and got[0] == 0.0
    for k in (1, 3, 7):
        J = _jacobian_reference(module, x, k)
        assert abs(got[k] - np.log10(np.linalg.norm(J, 2))) < 1e-10, k
        np.testing.assert_allclose(state_jacobians(module, x)[k], J, rtol=1e-10, atol=1e-14)


def test_jacobian_norms_bias_effect():
    # a larger forget bias keeps more of the cell state: the norm decays more slowly
    x = np.random.default_rng(0).standard_normal((60, 8))
    ends = []
    for bias in (0.0, 1.0, 3.0):
        torch.manual_seed(0)
        lstm = init_forget_bias(torch.nn.LSTM(8, 8), bias)
        ends.append(state_jacobian_log10_norms(lstm, x)[-1])
    assert ends[0] < ends[1] < ends[2]
    assert ends[0] < -8 and ends[2] > -2


def test_forget_product_by_hand():
    f = np.array([[0.5, 0.1], [0.5, 1.0], [0.1, 1.0]])
    # k = 1: last step only -> max(0.1, 1.0); k = 2: max(0.05, 1.0); k = 3: max(0.025, 0.1)
    assert np.allclose(forget_product_log10(f), [0.0, 0.0, 0.0, -1.0])
    with pytest.raises(ValueError, match=r"\(T, H\)"):
        forget_product_log10(np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        forget_product_log10(np.array([[0.0, 0.5]]))


def test_jacobian_bad_input():
    with pytest.raises(ValueError, match="module"):
        state_jacobian_log10_norms(torch.nn.Linear(2, 2), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"x must be a 2-D array of shape \(T, D\)"):
        state_jacobian_log10_norms(torch.nn.GRU(2, 2), np.zeros((1, 3, 2)))


def test_lstm_memory_curves_match_the_parts():
    from rnnkit.figures.memory import lstm_memory_curves

    x = np.random.default_rng(3).standard_normal((12, 5))
    jac, forget = lstm_memory_curves(2.0, x, H=6, seed=4)
    torch.manual_seed(4)
    lstm = init_forget_bias(torch.nn.LSTM(5, 6), 2.0)
    assert np.array_equal(jac, state_jacobian_log10_norms(lstm, x))
    assert np.array_equal(forget, forget_product_log10(lstm_gate_trace(lstm, x[None])["f"][0]))
    # the cell path of a σ(2) ≈ 0.88 gate loses about log10(0.88) per step at the start
    assert -0.2 < forget[1] < 0.0
    with pytest.raises(ValueError, match=r"\(T, D\)"):
        lstm_memory_curves(1.0, np.zeros((1, 3, 5)))


def test_bias_slider_figure_steps_show_one_bias_each():
    from rnnkit.figures.memory import bias_slider_figure

    curves = [(np.array([0.0, -1.0 * j, -2.0 * j]), np.array([0.0, -2.0 * j, -4.0 * j])) for j in range(3)]
    labels = {"lstm": "L", "forget": "F", "x": "k", "y": "norm", "slider": "b = ", "title": "t"}
    fig = bias_slider_figure([0.0, 1.0, 2.0], curves, [("rnn", np.array([0.0, -3.0, -6.0]))], labels)
    assert len(fig.data) == 1 + 2 * 3
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == ["0", "1", "2"]
    assert fig.layout.sliders[0].active == 1                       # starts at the bias closest to 1
    for j, s in enumerate(steps):
        visible = s.args[0]["visible"]
        assert visible[0] is True and sum(visible) == 3
        assert visible[1 + 2 * j] and visible[2 + 2 * j]
    assert np.allclose(fig.data[1 + 2 * 2].y, 10.0 ** curves[2][0])   # values drawn as 10**log10
    with pytest.raises(ValueError, match="equal length"):
        bias_slider_figure([0.0], curves, [], labels)


def test_memory_explorer_redraws_on_slider_moves():
    import matplotlib
    matplotlib.use("Agg")
    from rnnkit.figures.memory import memory_explorer

    labels = {k: k for k in ("bias", "T", "lstm", "forget", "rnn", "x", "y")}
    labels["title"] = "{bias} {f:.3f} {T} {lstm:.1f} {rnn:.1f}"
    box = memory_explorer(labels, H=4)
    bias, length = box.children[0].children
    out = box.children[1]
    assert (bias.value, length.value) == (1.0, 60)
    n = len(out.outputs)
    length.value = 10                                 # must redraw without error
    bias.value = 3.0
    assert len(out.outputs) >= n
