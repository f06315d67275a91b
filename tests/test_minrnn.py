"""rnnkit.models.minrnn: the torch scan equals the loop and the numpy layer; CharLM trains with it."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnkit.charlm import CharLM
from rnnkit.models.minrnn import MinLayer, MinRNN, scan
from rnnkit.scratch import min_gru_forward, rel_error


def _loop(a, b, h0):
    h, out = h0, []
    for t in range(a.shape[1]):
        h = a[:, t] * h + b[:, t]
        out.append(h)
    return torch.stack(out, 1)


@pytest.mark.parametrize("T", [1, 2, 7, 16, 33])
def test_scan_equals_the_loop_values_and_gradients(T):
    g = torch.Generator().manual_seed(T)
    a = torch.rand(3, T, 4, generator=g, dtype=torch.float64).requires_grad_()
    b = torch.randn(3, T, 4, generator=g, dtype=torch.float64).requires_grad_()
    h0 = torch.randn(3, 4, generator=g, dtype=torch.float64).requires_grad_()
    up = torch.randn(3, T, 4, generator=g, dtype=torch.float64)
    fast, slow = scan(a, b, h0), _loop(a, b, h0)
    assert torch.allclose(fast, slow, rtol=1e-12, atol=1e-12)
    grads_fast = torch.autograd.grad((fast * up).sum(), (a, b, h0))
    grads_slow = torch.autograd.grad((slow * up).sum(), (a, b, h0))
    for x, y in zip(grads_fast, grads_slow):
        assert torch.allclose(x, y, rtol=1e-10, atol=1e-12)
    assert torch.equal(scan(a, b), scan(a, b, torch.zeros(3, 4, dtype=torch.float64)))


def test_min_gru_layer_is_the_numpy_layer():
    torch.manual_seed(0)
    layer = MinLayer("mingru", 3, 5).double()
    x, h0 = torch.randn(2, 6, 3, dtype=torch.float64), torch.randn(2, 5, dtype=torch.float64)
    W = layer.linear.weight.detach().numpy().T.copy()            # (D, 2H), blocks z, candidate
    ours, _ = min_gru_forward(x.numpy(), h0.numpy(), W, layer.linear.bias.detach().numpy().copy())
    assert rel_error(layer(x, h0).detach().numpy(), ours) < 1e-12


def test_min_lstm_gates_are_normalised():
    torch.manual_seed(1)
    layer = MinLayer("minlstm", 3, 4)
    a, b = layer.coefficients(torch.randn(2, 5, 3))
    assert ((a > 0) & (a < 1)).all()
    u = layer.linear(torch.randn(1, 1, 3))
    f, i = torch.sigmoid(u[..., :4]), torch.sigmoid(u[..., 4:8])
    assert torch.allclose(f / (f + i) + i / (f + i), torch.ones_like(f))


def test_stack_carries_state_like_nn_gru():
    torch.manual_seed(2)
    rnn = MinRNN("mingru", 3, 4, num_layers=2).eval()
    x = torch.randn(2, 10, 3)
    whole, state = rnn(x)
    first, mid = rnn(x[:, :6])
    second, end = rnn(x[:, 6:], mid)                              # continue exactly where it stopped
    assert torch.allclose(torch.cat([first, second], 1), whole, atol=1e-6)
    assert torch.allclose(end, state, atol=1e-6) and state.shape == (2, 2, 4)
    with pytest.raises(ValueError, match=r"state must have shape \(L, N, H\) = \(2, 2, 4\)"):
        rnn(x, torch.zeros(1, 2, 4))
    with pytest.raises(ValueError, match="kind must be one of"):
        MinRNN("gru", 3, 4)


def test_charlm_with_min_cells_learns_a_pattern():
    torch.manual_seed(3)
    ids = torch.tensor([[0, 1, 2, 3] * 8])
    for cell in ("mingru", "minlstm"):
        m = CharLM(4, cell=cell, embed=16, hidden=16, layers=2)
        opt = torch.optim.Adam(m.parameters(), lr=0.02)
        for _ in range(60):
            logits, _ = m(ids[:, :-1])
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 4), ids[:, 1:].reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
        assert loss.item() < 0.05, (cell, loss.item())            # from ln 4 = 1.39 nats
    with pytest.raises(ValueError, match="weight_drop must be 0 for cell='mingru'"):
        CharLM(4, cell="mingru", weight_drop=0.1)
