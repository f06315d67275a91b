"""Vanilla RNN: rnn_step_forward/backward and rnn_forward/backward."""
import math

import numpy as np
import pytest
import torch

from helpers import RandomArrays, assert_below, check_grads, compare_float32, compare_with_torch
from rnnkit.scratch import rel_error, rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward

# (N, T, D, H); the step functions use N, D, H. The first one is the all-ones edge case.
SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 6, 2, 3), (1, 4, 3, 1)]
IDS = ["N{}T{}D{}H{}".format(*s) for s in SHAPES]


def step_inputs(N, T, D, H, seed=0):
    r = RandomArrays(seed)
    return dict(x=r.randn(N, D), h_prev=r.randn(N, H), Wx=r.randn(D, H, scale=0.5),
                Wh=r.randn(H, H, scale=0.5), b=r.randn(H, scale=0.1))


def seq_inputs(N, T, D, H, seed=0):
    r = RandomArrays(seed)
    return dict(x=r.randn(N, T, D), h0=r.randn(N, H), Wx=r.randn(D, H, scale=0.5),
                Wh=r.randn(H, H, scale=0.5), b=r.randn(H, scale=0.1))


def torch_step(x, h_prev, Wx, Wh, b):
    return torch.tanh(x @ Wx + h_prev @ Wh + b)


def torch_rnn(x, h0, Wx, Wh, b):
    h, hs = h0, []
    for t in range(x.shape[1]):
        h = torch.tanh(x[:, t] @ Wx + h @ Wh + b)
        hs.append(h)
    return torch.stack(hs, dim=1)


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
    a = seq_inputs(*shape)
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
    a = seq_inputs(*shape)
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
    a = seq_inputs(2, 4, 3, 5)
    dh = np.zeros((2, 4, 5))
    dh[:, -1] = 1.0
    dx, dh0, *_ = rnn_backward(dh, rnn_forward(**a)[1])
    assert np.abs(dx[:, 0]).min() > 1e-4 and np.abs(dh0).max() > 1e-4
    a["Wh"] = np.zeros_like(a["Wh"])
    dx, dh0, *_ = rnn_backward(dh, rnn_forward(**a)[1])
    assert np.all(dx[:, :-1] == 0) and np.all(dh0 == 0) and np.abs(dx[:, -1]).min() > 1e-4


def test_zero_time_steps():
    a = seq_inputs(2, 0, 3, 4)
    h, cache = rnn_forward(**a)
    dx, dh0, dWx, dWh, db = rnn_backward(np.zeros((2, 0, 4)), cache)
    assert h.shape == (2, 0, 4) and dx.shape == (2, 0, 3)
    assert not (dh0.any() or dWx.any() or dWh.any() or db.any())


# --- gradient checks and PyTorch ------------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_step_numeric_gradients(shape):
    errors = check_grads(rnn_step_forward, rnn_step_backward, step_inputs(*shape))
    assert set(errors) == {"dx", "dh_prev", "dWx", "dWh", "db"}
    assert_below(errors, 1e-7)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_sequence_numeric_gradients(shape):
    errors = check_grads(rnn_forward, rnn_backward, seq_inputs(*shape))
    assert set(errors) == {"dx", "dh0", "dWx", "dWh", "db"}
    assert_below(errors, 1e-7)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_step_agrees_with_torch_autograd(shape):
    assert_below(compare_with_torch(rnn_step_forward, rnn_step_backward, torch_step, step_inputs(*shape)), 1e-9)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_sequence_agrees_with_torch_autograd(shape):
    assert_below(compare_with_torch(rnn_forward, rnn_backward, torch_rnn, seq_inputs(*shape)), 1e-9)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_sequence_agrees_with_torch_nn_rnn(shape):
    """torch.nn.RNN stores W_ih (H, D) and W_hh (H, H) for column vectors and two biases."""
    N, T, D, H = shape
    a = seq_inputs(*shape)
    r = RandomArrays(2)
    b_ih = r.randn(H)
    b_hh = a["b"] - b_ih                              # scratch's b is b_ih + b_hh
    dh = r.randn(N, T, H)

    rnn = torch.nn.RNN(D, H, nonlinearity="tanh", batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(a["Wx"].T))
        rnn.weight_hh_l0.copy_(torch.from_numpy(a["Wh"].T))
        rnn.bias_ih_l0.copy_(torch.from_numpy(b_ih))
        rnn.bias_hh_l0.copy_(torch.from_numpy(b_hh))
    x_t = torch.tensor(a["x"], requires_grad=True)
    h0_t = torch.tensor(a["h0"][None], requires_grad=True)     # (num_layers, N, H)
    out, h_last = rnn(x_t, h0_t)
    out.backward(torch.from_numpy(dh))

    h, cache = rnn_forward(**a)
    dx, dh0, dWx, dWh, db = rnn_backward(dh, cache)
    pairs = {
        "h": (h, out.detach().numpy()),
        "h_T": (h[:, -1], h_last[0].detach().numpy()),
        "dx": (dx, x_t.grad.numpy()),
        "dh0": (dh0, h0_t.grad[0].numpy()),
        "dWx": (dWx, rnn.weight_ih_l0.grad.numpy().T),
        "dWh": (dWh, rnn.weight_hh_l0.grad.numpy().T),
        "db vs bias_ih": (db, rnn.bias_ih_l0.grad.numpy()),
        "db vs bias_hh": (db, rnn.bias_hh_l0.grad.numpy()),
    }
    assert_below({k: rel_error(*v) for k, v in pairs.items()}, 1e-9)


