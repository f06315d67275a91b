"""The scratch stack against torch.nn.RNN / LSTM / GRU with num_layers and bidirectional (needs torch).

stack_from_torch / stack_to_torch, PyTorch's parameter names (weight_ih_l{k},
weight_ih_l{k}_reverse), its output layout (N, T, 2H) with the forward half first, and
its h_n layout (num_layers * 2, N, H): layer 0 forward, layer 0 backward, layer 1 forward ...
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from helpers import RandomArrays, assert_below  # noqa: E402
from rnnkit import scratch as S  # noqa: E402
from rnnkit.scratch import rel_error, stack_from_torch, stack_to_torch  # noqa: E402

MODULES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
CONFIGS = [(1, True), (2, True), (2, False), (3, True)]   # (num_layers, bidirectional)


def module(cell, D, H, num_layers, bidirectional, seed=0, **kwargs):
    torch.manual_seed(seed)
    m = MODULES[cell](D, H, num_layers=num_layers, bidirectional=bidirectional, **kwargs).double()
    with torch.no_grad():                       # larger than the default init, biases nonzero
        for p in m.parameters():
            p.uniform_(-0.6, 0.6)
    return m


def run_torch(m, cell, x, h0, batch_first):
    """Output (batch first), h_n and the leaves of a module run on numpy x (N, T, D), h0 (L·dirs, N, H)."""
    xt = torch.tensor(x if batch_first else x.transpose(1, 0, 2).copy(), requires_grad=True)
    h0t = torch.tensor(h0, requires_grad=True)
    out, state = m(xt, (h0t, torch.zeros_like(h0t)) if cell == "lstm" else h0t)
    h_n = state[0] if cell == "lstm" else state
    out_bf = out if batch_first else out.transpose(0, 1)
    return out_bf, h_n, xt, h0t


@pytest.mark.parametrize("batch_first", [True, False], ids=["batch_first", "time_first"])
@pytest.mark.parametrize("num_layers, bidirectional", CONFIGS, ids=[f"L{k}{'bi' if b else 'uni'}" for k, b in CONFIGS])
@pytest.mark.parametrize("cell", list(MODULES))
def test_stack_agrees_with_the_torch_module(cell, num_layers, bidirectional, batch_first):
    """Outputs, h_n, and every gradient (x, h0, each weight of each layer and direction)."""
    N, T, D, H = 3, 5, 4, 3
    dirs = 2 if bidirectional else 1
    m = module(cell, D, H, num_layers, bidirectional, batch_first=batch_first)
    params = stack_from_torch(m)
    r = RandomArrays(1)
    x, h0 = r.randn(N, T, D), r.randn(num_layers * dirs, N, H)
    dout, dh_n = r.randn(N, T, dirs * H), r.randn(num_layers * dirs, N, H)

    out, h_n, cache = S.stacked_forward(cell, x, h0, params, bidirectional)
    dx, dh0, dparams = S.stacked_backward(dout, dh_n, cache)

    out_t, h_n_t, xt, h0t = run_torch(m, cell, x, h0, batch_first)
    torch.autograd.backward([out_t, h_n_t], [torch.from_numpy(dout), torch.from_numpy(dh_n)])
    grads = module(cell, D, H, num_layers, bidirectional)
    with torch.no_grad():
        for g, q in zip(grads.parameters(), m.parameters()):
            g.copy_(q.grad)
    tg = stack_from_torch(grads)
    errors = {"out": rel_error(out, out_t.detach().numpy()), "h_n": rel_error(h_n, h_n_t.detach().numpy()),
              "dx": rel_error(dx, (xt.grad if batch_first else xt.grad.transpose(0, 1)).numpy()),
              "dh0": rel_error(dh0, h0t.grad.numpy())}
    for j, (g, t) in enumerate(zip(dparams, tg)):
        for k in g:
            # nn.RNN / nn.LSTM: bias_ih and bias_hh each receive db, and the scratch b read back is their sum
            errors[f"{k}[{j}]"] = rel_error(g[k], t[k] / 2 if k == "b" else t[k])
    assert_below(errors, 1e-9)


def test_h_n_layout_of_a_two_layer_bidirectional_lstm():
    """PyTorch's h_n is (num_layers * 2, N, H), ordered layer 0 forward, layer 0 backward,
    layer 1 forward, layer 1 backward; the backward states end at t = 1, so the top
    layer's backward h_n is out[:, 0, H:], not out[:, -1, H:]."""
    N, T, D, H = 2, 6, 3, 4
    m = module("lstm", D, H, 2, True, batch_first=True)
    x = RandomArrays(2).randn(N, T, D)
    with torch.no_grad():
        out, (h_n, c_n) = m(torch.from_numpy(x))
    out, h_n = out.numpy(), h_n.numpy()
    assert out.shape == (N, T, 2 * H) and h_n.shape == (4, N, H)
    assert np.array_equal(h_n[2], out[:, -1, :H])          # layer 1 forward: its last step
    assert np.array_equal(h_n[3], out[:, 0, H:])           # layer 1 backward: its last step is t = 1
    assert not np.allclose(h_n[3], out[:, -1, H:])
    assert not np.allclose(h_n[-1], out[:, -1, :H])        # h_n[-1] is not "the last output"
    # h_n.view(num_layers, 2, N, H)[k, d]: how PyTorch's documentation separates them
    assert np.array_equal(h_n.reshape(2, 2, N, H)[1, 1], out[:, 0, H:])
    # layer 0's states: run a one-layer module holding the layer-0 weights (its biases
    # merged into bias_ih by the round trip, hence equal to rounding, not bit for bit)
    m0 = torch.nn.LSTM(D, H, bidirectional=True, batch_first=True).double()
    stack_to_torch(stack_from_torch(m)[:2], m0)
    with torch.no_grad():
        out0, (h_n0, _) = m0(torch.from_numpy(x))
    assert rel_error(h_n[:2], h_n0.numpy()) < 1e-12
    assert torch.equal(h_n0[0], out0[:, -1, :H]) and torch.equal(h_n0[1], out0[:, 0, H:])
    # the scratch stack gives the same h_n, in the same order
    _, h_n_s, _ = S.stacked_forward("lstm", x, np.zeros((4, N, H)), stack_from_torch(m), True)
    assert rel_error(h_n_s, h_n) < 1e-12


