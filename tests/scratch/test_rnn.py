"""Vanilla RNN: a step by hand, forward and backward; the sequence functions against the steps.

Numpy only. Gradient checks, float32, argument and cache checks: test_recurrent.py (every
layer); torch.nn.RNN: test_torch_parity.py.
"""
import math

import numpy as np
import pytest

from helpers import IDS, SHAPES, RandomArrays, cell_inputs
from rnnkit.scratch import rel_error, rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward


# --- values ---------------------------------------------------------------------------

def test_step_forward_by_hand():
    # N = D = H = 1: h = tanh(x wx + h_prev wh + b), computed with the math module.
    a = dict(x=np.array([[0.5]]), h_prev=np.array([[-0.3]]), Wx=np.array([[1.2]]),
             Wh=np.array([[0.7]]), b=np.array([0.1]))
    h, _ = rnn_step_forward(**a)
    assert h.shape == (1, 1)
    assert h[0, 0] == pytest.approx(math.tanh(0.5 * 1.2 - 0.3 * 0.7 + 0.1), abs=1e-15)


def test_step_backward_by_hand():
    a = dict(x=np.array([[0.5]]), h_prev=np.array([[-0.3]]), Wx=np.array([[1.2]]),
             Wh=np.array([[0.7]]), b=np.array([0.1]))
    h, cache = rnn_step_forward(**a)
    da = 2.0 * (1 - math.tanh(0.49) ** 2)          # dh = 2
    dx, dh_prev, dWx, dWh, db = rnn_step_backward(np.array([[2.0]]), cache)
    expected = [da * 1.2, da * 0.7, da * 0.5, da * -0.3, da]
    for got, want in zip([dx, dh_prev, dWx, dWh, db], expected):
        assert got.item() == pytest.approx(want, abs=1e-14)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_forward_is_the_step_repeated(shape):
    a = cell_inputs("rnn", *shape)
    h, _ = rnn_forward(**a)
    assert h.shape == (shape[0], shape[1], shape[3]) and h.dtype == np.float64
    h_prev = a["h0"]
    for t in range(shape[1]):
        h_prev, _ = rnn_step_forward(a["x"][:, t], h_prev, a["Wx"], a["Wh"], a["b"])
        assert rel_error(h[:, t], h_prev) < 1e-14


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_backward_is_the_step_backward_repeated(shape):
    """BPTT by hand: walk the steps backwards, add both gradient paths into h_t, sum dW over t."""
    N, T, D, H = shape
    a = cell_inputs("rnn", *shape)
    dh = RandomArrays(1).randn(N, T, H)
    h, cache = rnn_forward(**a)
    dx, dh0, dWx, dWh, db = rnn_backward(dh, cache)

    caches, h_prev = [], a["h0"]
    for t in range(T):
        h_prev, c = rnn_step_forward(a["x"][:, t], h_prev, a["Wx"], a["Wh"], a["b"])
        caches.append(c)
    dx_ref = np.zeros_like(a["x"])
    dW_ref = [np.zeros_like(a[k]) for k in ("Wx", "Wh", "b")]
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dx_ref[:, t], dh_next, *dW_t = rnn_step_backward(dh[:, t] + dh_next, caches[t])
        dW_ref = [acc + g for acc, g in zip(dW_ref, dW_t)]
    for got, want in zip([dx, dh0, dWx, dWh, db], [dx_ref, dh_next, *dW_ref]):
        assert got.shape == want.shape
        assert rel_error(got, want) < 1e-12


def test_gradient_reaches_the_first_input_only_through_the_recurrence():
    # Upstream gradient only at the last step: x_1 still gets a gradient (path through
    # h_2 .. h_T), and it is zero when Wh = 0 cuts the recurrence.
    a = cell_inputs("rnn", 2, 4, 3, 5)
    dh = np.zeros((2, 4, 5))
    dh[:, -1] = 1.0
    dx, dh0, *_ = rnn_backward(dh, rnn_forward(**a)[1])
    assert np.abs(dx[:, 0]).min() > 1e-4 and np.abs(dh0).max() > 1e-4
    a["Wh"] = np.zeros_like(a["Wh"])
    dx, dh0, *_ = rnn_backward(dh, rnn_forward(**a)[1])
    assert np.all(dx[:, :-1] == 0) and np.all(dh0 == 0) and np.abs(dx[:, -1]).min() > 1e-4