# --- dtypes ---------------------------------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_float32_step(shape):
    assert_below(compare_float32(rnn_step_forward, rnn_step_backward, step_inputs(*shape)), 1e-5)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_float32_sequence(shape):
    assert_below(compare_float32(rnn_forward, rnn_backward, seq_inputs(*shape)), 1e-5)


def test_backward_leaves_its_arguments_unchanged():
    a = seq_inputs(2, 3, 4, 5)
    saved = {k: v.copy() for k, v in a.items()}
    dh = RandomArrays(1).randn(2, 3, 5)
    dh_saved = dh.copy()
    rnn_backward(dh, rnn_forward(**a)[1])
    assert np.array_equal(dh, dh_saved)
    assert all(np.array_equal(a[k], saved[k]) for k in a)


# --- bad input ------------------------------------------------------------------------

def _replace(args, name, value):
    """``value`` is an array, or a callable that turns the valid argument into a bad one."""
    args = dict(args)
    args[name] = value(args[name]) if callable(value) else value
    return args


def _nan(a):
    a = a.copy()
    a.flat[-1] = np.nan
    return a


def _inf(a):
    a = a.copy()
    a.flat[0] = -np.inf
    return a


BAD_STEP = [   # valid shapes: x (2, 4), h_prev (2, 5), Wx (4, 5), Wh (5, 5), b (5,)
    ("x", np.zeros((2, 1, 4)), r"x must be a 2-D array of shape \(N, D\)"),
    ("x", lambda a: a.astype(np.int64), r"x must be a float32 or float64 array"),
    ("x", lambda a: a.tolist(), r"x must be a numpy array"),
    ("h_prev", np.zeros((3, 5)), r"h_prev must have shape \(N, H\) = \(2, 5\), got \(3, 5\)"),
    ("h_prev", np.zeros(5), r"h_prev must be a 2-D array of shape \(N, H\)"),
    ("Wx", np.zeros((3, 5)), r"Wx must have shape \(D, H\) = \(4, 5\), got \(3, 5\)"),
    ("Wh", np.zeros((5, 4)), r"Wh must have shape \(H, H\) = \(5, 5\), got \(5, 4\)"),
    ("b", np.zeros(6), r"b must have shape \(H\) = \(5,\), got \(6,\)"),
    ("b", np.zeros((1, 5)), r"b must be a 1-D array"),
    ("x", _nan, r"x contains NaN or infinity"),
    ("h_prev", _inf, r"h_prev contains NaN or infinity"),
    ("Wh", _nan, r"Wh contains NaN or infinity"),
    ("b", _inf, r"b contains NaN or infinity"),
    ("Wx", lambda a: a.astype(np.float32), r"Wx has dtype float32 but the other inputs are float64"),
]


