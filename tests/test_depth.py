"""rnnkit.analysis.depth.gradient_map: the gradient of one top-layer output at every layer and step."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rnnkit.analysis.depth import gradient_map  # noqa: E402

N, T, D, H, L, STAR = 3, 9, 4, 5, 3, 4


def module(kind, bidirectional, seed=0):
    torch.manual_seed(seed)
    return getattr(torch.nn, kind)(D, H, num_layers=L, bidirectional=bidirectional, batch_first=True)


def inputs(seed=1):
    return np.random.default_rng(seed).standard_normal((N, T, D))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
def test_the_input_row_is_the_module_s_own_autograd_gradient(kind, bidirectional):
    m, x = module(kind, bidirectional), inputs()
    g = gradient_map(m, x, STAR, seed=3)
    assert g.shape == (L + 1, T)
    dirs = 2 if bidirectional else 1
    up = np.random.default_rng(3).standard_normal((N, dirs * H))      # the upstream gradient gradient_map draws
    xt = torch.tensor(x, requires_grad=True)
    out, _ = m.double()(xt)
    (out[:, STAR] * torch.from_numpy(up)).sum().backward()
    ref = xt.grad.norm(dim=2).mean(dim=0).numpy()
    np.testing.assert_allclose(g[0], ref, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(g[L, STAR], np.linalg.norm(up, axis=1).mean(), rtol=1e-12)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_unidirectional_gradients_stop_at_t_star_and_flow_back_in_every_layer(kind):
    g = gradient_map(module(kind, False), inputs(), STAR)
    assert np.all(g[:, STAR + 1:] == 0)                  # the future is never read
    assert np.all(g[:, :STAR + 1] > 0)                   # the top layer's past too: through its own recurrence
    # every layer receives the gradient through its own next step, so the top row is not just the loss's input
    assert g[L, STAR - 1] > 0 and g[L, 0] < g[L, STAR]


def test_bidirectional_gradients_reach_both_sides():
    g = gradient_map(module("LSTM", True), inputs(), STAR)
    assert np.all(g > 0)
    assert g[1, T - 1] < g[1, STAR] and g[1, 0] < g[1, STAR]


def test_bad_arguments_are_named():
    m = module("GRU", False)
    with pytest.raises(ValueError, match="position"):
        gradient_map(m, inputs(), T)
    with pytest.raises(ValueError, match="x"):
        gradient_map(m, np.zeros((N, T, D + 1)), 0)
    with pytest.raises(ValueError, match="module"):
        gradient_map(torch.nn.Linear(D, H), inputs(), 0)
