"""The LSTM and GRU checks accept the reference and reject typical mistakes."""
import numpy as np
import pytest

from catalogue import assert_accepted, assert_rejected
from rnnkit import scratch
from rnnkit.exercises import (check_gru_step_backward, check_gru_step_forward, check_lstm_step_backward,
                              check_lstm_step_forward)


def sig(a):
    return 1 / (1 + np.exp(-a))


# ---------------------------------------------------------------- lstm_step_forward
def lstm_fw(order="ifog", g_act=np.tanh, tanh_c=True, use_i=True, swap_out=False, h_from_prev=False):
    def fn(x, h_prev, c_prev, Wx, Wh, b):
        H = h_prev.shape[1]
        a = x @ Wx + h_prev @ Wh + b
        blk = {k: a[:, j * H:(j + 1) * H] for j, k in enumerate(order)}
        i, f, o, g = sig(blk["i"]), sig(blk["f"]), sig(blk["o"]), g_act(blk["g"])
        c = f * c_prev + (i * g if use_i else g)
        h = o * (np.tanh(c_prev if h_from_prev else c) if tanh_c else c)
        cache = (x, h_prev, c_prev, Wx, Wh, i, f, o, g, c)
        return (c, h, cache) if swap_out else (h, c, cache)
    return fn


LSTM_FORWARD_MISTAKES = [
    (lstm_fw(order="ifgo"), "in the order i, f, g, o"),
    (lstm_fw(order="fiog"), "in the order f, i, o, g"),
    (lstm_fw(tanh_c=False), "h = o * c is missing the tanh"),
    (lstm_fw(g_act=sig), "g is squashed with σ"),
    (lstm_fw(use_i=False), "c adds g without the input gate"),
    (lstm_fw(swap_out=True), "h equals the cell state c"),
    (lstm_fw(h_from_prev=True), "h uses c_prev"),
]


def test_lstm_forward_accepts_the_reference_and_a_plain_version():
    assert_accepted(check_lstm_step_forward, scratch.lstm_step_forward)
    assert_accepted(check_lstm_step_forward, lstm_fw())


@pytest.mark.parametrize("fn, expected", LSTM_FORWARD_MISTAKES, ids=[e for _, e in LSTM_FORWARD_MISTAKES])
def test_lstm_forward_rejects(fn, expected):
    assert_rejected(check_lstm_step_forward, fn, expected)


# ---------------------------------------------------------------- lstm_step_backward
def lstm_bw(order="ifog", use_dc=True, through_h=True, tanh_prime=True, f_in_prev=True, db_sum=True,
            o_from_c=False):
    def fn(dh, dc, cache):
        _, x, h_prev, c_prev, Wx, Wh, i, f, o, g, tc = cache
        dct = (dc if use_dc else 0) + ((dh * o * ((1 - tc ** 2) if tanh_prime else 1)) if through_h else 0)
        c = np.arctanh(tc)
        grad = {"i": dct * g * i * (1 - i), "f": dct * c_prev * f * (1 - f),
                "o": dh * (c if o_from_c else tc) * o * (1 - o), "g": dct * i * (1 - g ** 2)}
        da = np.concatenate([grad[k] for k in order], axis=1)
        return (da @ Wx.T, da @ Wh.T, dct * f if f_in_prev else dct, x.T @ da, h_prev.T @ da,
                da.sum(axis=0) if db_sum else da)
    return fn


LSTM_BACKWARD_MISTAKES = [
    (lstm_bw(use_dc=False), "the upstream dc is ignored"),
    (lstm_bw(through_h=False), "the path from h into c is missing:"),
    (lstm_bw(tanh_prime=False), "missing tanh's derivative"),
    (lstm_bw(order="ifgo"), "stacked in the order i, f, g, o"),
    (lstm_bw(f_in_prev=False), "dc_prev is missing the forget gate"),
    (lstm_bw(db_sum=False), "db is not summed over the batch"),
    (lstm_bw(o_from_c=True), "dx is wrong"),
]


def test_lstm_backward_accepts_the_reference():
    assert_accepted(check_lstm_step_backward, scratch.lstm_step_backward)
    assert_accepted(check_lstm_step_backward, lstm_bw())
    assert_accepted(check_lstm_step_backward, scratch.lstm_step_backward, forward=scratch.lstm_step_forward)


@pytest.mark.parametrize("fn, expected", LSTM_BACKWARD_MISTAKES, ids=[e for _, e in LSTM_BACKWARD_MISTAKES])
def test_lstm_backward_rejects(fn, expected):
    assert_rejected(check_lstm_step_backward, fn, expected)


