"""LSTM: lstm_step_forward/backward and lstm_forward/backward (gate order i, f, o, g)."""
import math

import numpy as np
import pytest
import torch
from torch.func import functional_call

from helpers import RandomArrays, assert_below, check_grads, compare_float32, compare_with_torch
from rnnkit.scratch import (lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward,
                            params_from_torch, params_to_torch, rel_error)

# (N, T, D, H); the step functions use N, D, H. The first one is the all-ones edge case.
SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 5, 2, 3), (1, 4, 3, 1)]
IDS = ["N{}T{}D{}H{}".format(*s) for s in SHAPES]


def weights(r, D, H):
    return dict(Wx=r.randn(D, 4 * H, scale=0.5), Wh=r.randn(H, 4 * H, scale=0.5),
                b=r.randn(4 * H, scale=0.3))


def step_inputs(N, T, D, H, seed=0):
    r = RandomArrays(seed)
    return dict(x=r.randn(N, D), h_prev=r.randn(N, H), c_prev=r.randn(N, H), **weights(r, D, H))


def seq_inputs(N, T, D, H, seed=0):
    r = RandomArrays(seed)
    return dict(x=r.randn(N, T, D), h0=r.randn(N, H), **weights(r, D, H))


# PyTorch's layout, written out independently of rnnkit.scratch.convert: nn.LSTM keeps
# the gate blocks as rows in the order i, f, g, o; the scratch columns are i, f, o, g.
def torch_layout(W):
    i, f, o, g = W.chunk(4, dim=-1)
    return torch.cat([i, f, g, o], dim=-1).T


def scratch_layout(W):
    i, f, g, o = W.chunk(4, dim=0)
    return torch.cat([i, f, o, g], dim=0).T


def torch_lstm(x, h0, c0, Wx, Wh, b):
    """nn.LSTM (float64) run on the scratch weights; autograd maps gradients back to them."""
    N, T, D = x.shape
    H = h0.shape[1]
    module = torch.nn.LSTM(D, H, batch_first=True).double()
    params = {"weight_ih_l0": torch_layout(Wx), "weight_hh_l0": torch_layout(Wh),
              "bias_ih_l0": torch_layout(b[None]).T[0], "bias_hh_l0": torch.zeros_like(b)}
    out, (hT, cT) = functional_call(module, params, (x, (h0[None], c0[None])))
    return out, hT[0], cT[0]


def torch_step(x, h_prev, c_prev, Wx, Wh, b):
    _, h, c = torch_lstm(x[:, None], h_prev, c_prev, Wx, Wh, b)
    return h, c


def torch_seq(x, h0, Wx, Wh, b):
    return torch_lstm(x, h0, torch.zeros_like(h0), Wx, Wh, b)[0]


# --- values ---------------------------------------------------------------------------

def sig(v):
    return 1 / (1 + math.exp(-v))


def test_step_forward_by_hand():
    # N = D = H = 1, gate order i, f, o, g along the 4 columns, computed with math.
    Wx, Wh, b = [0.3, -0.4, 0.8, 1.1], [0.5, 0.2, -0.6, 0.9], [0.1, 1.0, 0.0, -0.2]
    x, h_prev, c_prev = 0.7, -0.5, 0.25
    a = [x * wx + h_prev * wh + bb for wx, wh, bb in zip(Wx, Wh, b)]
    i, f, o, g = sig(a[0]), sig(a[1]), sig(a[2]), math.tanh(a[3])
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


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_forward_is_the_step_repeated(shape):
    N, T, D, H = shape
    a = seq_inputs(*shape)
    h, _ = lstm_forward(**a)
    assert h.shape == (N, T, H) and h.dtype == np.float64 and h.flags.c_contiguous
    h_prev, c_prev = a["h0"], np.zeros((N, H))
    for t in range(T):
        h_prev, c_prev, _ = lstm_step_forward(a["x"][:, t], h_prev, c_prev, a["Wx"], a["Wh"], a["b"])
        assert rel_error(h[:, t], h_prev) < 1e-12


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_backward_is_the_step_backward_repeated(shape):
    """BPTT by hand with the (unoptimised) step functions: dh_t gets the upstream and the
    recurrent gradient, dc_t flows back through the forget gates, dW sums over t."""
    N, T, D, H = shape
    a = seq_inputs(*shape)
    dh = RandomArrays(1).randn(N, T, H)
    _, cache = lstm_forward(**a)
    dx, dh0, dWx, dWh, db = lstm_backward(dh, cache)

    h_prev, c_prev, caches = a["h0"], np.zeros((N, H)), []
    for t in range(T):
        h_prev, c_prev, step_cache = lstm_step_forward(a["x"][:, t], h_prev, c_prev,
                                                       a["Wx"], a["Wh"], a["b"])
        caches.append(step_cache)
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    want = {"dWx": 0, "dWh": 0, "db": 0}
    dx_want = np.zeros_like(dx)
    for t in reversed(range(T)):
        dx_t, dh_next, dc_next, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t] + dh_next, dc_next,
                                                                       caches[t])
        dx_want[:, t] = dx_t
        want["dWx"] += dWx_t
        want["dWh"] += dWh_t
        want["db"] += db_t
    assert_below({"dx": rel_error(dx, dx_want), "dh0": rel_error(dh0, dh_next),
                  "dWx": rel_error(dWx, want["dWx"]), "dWh": rel_error(dWh, want["dWh"]),
                  "db": rel_error(db, want["db"])}, 1e-12)