def test_parameter_names_map_to_the_list_order():
    m = module("gru", 3, 2, 2, True)
    names = [n for n, _ in m.named_parameters() if n.startswith("weight_ih")]
    assert names == ["weight_ih_l0", "weight_ih_l0_reverse", "weight_ih_l1", "weight_ih_l1_reverse"]
    p = stack_from_torch(m)
    for j, n in enumerate(names):
        assert np.array_equal(p[j]["Wx"], getattr(m, n).detach().numpy().T)
        assert np.array_equal(p[j]["bh"], getattr(m, n.replace("weight_ih", "bias_hh")).detach().numpy())
    assert [q["Wx"].shape for q in p] == [(3, 6), (3, 6), (4, 6), (4, 6)]   # layer 1 reads 2H = 4


@pytest.mark.parametrize("cell", list(MODULES))
def test_stack_to_torch_reproduces_the_scratch_stack(cell):
    N, T, D, H = 2, 5, 3, 4
    params = S.init_stack(cell, D, H, 2, True, seed=3)
    r = RandomArrays(3)
    x, h0 = r.randn(N, T, D), r.randn(4, N, H)
    m = stack_to_torch(params, MODULES[cell](D, H, num_layers=2, bidirectional=True, batch_first=True).double())
    out_t, h_n_t, _, _ = run_torch(m, cell, x, h0, True)
    out, h_n, _ = S.stacked_forward(cell, x, h0, params, True)
    assert rel_error(out, out_t.detach().numpy()) < 1e-12 and rel_error(h_n, h_n_t.detach().numpy()) < 1e-12
    back = stack_from_torch(m)
    for p, q in zip(params, back):
        assert all(np.array_equal(p[k], q[k]) for k in p)


def test_dropout_between_layers_only_in_training_mode():
    """nn.LSTM(dropout=p) equals the scratch stack (which has no dropout) in eval() mode only."""
    N, T, D, H = 2, 6, 3, 8
    m = module("lstm", D, H, 2, True, batch_first=True, dropout=0.5)
    x, h0 = RandomArrays(4).randn(N, T, D), np.zeros((4, N, H))
    out, _, _ = S.stacked_forward("lstm", x, h0, stack_from_torch(m), True)
    m.eval()
    assert rel_error(out, run_torch(m, "lstm", x, h0, True)[0].detach().numpy()) < 1e-12
    m.train()
    torch.manual_seed(0)
    assert rel_error(out, run_torch(m, "lstm", x, h0, True)[0].detach().numpy()) > 1e-3


def test_float32_module_gives_float32_weights():
    m = torch.nn.GRU(3, 4, num_layers=2, bidirectional=True)
    p = stack_from_torch(m)
    assert {v.dtype for q in p for v in q.values()} == {np.dtype(np.float32)}


def test_stack_to_torch_checks_everything_before_writing():
    m = module("lstm", 3, 4, 2, True)
    before = [q.detach().clone() for q in m.parameters()]
    p = stack_from_torch(m)
    with pytest.raises(ValueError, match=r"^params must be a list of num_layers \* directions = 4 dicts "
                                         r"\(order _l0, _l0_reverse, _l1, \.\.\.\), got 3 entries"):
        stack_to_torch(p[:3], m)
    bad = [p[0], p[1], p[2], p[3] | {"Wx": np.zeros((3, 16))}]       # layer 1 reads 2H = 8 inputs
    with pytest.raises(ValueError, match=r"^params\[3\]\['Wx'\] must have shape \(D, 4H\) = \(8, 16\), got \(3, 16\)"):
        stack_to_torch(bad, m)
    assert all(torch.equal(q, q0) for q, q0 in zip(m.parameters(), before))
    with pytest.raises(ValueError, match=r"^module must have proj_size=0"):
        stack_from_torch(torch.nn.LSTM(3, 4, num_layers=2, proj_size=2))
    with pytest.raises(ValueError, match=r"use stack_from_torch"):
        S.params_from_torch(m)
