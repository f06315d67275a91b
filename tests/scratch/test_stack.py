"""Bidirectional and stacked scratch layers (rnnkit.scratch.bidirectional, .stack); numpy only."""
import numpy as np
import pytest

from helpers import RandomArrays, cell_inputs
from rnnkit import scratch as S
from rnnkit.analysis.gradcheck import check_stack, richardson_gradient

CELLS = ("rnn", "lstm", "gru")


def weights(cell, D, H, seed):
    """One direction's weights from the shared test fixture (the x and h0 it draws are dropped)."""
    a = cell_inputs(cell, 2, 3, D, H, seed=seed)
    return {k: v for k, v in a.items() if k not in ("x", "h0")}


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("cell", CELLS)
def test_gradient_check_of_the_stack(cell, num_layers, bidirectional):
    r = check_stack(cell, num_layers, bidirectional, T=3 if num_layers < 3 else 2)
    dirs = 2 if bidirectional else 1
    assert len(r["errors"]) == 2 + num_layers * dirs * (4 if cell == "gru" else 3)
    assert "Wh_l0_reverse" in r["errors"] if bidirectional else "Wh_l0_reverse" not in r["errors"]
    assert r["max_error"] < 1e-7, r["errors"]


def test_gradient_check_catches_a_wrong_backward_pass():
    def no_h_n(dout, dh_n, cache):             # forgets the gradient that enters through h_n
        return S.stacked_backward(dout, np.zeros_like(dh_n), cache)

    r = check_stack("lstm", 2, True, backward=no_h_n)
    assert r["max_error"] > 1e-2
    assert r["errors"]["Wx_l1_reverse"] > 1e-2


@pytest.mark.parametrize("cell", CELLS)
def test_bidirectional_is_the_layer_run_forward_and_on_the_reversed_sequence(cell):
    forward = {"rnn": S.rnn_forward, "lstm": S.lstm_forward, "gru": S.gru_forward}[cell]
    r = RandomArrays(4)
    N, T, D, H = 2, 5, 3, 4
    x, h0 = r.randn(N, T, D), r.randn(2, N, H)
    pf, pb = weights(cell, D, H, 1), weights(cell, D, H, 2)
    out, _ = S.bidirectional_forward(cell, x, h0, [pf, pb])
    assert out.shape == (N, T, 2 * H)
    assert np.array_equal(out[:, :, :H], forward(x, h0[0], **pf)[0])
    # the backward state at t has read x_T, ..., x_t: the layer run on that tail, reversed
    p_rev = np.stack([forward(x[:, t:][:, ::-1], h0[1], **pb)[0][:, -1] for t in range(T)], axis=1)
    np.testing.assert_allclose(out[:, :, H:], p_rev, rtol=0, atol=1e-14)
    # out_t depends on x_T through the backward half only; on x_1 through the forward half
    x2 = x.copy()
    x2[:, -1] += 1.0
    out2, _ = S.bidirectional_forward(cell, x2, h0, [pf, pb])
    assert np.array_equal(out2[:, 0, :H], out[:, 0, :H]) and not np.allclose(out2[:, 0, H:], out[:, 0, H:])


@pytest.mark.parametrize("cell", CELLS)
def test_h_n_order_is_layer0_fwd_layer0_bwd_layer1_fwd(cell):
    N, T, D, H, L = 2, 4, 3, 5, 2
    params = S.init_stack(cell, D, H, L, bidirectional=True, seed=0)
    r = RandomArrays(1)
    x, h0 = r.randn(N, T, D), r.randn(2 * L, N, H)
    out, h_n, _ = S.stacked_forward(cell, x, h0, params, bidirectional=True)
    out0, _ = S.bidirectional_forward(cell, x, h0[:2], params[:2])
    out1, _ = S.bidirectional_forward(cell, out0, h0[2:], params[2:])
    assert np.array_equal(out, out1) and h_n.shape == (2 * L, N, H)
    assert np.array_equal(h_n[0], out0[:, -1, :H])     # layer 0 forward: after x_T
    assert np.array_equal(h_n[1], out0[:, 0, H:])      # layer 0 backward: after x_1, at t = 1
    assert np.array_equal(h_n[2], out1[:, -1, :H])
    assert np.array_equal(h_n[3], out1[:, 0, H:])
    assert not np.allclose(h_n[3], out[:, -1, H:])     # the pitfall: the last output is not h_n


def test_unidirectional_stack_feeds_each_layer_the_states_below():
    N, T, D, H = 2, 4, 3, 5
    params = S.init_stack("gru", D, H, 3, seed=2)
    r = RandomArrays(2)
    x, h0 = r.randn(N, T, D), r.randn(3, N, H)
    out, h_n, _ = S.stacked_forward("gru", x, h0, params)
    h = x
    for k in range(3):
        h = S.gru_forward(h, h0[k], **params[k])[0]
        assert np.array_equal(h_n[k], h[:, -1])
    assert np.array_equal(out, h)


def test_one_layer_stack_equals_the_layer_and_its_backward():
    a = cell_inputs("lstm", 2, 4, 3, 5)
    p = {k: a[k] for k in ("Wx", "Wh", "b")}
    out, h_n, cache = S.stacked_forward("lstm", a["x"], a["h0"][None], [p])
    h, c1 = S.lstm_forward(a["x"], a["h0"], **p)
    assert np.array_equal(out, h)
    dout = RandomArrays(5).randn(*h.shape)
    dx, dh0, dp = S.stacked_backward(dout, None, cache)
    ref = S.lstm_backward(dout, c1)
    assert np.array_equal(dx, ref[0]) and np.array_equal(dh0[0], ref[1])
    assert all(np.array_equal(dp[0][k], g) for k, g in zip(("Wx", "Wh", "b"), ref[2:]))