def test_zero_time_steps():
    a = seq_inputs(2, 0, 3, 4)
    h, cache = lstm_forward(**a)
    assert h.shape == (2, 0, 4)
    dx, dh0, dWx, dWh, db = lstm_backward(np.zeros((2, 0, 4)), cache)
    assert dx.shape == (2, 0, 3) and dh0.shape == (2, 4)
    assert not dh0.any() and not dWx.any() and not dWh.any() and not db.any()


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


# --- gradients ------------------------------------------------------------------------

# The elementwise relative error of a centred difference is ill-conditioned where a
# gradient entry happens to be tiny: with h = 1e-5 the difference carries ~5e-11 of
# rounding noise, i.e. a relative error of 1e-7 on an entry of 5e-4. Seed 1 gives no such
# entry at these shapes (seeds 0, 3 and 4 each have one, up to 2e-5; the agreement with
# torch below shows those are noise, not bugs).
GRAD_SEED = 1

@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_step_numeric_gradients(shape):
    errors = check_grads(lstm_step_forward, lstm_step_backward, step_inputs(*shape, seed=GRAD_SEED))
    assert set(errors) == {"dx", "dh_prev", "dc_prev", "dWx", "dWh", "db"}
    assert_below(errors, 1e-7)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_sequence_numeric_gradients(shape):
    errors = check_grads(lstm_forward, lstm_backward, seq_inputs(*shape, seed=GRAD_SEED))
    assert set(errors) == {"dx", "dh0", "dWx", "dWh", "db"}
    assert_below(errors, 1e-7)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_step_agrees_with_torch_autograd(shape):
    assert_below(compare_with_torch(lstm_step_forward, lstm_step_backward, torch_step,
                                    step_inputs(*shape)), 1e-9)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_sequence_agrees_with_torch_autograd(shape):
    assert_below(compare_with_torch(lstm_forward, lstm_backward, torch_seq, seq_inputs(*shape)), 1e-9)


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_sequence_agrees_with_torch_nn_lstm_through_the_converters(shape, batch_first):
    """A stock nn.LSTM (its own initialisation, both biases) against the scratch layer fed
    with params_from_torch; torch's parameter gradients are read back with params_from_torch
    too (each of bias_ih and bias_hh receives the whole db, so their sum is 2 db)."""
    N, T, D, H = shape
    torch.manual_seed(sum(shape))
    lstm = torch.nn.LSTM(D, H, batch_first=batch_first).double()
    p = params_from_torch(lstm)
    r = RandomArrays(3)
    x, h0, dh = r.randn(N, T, D), r.randn(N, H), r.randn(N, T, H)

    h, cache = lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"])
    dx, dh0, dWx, dWh, db = lstm_backward(dh, cache)

    xt = torch.tensor(x if batch_first else x.transpose(1, 0, 2), requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)
    out, _ = lstm(xt, (h0t, torch.zeros_like(h0t)))
    out.backward(torch.tensor(dh if batch_first else dh.transpose(1, 0, 2)))
    to_bf = (lambda a: a) if batch_first else (lambda a: a.transpose(1, 0, 2))

    grads = torch.nn.LSTM(D, H).double()
    with torch.no_grad():
        for g, q in zip(grads.parameters(), lstm.parameters()):
            g.copy_(q.grad)
    tg = params_from_torch(grads)
    errors = {"h": rel_error(h, to_bf(out.detach().numpy())), "dx": rel_error(dx, to_bf(xt.grad.numpy())),
              "dh0": rel_error(dh0, h0t.grad[0].numpy()), "dWx": rel_error(dWx, tg["Wx"]),
              "dWh": rel_error(dWh, tg["Wh"]), "db": rel_error(2 * db, tg["b"])}
    assert_below(errors, 1e-9)


