"""GRU (PyTorch's equations, gates r, z, n): a step by hand, and what the update gate does.

Numpy only. Gradient checks, float32, argument and cache checks: test_recurrent.py (every
layer); torch.nn.GRU: test_torch_parity.py; gru_forward_fast: test_fast.py.
"""
import math

import numpy as np
import pytest

from helpers import RandomArrays, logistic
from rnnkit.scratch import gru_step_forward


# --- values ---------------------------------------------------------------------------

def test_step_forward_by_hand():
    # N = D = H = 1, columns r, z, n; r scales (h W_hn + b_hn), bias included.
    Wx, Wh = [0.3, -0.4, 0.8], [0.5, 0.2, -0.6]
    bx, bh = [0.1, 1.0, -0.3], [0.2, -0.5, 0.7]
    x, h_prev = 0.7, -0.5
    r = logistic(x * Wx[0] + bx[0] + h_prev * Wh[0] + bh[0])
    z = logistic(x * Wx[1] + bx[1] + h_prev * Wh[1] + bh[1])
    n = math.tanh(x * Wx[2] + bx[2] + r * (h_prev * Wh[2] + bh[2]))
    h = (1 - z) * n + z * h_prev
    h_got, _ = gru_step_forward(np.array([[x]]), np.array([[h_prev]]), np.array([Wx]), np.array([Wh]),
                                np.array(bx), np.array(bh))
    assert h_got.shape == (1, 1)
    assert h_got.item() == pytest.approx(h, abs=1e-15)


def test_update_gate_one_keeps_the_state_zero_takes_the_candidate():
    N, D, H = 2, 3, 4
    r = RandomArrays(5)
    x, h_prev = r.randn(N, D), r.randn(N, H)
    Wx, Wh = r.randn(D, 3 * H), r.randn(H, 3 * H)
    Wx[:, H:2 * H] = 0
    Wh[:, H:2 * H] = 0
    bh = np.zeros(3 * H)
    bx = np.zeros(3 * H)
    bx[H:2 * H] = 40.0                                      # z = 1
    h, _ = gru_step_forward(x, h_prev, Wx, Wh, bx, bh)
    np.testing.assert_array_equal(h, h_prev)
    bx[H:2 * H] = -40.0                                     # z = 0: h = n
    bx[:H] = 40.0                                           # r = 1: n = tanh(x Wx_n + h Wh_n)
    h, _ = gru_step_forward(x, h_prev, Wx, Wh, bx, bh)
    np.testing.assert_allclose(h, np.tanh(x @ Wx[:, 2 * H:] + h_prev @ Wh[:, 2 * H:]), atol=1e-15)
    bx[:H] = -40.0                                          # r = 0: the old state is ignored
    h, _ = gru_step_forward(x, h_prev, Wx, Wh, bx, bh)
    np.testing.assert_allclose(h, np.tanh(x @ Wx[:, 2 * H:]), atol=1e-15)