def test_bidirectional_backward_against_numerical_gradients():
    r = RandomArrays(7)
    N, T, D, H = 2, 3, 2, 3
    x, h0, dout = r.randn(N, T, D), r.randn(2, N, H), r.randn(N, T, 2 * H)
    params = [weights("gru", D, H, 3), weights("gru", D, H, 4)]
    _, cache = S.bidirectional_forward("gru", x, h0, params)
    dx, dh0, dp = S.bidirectional_backward(dout, cache)

    def f(_):
        return np.sum(S.bidirectional_forward("gru", x, h0, params)[0] * dout)

    assert S.rel_error(dx, richardson_gradient(f, x)) < 1e-7
    assert S.rel_error(dh0, richardson_gradient(f, h0)) < 1e-7
    for d in range(2):
        for k in params[d]:
            assert S.rel_error(dp[d][k], richardson_gradient(f, params[d][k])) < 1e-7


def test_float32_stays_float32():
    params = S.init_stack("lstm", 3, 4, 2, True, seed=0, dtype=np.float32)
    x = RandomArrays(0, np.float32).randn(2, 3, 3)
    h0 = np.zeros((4, 2, 4), np.float32)
    out, h_n, cache = S.stacked_forward("lstm", x, h0, params, True)
    dx, dh0, dp = S.stacked_backward(np.ones_like(out), np.ones_like(h_n), cache)
    assert {a.dtype for a in (out, h_n, dx, dh0, *dp[3].values())} == {np.dtype(np.float32)}


def test_init_stack_shapes_and_range():
    p = S.init_stack("lstm", 7, 5, 3, True, seed=0)
    assert len(p) == 6
    assert [q["Wx"].shape for q in p] == [(7, 20), (7, 20)] + [(10, 20)] * 4
    assert all(q["Wh"].shape == (5, 20) and q["b"].shape == (20,) for q in p)
    assert max(np.abs(v).max() for q in p for v in q.values()) <= 1 / np.sqrt(5)
    assert set(S.init_stack("gru", 2, 3)[0]) == {"Wx", "Wh", "bx", "bh"}


def _stack_args(bidirectional=True):
    params = S.init_stack("lstm", 3, 4, 2, bidirectional, seed=0)
    r = RandomArrays(0)
    return dict(cell="lstm", x=r.randn(2, 5, 3), h0=r.randn(4 if bidirectional else 2, 2, 4),
                params=params, bidirectional=bidirectional)


BAD = [
    (lambda a: a | {"cell": "LSTM"}, r"^cell must be one of \('rnn', 'lstm', 'gru'\), got 'LSTM'"),
    (lambda a: a | {"bidirectional": 1}, r"^bidirectional must be True or False, got 1"),
    (lambda a: a | {"params": a["params"][:3]}, r"^params must be a non-empty list of num_layers \* 2 dicts"),
    (lambda a: a | {"params": []}, r"^params must be a non-empty list"),
    (lambda a: a | {"h0": a["h0"][:2]}, r"^h0 must have shape \(4, N, H\) = \(4, 2, 4\), got \(2, 2, 4\)"),
    (lambda a: a | {"x": a["x"][0]}, r"^x must be a 3-D array of shape \(N, T, D\)"),
    (lambda a: a | {"x": a["x"][..., :2]}, r"^params\[0\]\['Wx'\] must have shape \(D, 4H\) = \(2, 16\), got \(3, 16\)"),
    (lambda a: a | {"params": a["params"][:2] + [a["params"][0]] + a["params"][3:]},
     r"^params\[2\]\['Wx'\] must have shape \(D, 4H\) = \(8, 16\), got \(3, 16\)"),
    (lambda a: a | {"params": a["params"][:1] + [{"Wx": 0}] + a["params"][2:]},
     r"^params\[1\] must have the keys \['Wx', 'Wh', 'b'\] of a lstm layer, missing \['Wh', 'b'\]"),
    (lambda a: a | {"h0": a["h0"].astype(np.float32)}, r"^h0 has dtype float32"),
]


@pytest.mark.parametrize("corrupt, match", BAD, ids=[m[1:30] for _, m in BAD])
def test_bad_arguments_are_named(corrupt, match):
    with pytest.raises(ValueError, match=match):
        S.stacked_forward(**corrupt(_stack_args()))


def test_backward_checks_its_arguments():
    a = _stack_args()
    out, h_n, cache = S.stacked_forward(**a)
    with pytest.raises(ValueError, match=r"^dout must have shape \(N, T, 2H\) = \(2, 5, 8\), got \(2, 5, 4\)"):
        S.stacked_backward(out[..., :4], None, cache)
    with pytest.raises(ValueError, match=r"^dh_n must have shape \(4, N, H\) = \(4, 2, 4\), got \(2, 2, 4\)"):
        S.stacked_backward(out, h_n[:2], cache)
    with pytest.raises(ValueError, match=r"^cache must be the cache returned by the matching stack forward"):
        S.stacked_backward(out, h_n, cache[1:])
    bi_out, bi_cache = S.bidirectional_forward("lstm", a["x"], a["h0"][:2], a["params"][:2])
    with pytest.raises(ValueError, match=r"^dout must have shape \(N, T, 2H\)"):
        S.bidirectional_backward(bi_out[:, :, :4], bi_cache)
    with pytest.raises(ValueError, match=r"^params must be a list of 2 dicts of lstm weights, got a list of length 3"):
        S.bidirectional_forward("lstm", a["x"], a["h0"][:2], a["params"][:3])