def test_scratch_weights_through_params_to_torch_reproduce_the_module():
    N, T, D, H = 3, 6, 4, 5
    a = seq_inputs(N, T, D, H)
    lstm = params_to_torch({k: a[k] for k in ("Wx", "Wh", "b")}, torch.nn.LSTM(D, H, batch_first=True).double())
    h, _ = lstm_forward(**a)
    out, _ = lstm(torch.tensor(a["x"]), (torch.tensor(a["h0"][None]), torch.zeros(1, N, H, dtype=torch.float64)))
    assert rel_error(h, out.detach().numpy()) < 1e-12


# --- float32 --------------------------------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_float32_step(shape):
    assert_below(compare_float32(lstm_step_forward, lstm_step_backward, step_inputs(*shape)), 1e-5)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_float32_sequence(shape):
    assert_below(compare_float32(lstm_forward, lstm_backward, seq_inputs(*shape)), 1e-5)


def test_no_overflow_warning_for_huge_preactivations():
    # The sigmoid never calls exp(-a), so |a| ~ 1e4 in float32 is fine (and warning-free:
    # pytest turns RuntimeWarnings raised in rnnkit into errors).
    a = {k: v.astype(np.float32) for k, v in seq_inputs(2, 3, 4, 5).items()}
    a["Wx"] *= 1e4
    h, cache = lstm_forward(**a)
    assert np.isfinite(h).all() and np.abs(h).max() <= 1
    assert all(np.isfinite(g).all() for g in lstm_backward(np.ones_like(h), cache))


def test_backward_leaves_its_arguments_unchanged_and_can_run_twice():
    a = seq_inputs(2, 3, 4, 5)
    saved = {k: v.copy() for k, v in a.items()}
    dh = RandomArrays(1).randn(2, 3, 5)
    dh_saved = dh.copy()
    _, cache = lstm_forward(**a)
    first = lstm_backward(dh, cache)
    second = lstm_backward(dh, cache)
    assert all(np.array_equal(g1, g2) for g1, g2 in zip(first, second))
    assert np.array_equal(dh, dh_saved)
    assert all(np.array_equal(a[k], saved[k]) for k in a)


def test_sequence_backward_accepts_a_non_contiguous_upstream_gradient():
    a = seq_inputs(2, 3, 4, 5)
    _, cache = lstm_forward(**a)
    dh = RandomArrays(1).randn(3, 2, 5)
    g1 = lstm_backward(dh.transpose(1, 0, 2), cache)
    g2 = lstm_backward(np.ascontiguousarray(dh.transpose(1, 0, 2)), cache)
    assert all(np.array_equal(u, v) for u, v in zip(g1, g2))


# --- bad input ------------------------------------------------------------------------

def _replace(args, name, value):
    args = dict(args)
    args[name] = value(args[name]) if callable(value) else value
    return args


def _nan(a):
    a = a.copy()
    a.flat[-1] = np.nan
    return a


def _inf(a):
    a = a.copy()
    a.flat[0] = np.inf
    return a


def _common(names):
    """Checks every argument gets: rank, type, dtype, non-finite values, mixed precision.

    The weights are validated first (they define D and H), so mixed precision is blamed
    on whichever argument differs from Wx.
    """
    cases = []
    for n in names:
        cases += [(n, lambda a: a[None], rf"^{n} must be a \d-D array of shape"),
                  (n, lambda a: a.tolist(), rf"^{n} must be a numpy array"),
                  (n, lambda a: a.astype(np.int64), rf"^{n} must be a float32 or float64 array"),
                  (n, _nan, rf"^{n} contains NaN or infinity"),
                  (n, _inf, rf"^{n} contains NaN or infinity")]
        if n != "Wx":
            cases.append((n, lambda a: a.astype(np.float32),
                          rf"^{n} has dtype float32 but the other inputs are float64"))
    return cases


BAD_STEP = _common(["x", "h_prev", "c_prev", "Wx", "Wh", "b"]) + [
    # valid: x (2, 4), h_prev and c_prev (2, 5), Wx (4, 20), Wh (5, 20), b (20,)
    ("x", np.zeros((2, 3)), r"^x must have shape \(N, D\) = \(2, 4\), got \(2, 3\)"),
    ("h_prev", np.zeros((2, 4)), r"^h_prev must have shape \(N, H\) = \(2, 5\), got \(2, 4\)"),
    ("c_prev", np.zeros((3, 5)), r"^c_prev must have shape \(N, H\) = \(2, 5\), got \(3, 5\)"),
    ("Wx", np.zeros((4, 18)), r"^Wx must have shape \(D, 4H\): axis of size 18 is not a multiple of 4"),
    ("Wh", np.zeros((5, 24)), r"^Wh must have shape \(H, 4H\) = \(5, 20\), got \(5, 24\)"),
    ("Wh", np.zeros((6, 20)), r"^Wh must have shape \(H, 4H\) = \(5, 20\), got \(6, 20\)"),
    ("b", np.zeros(5), r"^b must have shape \(4H\) = \(20,\), got \(5,\)"),
]


