"""LSTM (gate order i, f, o, g): a step by hand, the gate blocks, the cell-state highway; the sigmoid.

Numpy only. Gradient checks, float32, argument and cache checks: test_recurrent.py (every
layer); torch.nn.LSTM: test_torch_parity.py; lstm_forward_fast: test_fast.py.
"""
import math

import numpy as np
import pytest

from helpers import RandomArrays, logistic
from rnnkit.scratch import lstm_backward, lstm_forward, lstm_step_forward


# --- values ---------------------------------------------------------------------------

def test_step_forward_by_hand():
    # N = D = H = 1, gate order i, f, o, g along the 4 columns, computed with math.
    Wx, Wh, b = [0.3, -0.4, 0.8, 1.1], [0.5, 0.2, -0.6, 0.9], [0.1, 1.0, 0.0, -0.2]
    x, h_prev, c_prev = 0.7, -0.5, 0.25
    a = [x * wx + h_prev * wh + bb for wx, wh, bb in zip(Wx, Wh, b)]
    i, f, o, g = logistic(a[0]), logistic(a[1]), logistic(a[2]), math.tanh(a[3])
    c = f * c_prev + i * g
    h = o * math.tanh(c)
    h_got, c_got, _ = lstm_step_forward(np.array([[x]]), np.array([[h_prev]]), np.array([[c_prev]]),
                                        np.array([Wx]), np.array([Wh]), np.array(b))
    assert h_got.shape == c_got.shape == (1, 1)
    assert c_got.item() == pytest.approx(c, abs=1e-15)
    assert h_got.item() == pytest.approx(h, abs=1e-15)


def test_gate_blocks_are_i_f_o_g():
    # Saturate one block at a time through the bias (x = h = 0): c = f c_prev + i g, h = o tanh(c).
    N, D, H = 2, 3, 4
    x, h_prev, c_prev = np.zeros((N, D)), np.zeros((N, H)), np.full((N, H), 0.5)
    Wx, Wh = np.zeros((D, 4 * H)), np.zeros((H, 4 * H))
    big = 40.0

    def run(i, f, o, g):
        b = np.repeat([i, f, o, g], H).astype(np.float64)
        return lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)[:2]

    h, c = run(-big, big, big, 0.0)        # input gate shut, forget gate open: c = c_prev
    np.testing.assert_allclose(c, 0.5, atol=1e-15)
    np.testing.assert_allclose(h, math.tanh(0.5), atol=1e-15)
    h, c = run(big, -big, big, big)        # forget everything, write g = 1
    np.testing.assert_allclose(c, 1.0, atol=1e-15)
    h, c = run(big, big, -big, big)        # output gate shut: h = 0 whatever c is
    np.testing.assert_allclose(c, 1.5, atol=1e-15)
    np.testing.assert_allclose(h, 0.0, atol=1e-15)


def test_open_forget_gate_carries_the_gradient_back_undiminished():
    # i = f = 1 (bias +40), o = 1/2, x feeds only g, no recurrence: c_T = Σ_t tanh(x_t) and
    # h_T = ½ tanh(c_T), so dh_T/dx_1 = ½ (1 - tanh²(c_T)) (1 - tanh²(x_1)) for any T:
    # the cell state is a highway that does not shrink the gradient step by step.
    N, T, D, H = 1, 60, 1, 1
    x = RandomArrays(2).randn(N, T, D, scale=0.3)
    Wx = np.array([[0.0, 0.0, 0.0, 1.0]])
    b = np.array([40.0, 40.0, 0.0, 0.0])
    h, cache = lstm_forward(x, np.zeros((N, H)), Wx, np.zeros((H, 4 * H)), b)
    c_T = np.tanh(x).sum()
    assert h[0, -1, 0] == pytest.approx(0.5 * math.tanh(c_T), abs=1e-14)
    dh = np.zeros((N, T, H))
    dh[0, -1, 0] = 1.0
    dx, *_ = lstm_backward(dh, cache)
    want = 0.5 * (1 - math.tanh(c_T) ** 2) * (1 - math.tanh(x[0, 0, 0]) ** 2)
    assert dx[0, 0, 0] == pytest.approx(want, rel=1e-12)


# --- the shared sigmoid (rnnkit.scratch.activations) -----------------------------------

def test_sigmoid_matches_the_definition_and_saturates_without_warnings():
    from rnnkit.scratch.activations import sigmoid
    x = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(sigmoid(x), 1 / (1 + np.exp(-x)), rtol=0, atol=4e-16)   # ~1 ulp of 1
    assert sigmoid(np.array([0.0]))[0] == 0.5
    np.testing.assert_allclose(sigmoid(x) + sigmoid(-x), 1.0, atol=2e-16)      # σ(-x) = 1 - σ(x)
    big = np.array([-1e30, -1e4, 1e4, 1e30], dtype=np.float32)
    s = sigmoid(big)
    assert s.dtype == np.float32 and s.tolist() == [0.0, 0.0, 1.0, 1.0]
    y = x.copy()
    assert sigmoid(y, out=y) is y and np.array_equal(y, sigmoid(x))           # in place