def test_lstm_backward_with_the_readers_forward():
    fw = lstm_fw()

    def bw(dh, dc, cache):                       # reads lstm_fw's own cache layout
        x, h_prev, c_prev, Wx, Wh, i, f, o, g, c = cache
        return lstm_bw()(dh, dc, ("lstm_step", x, h_prev, c_prev, Wx, Wh, i, f, o, g, np.tanh(c)))
    assert_accepted(check_lstm_step_backward, bw, forward=fw)
    assert_rejected(check_lstm_step_backward, bw, "not right yet", forward=lstm_fw(order="ifgo"))


# ---------------------------------------------------------------- gru_step_forward
def gru_fw(order="rzn", reset="after", swap_z=False, n_act=np.tanh, use_bh=True):
    def fn(x, h_prev, Wx, Wh, bx, bh):
        H = h_prev.shape[1]
        bh = bh if use_bh else np.zeros_like(bh)
        col = {k: slice(j * H, (j + 1) * H) for j, k in enumerate(order)}
        ax, ah = x @ Wx + bx, h_prev @ Wh + bh
        r = sig(ax[:, col["r"]] + ah[:, col["r"]])
        z = sig(ax[:, col["z"]] + ah[:, col["z"]])
        Wn, bn = Wh[:, col["n"]], bh[col["n"]]
        inner = {"after": r * (h_prev @ Wn + bn), "before": (r * h_prev) @ Wn + bn,
                 "matmul": r * (h_prev @ Wn) + bn, "none": h_prev @ Wn + bn}[reset]
        n = n_act(ax[:, col["n"]] + inner)
        h = z * n + (1 - z) * h_prev if swap_z else (1 - z) * n + z * h_prev
        return h, None
    return fn


GRU_FORWARD_MISTAKES = [
    (gru_fw(reset="before"), "r multiplies h_prev before the matmul"),
    (gru_fw(reset="matmul"), "r scales h_prev @ Wh_n but not bh_n"),
    (gru_fw(reset="none"), "the reset gate is not used"),
    (gru_fw(swap_z=True), "z and 1 - z are swapped"),
    (gru_fw(order="zrn"), "r and z are read from each other's columns"),
    (gru_fw(n_act=sig), "the candidate n uses tanh"),
    (gru_fw(use_bh=False), "bh is not used"),
]


def test_gru_forward_accepts_the_reference_and_a_plain_version():
    assert_accepted(check_gru_step_forward, scratch.gru_step_forward)
    assert_accepted(check_gru_step_forward, gru_fw())


@pytest.mark.parametrize("fn, expected", GRU_FORWARD_MISTAKES, ids=[e for _, e in GRU_FORWARD_MISTAKES])
def test_gru_forward_rejects(fn, expected):
    assert_rejected(check_gru_step_forward, fn, expected)


# ---------------------------------------------------------------- gru_step_backward
def gru_bw(direct=True, r_on_bias=True, db_sum=True, r_in_dan=True, dz_sign=1):
    def fn(dh, cache):
        _, x, h_prev, Wx, Wh, r, z, n, ah_n = cache
        dan = dh * (1 - z) * (1 - n ** 2)
        dar = dan * ah_n * r * (1 - r)
        daz = dz_sign * dh * (h_prev - n) * z * (1 - z)
        dax = np.concatenate([dar, daz, dan], axis=1)
        dah = np.concatenate([dar, daz, dan * r if r_in_dan else dan], axis=1)
        dah_b = dah if r_on_bias else np.concatenate([dar, daz, dan], axis=1)
        dh_prev = (dh * z if direct else 0) + dah @ Wh.T
        dbh = dah_b.sum(axis=0) if db_sum else dah_b
        return dax @ Wx.T, dh_prev, x.T @ dax, h_prev.T @ dah, dax.sum(axis=0), dbh
    return fn


GRU_BACKWARD_MISTAKES = [
    (gru_bw(direct=False), "dh_prev is missing the direct path"),
    (gru_bw(r_on_bias=False), "dbh_n must be scaled by r"),
    (gru_bw(db_sum=False), "dbh has shape"),
    (gru_bw(r_in_dan=False), "dh_prev is wrong"),
    (gru_bw(dz_sign=-1), "dx is wrong"),
]


def test_gru_backward_accepts_the_reference():
    assert_accepted(check_gru_step_backward, scratch.gru_step_backward)
    assert_accepted(check_gru_step_backward, gru_bw())


@pytest.mark.parametrize("fn, expected", GRU_BACKWARD_MISTAKES, ids=[e for _, e in GRU_BACKWARD_MISTAKES])
def test_gru_backward_rejects(fn, expected):
    assert_rejected(check_gru_step_backward, fn, expected)