@pytest.mark.parametrize("name, bad, match", BAD_STEP, ids=[f"{n}-{m[:25]}" for n, _, m in BAD_STEP])
def test_step_forward_rejects(name, bad, match):
    with pytest.raises(ValueError, match=match):
        rnn_step_forward(**_replace(step_inputs(2, 1, 4, 5), name, bad))


BAD_SEQ = [    # valid shapes: x (2, 3, 4), h0 (2, 5), Wx (4, 5), Wh (5, 5), b (5,)
    ("x", np.zeros((2, 4)), r"x must be a 3-D array of shape \(N, T, D\)"),
    ("h0", np.zeros((2, 3, 5)), r"h0 must be a 2-D array of shape \(N, H\)"),
    ("h0", np.zeros((1, 5)), r"h0 must have shape \(N, H\) = \(2, 5\), got \(1, 5\)"),
    ("Wx", np.zeros((5, 5)), r"Wx must have shape \(D, H\) = \(4, 5\)"),
    ("Wh", np.zeros((4, 4)), r"Wh must have shape \(H, H\) = \(5, 5\)"),
    ("b", np.zeros(4), r"b must have shape \(H\) = \(5,\)"),
    ("x", _nan, r"x contains NaN or infinity"),
    ("Wx", _inf, r"Wx contains NaN or infinity"),
    ("h0", lambda a: a.astype(np.float32), r"h0 has dtype float32"),
]


@pytest.mark.parametrize("name, bad, match", BAD_SEQ, ids=[f"{n}-{m[:25]}" for n, _, m in BAD_SEQ])
def test_sequence_forward_rejects(name, bad, match):
    with pytest.raises(ValueError, match=match):
        rnn_forward(**_replace(seq_inputs(2, 3, 4, 5), name, bad))


def test_step_backward_rejects_bad_upstream_and_cache():
    _, cache = rnn_step_forward(**step_inputs(2, 1, 4, 5))
    dh = np.ones((2, 5))
    with pytest.raises(ValueError, match=r"dh must have shape \(N, H\) = \(2, 5\), got \(2, 4\)"):
        rnn_step_backward(np.ones((2, 4)), cache)
    with pytest.raises(ValueError, match=r"dh must be a 2-D array"):
        rnn_step_backward(np.ones((2, 1, 5)), cache)
    with pytest.raises(ValueError, match=r"dh contains NaN"):
        rnn_step_backward(_nan(dh), cache)
    with pytest.raises(ValueError, match=r"dh has dtype float32"):
        rnn_step_backward(dh.astype(np.float32), cache)
    _, seq_cache = rnn_forward(**seq_inputs(2, 3, 4, 5))
    for wrong in [seq_cache, None, (), ("rnn_stepx",) + cache[1:]]:
        with pytest.raises(ValueError, match=r"cache must be the cache returned by the matching rnn_step forward"):
            rnn_step_backward(dh, wrong)


def test_sequence_backward_rejects_bad_upstream_and_cache():
    _, cache = rnn_forward(**seq_inputs(2, 3, 4, 5))
    dh = np.ones((2, 3, 5))
    with pytest.raises(ValueError, match=r"dh must have shape \(N, T, H\) = \(2, 3, 5\), got \(2, 4, 5\)"):
        rnn_backward(np.ones((2, 4, 5)), cache)
    with pytest.raises(ValueError, match=r"dh must be a 3-D array of shape \(N, T, H\)"):
        rnn_backward(np.ones((2, 5)), cache)
    with pytest.raises(ValueError, match=r"dh contains NaN"):
        rnn_backward(_inf(dh), cache)
    _, step_cache = rnn_step_forward(**step_inputs(2, 1, 4, 5))
    with pytest.raises(ValueError, match=r"cache must be the cache returned by the matching rnn forward"):
        rnn_backward(dh, step_cache)


def test_backward_names_the_cache_when_given_the_whole_forward_result():
    # A likely learner mistake: passing forward's (h, cache) instead of cache.
    result = rnn_step_forward(**step_inputs(2, 1, 4, 5))
    with pytest.raises(ValueError, match=r"cache must be the cache returned by the matching rnn_step forward"):
        rnn_step_backward(np.ones((2, 5)), result)
