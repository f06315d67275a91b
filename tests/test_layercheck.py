import numpy as np
import pytest

from rnnkit import scratch as S
from rnnkit.analysis.gradcheck import LAYERS, check_all, check_layer, decade_bound, richardson_gradient


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