@pytest.mark.parametrize("name, bad, match", BAD_STEP, ids=[f"{n}-{m[len(n) + 1:30]}" for n, _, m in BAD_STEP])
def test_step_forward_rejects(name, bad, match):
    with pytest.raises(ValueError, match=match):
        lstm_step_forward(**_replace(step_inputs(2, 1, 4, 5), name, bad))


BAD_SEQ = _common(["x", "h0", "Wx", "Wh", "b"]) + [
    # valid: x (2, 3, 4), h0 (2, 5), Wx (4, 20), Wh (5, 20), b (20,)
    ("x", np.zeros((2, 3, 5)), r"^x must have shape \(N, T, D\) = \(2, 3, 4\), got \(2, 3, 5\)"),
    ("h0", np.zeros((2, 6)), r"^h0 must have shape \(N, H\) = \(2, 5\), got \(2, 6\)"),
    ("h0", np.zeros((1, 5)), r"^h0 must have shape \(N, H\) = \(2, 5\), got \(1, 5\)"),
    ("Wx", np.zeros((4, 5)), r"^Wx must have shape \(D, 4H\): axis of size 5 is not a multiple of 4"),
    ("Wh", np.zeros((5, 5)), r"^Wh must have shape \(H, 4H\) = \(5, 20\), got \(5, 5\)"),
    ("b", np.zeros(21), r"^b must have shape \(4H\) = \(20,\), got \(21,\)"),
]


@pytest.mark.parametrize("name, bad, match", BAD_SEQ, ids=[f"{n}-{m[len(n) + 1:30]}" for n, _, m in BAD_SEQ])
def test_sequence_forward_rejects(name, bad, match):
    with pytest.raises(ValueError, match=match):
        lstm_forward(**_replace(seq_inputs(2, 3, 4, 5), name, bad))


@pytest.mark.parametrize("name", ["dh", "dc"])
def test_step_backward_rejects_bad_upstream(name):
    _, _, cache = lstm_step_forward(**step_inputs(2, 1, 4, 5))
    good = {"dh": np.ones((2, 5)), "dc": np.ones((2, 5))}
    for bad, match in [(np.ones((2, 4)), rf"^{name} must have shape \(N, H\) = \(2, 5\), got \(2, 4\)"),
                       (np.ones((2, 1, 5)), rf"^{name} must be a 2-D array"),
                       (_nan(good[name]), rf"^{name} contains NaN"),
                       (good[name].astype(np.float32), rf"^{name} has dtype float32"),
                       (good[name].tolist(), rf"^{name} must be a numpy array")]:
        with pytest.raises(ValueError, match=match):
            lstm_step_backward(**_replace(good, name, bad), cache=cache)


def test_step_backward_rejects_a_wrong_cache():
    dh = np.ones((2, 5))
    _, seq_cache = lstm_forward(**seq_inputs(2, 3, 4, 5))
    from rnnkit.scratch import gru_step_forward, rnn_step_forward
    r = RandomArrays(0)
    _, gru_cache = gru_step_forward(r.randn(2, 4), r.randn(2, 5), r.randn(4, 15), r.randn(5, 15),
                                    r.randn(15), r.randn(15))
    _, rnn_cache = rnn_step_forward(r.randn(2, 4), r.randn(2, 5), r.randn(4, 5), r.randn(5, 5), r.randn(5))
    for wrong in [seq_cache, gru_cache, rnn_cache, None, (), "lstm_step"]:
        with pytest.raises(ValueError, match=r"^cache must be the cache returned by the matching lstm_step forward"):
            lstm_step_backward(dh, dh, wrong)


def test_sequence_backward_rejects_bad_upstream_and_cache():
    _, cache = lstm_forward(**seq_inputs(2, 3, 4, 5))
    dh = np.ones((2, 3, 5))
    for bad, match in [(np.ones((2, 4, 5)), r"^dh must have shape \(N, T, H\) = \(2, 3, 5\), got \(2, 4, 5\)"),
                       (np.ones((2, 5)), r"^dh must be a 3-D array of shape \(N, T, H\)"),
                       (_inf(dh), r"^dh contains NaN or infinity"),
                       (dh.astype(np.float32), r"^dh has dtype float32")]:
        with pytest.raises(ValueError, match=match):
            lstm_backward(bad, cache)
    _, _, step_cache = lstm_step_forward(**step_inputs(2, 1, 4, 5))
    for wrong in [step_cache, None, ("gru",) + cache[1:]]:
        with pytest.raises(ValueError, match=r"^cache must be the cache returned by the matching lstm forward"):
            lstm_backward(dh, wrong)


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
