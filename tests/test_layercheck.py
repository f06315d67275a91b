import numpy as np
import pytest

from rnnkit import scratch as S
from rnnkit.analysis.gradcheck import (LAYERS, check_all, check_layer, decade_bound, forward_backward,
                                      richardson_gradient)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_scratch_layer_passes_well_below_the_bar(seed):
    rows = check_all(seed=seed)
    assert [r["layer"] for r in rows] == list(LAYERS)
    for r in rows:
        assert r["max_error"] < 1e-8, r
        assert r["max_error"] == max(r["errors"].values())
    by_name = {r["layer"]: r for r in rows}
    assert set(by_name["lstm_step"]["errors"]) == {"x", "h_prev", "c_prev", "Wx", "Wh", "b"}
    assert set(by_name["gru"]["errors"]) == {"x", "h0", "Wx", "Wh", "bx", "bh"}
    assert set(by_name["embedding"]["errors"]) == {"W"}


def test_a_wrong_backward_pass_is_caught():
    def transposed_dWh(dh, cache):
        dx, dh_prev, dWx, dWh, db = S.rnn_step_backward(dh, cache)
        return dx, dh_prev, dWx, dWh.T, db            # a classic layout bug
    r = check_layer("rnn_step", backward=transposed_dWh)
    assert r["errors"]["Wh"] > 1e-2
    assert r["errors"]["x"] < 1e-9                      # the other gradients are still right

    def forgets_the_mask(scores, y, mask):
        return S.temporal_softmax_loss(scores, y)[1]     # ignores the padded position
    assert check_layer("temporal_softmax_loss", backward=forgets_the_mask)["max_error"] > 1e-2


def test_forward_backward_runs_a_layer_once_with_seeded_upstream_gradients():
    rng = np.random.default_rng(0)
    inputs = {"x": rng.standard_normal((2, 3, 4)).astype(np.float32), "h0": np.zeros((2, 5), np.float32),
              "Wx": np.ones((4, 20), np.float32), "Wh": np.zeros((5, 20), np.float32), "b": np.zeros(20, np.float32)}
    outs, douts, grads = forward_backward(S.lstm_forward, S.lstm_backward, inputs, 7)
    assert [o.shape for o in outs] == [(2, 3, 5)] and douts[0].dtype == np.float32
    assert np.array_equal(douts[0], np.random.default_rng(7).standard_normal((2, 3, 5)).astype(np.float32))
    assert len(grads) == 5 and all(g.shape == a.shape for g, a in zip(grads, inputs.values()))
    _, _, (dW,) = forward_backward(S.embedding_forward, S.embedding_backward,
                                   {"idx": np.array([[0, 1]]), "W": np.ones((3, 2))}, np.random.default_rng(1))
    assert dW.shape == (3, 2)                              # a single gradient comes back as a 1-tuple
    with pytest.raises(ValueError, match="rng must be an integer >= 0 or a numpy.random.Generator"):
        forward_backward(S.lstm_forward, S.lstm_backward, inputs, -1)


def test_richardson_is_fourth_order():
    x = np.array([0.3, -1.2, 2.0])
    f = lambda v: np.sum(np.sin(v) * np.exp(v / 3))            # noqa: E731
    exact = np.cos(x) * np.exp(x / 3) + np.sin(x) * np.exp(x / 3) / 3
    assert np.max(np.abs(richardson_gradient(f, x, h=1e-3) - exact)) < 1e-11
    assert np.max(np.abs(S.numerical_gradient(f, x, h=1e-3) - exact)) > 1e-8


def test_decade_bound():
    assert decade_bound(3.2e-11) == "< 1e-10"
    assert decade_bound(1e-10) == "< 1e-9"
    assert decade_bound(0.5) == "< 1e0"
    assert decade_bound(0.0) == "0"
    assert decade_bound(3e-16, floor=1e-12) == "< 1e-12"
    assert decade_bound(3e-11, floor=1e-12) == "< 1e-10"
    with pytest.raises(ValueError, match="finite non-negative"):
        decade_bound(float("nan"))
    with pytest.raises(ValueError, match="power of ten"):
        decade_bound(1e-3, floor=3e-12)
    with pytest.raises(ValueError, match="layer must be one of"):
        check_layer("transformer")


torch = pytest.importorskip("torch")


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("num_layers, bidirectional, batch_first", [(2, True, True), (1, False, False), (3, True, False)])
def test_the_scratch_stack_agrees_with_torch(kind, num_layers, bidirectional, batch_first):
    from rnnkit.analysis.gradcheck import torch_stack_agreement

    torch.manual_seed(0)
    m = getattr(torch.nn, kind)(4, 3, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    errors = torch_stack_agreement(m, seed=1)
    dirs = 2 if bidirectional else 1
    suffixes = [f"_l{k}{d}" for k in range(num_layers) for d in (["", "_reverse"] if bidirectional else [""])]
    assert list(errors) == ["out", "h_n", "x", "h0"] + suffixes and len(suffixes) == num_layers * dirs
    assert max(errors.values()) < 1e-10, errors
    assert m.weight_ih_l0.dtype == torch.float32            # the caller's module is left as it was


def test_torch_stack_agreement_sees_wrong_weights(monkeypatch):
    from rnnkit import scratch as S_
    from rnnkit.analysis.gradcheck import torch_stack_agreement

    real = S_.stack_from_torch

    def swapped(module):                                    # the two directions' weights exchanged
        p = real(module)
        return [p[1], p[0]] + p[2:]

    torch.manual_seed(0)
    m = torch.nn.LSTM(4, 3, num_layers=2, bidirectional=True)
    monkeypatch.setattr(S_, "stack_from_torch", swapped)
    errors = torch_stack_agreement(m)
    assert errors["out"] > 1e-3 and errors["h_n"] > 1e-3
