"""The vanilla-RNN checks accept the reference and reject a catalogue of typical mistakes."""
import numpy as np
import pytest

from catalogue import assert_accepted, assert_rejected, verdict
from rnnkit import scratch
from rnnkit.exercises import check_rnn_backward, check_rnn_step_backward, check_rnn_step_forward


# ---------------------------------------------------------------- rnn_step_forward
def fw_no_tanh(x, h_prev, Wx, Wh, b):
    return x @ Wx + h_prev @ Wh + b, None


def fw_wh_transposed(x, h_prev, Wx, Wh, b):
    return np.tanh(x @ Wx + h_prev @ Wh.T + b), None


def fw_no_bias(x, h_prev, Wx, Wh, b):
    return np.tanh(x @ Wx + h_prev @ Wh), None


def fw_bias_outside(x, h_prev, Wx, Wh, b):
    return np.tanh(x @ Wx + h_prev @ Wh) + b, None


def fw_sigmoid(x, h_prev, Wx, Wh, b):
    return 1 / (1 + np.exp(-(x @ Wx + h_prev @ Wh + b))), None


def fw_in_place(x, h_prev, Wx, Wh, b):
    h_prev += x @ Wx + b                 # reuses the caller's array
    return np.tanh(h_prev + (h_prev - x @ Wx - b) @ Wh - h_prev + x @ Wx + b), None


def fw_float64(x, h_prev, Wx, Wh, b):
    h = np.zeros((x.shape[0], Wh.shape[0]))
    h[:] = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h, None


def fw_no_cache(x, h_prev, Wx, Wh, b):
    return np.tanh(x @ Wx + h_prev @ Wh + b)


def fw_first_row_only(x, h_prev, Wx, Wh, b):
    return np.tanh(x[:1] @ Wx + h_prev[:1] @ Wh + b), None


STEP_FORWARD_MISTAKES = [
    (fw_no_tanh, "the tanh is missing"),
    (fw_wh_transposed, "h_prev @ Wh.T"),
    (fw_no_bias, "without the bias b"),
    (fw_bias_outside, "b is added after the tanh"),
    (fw_sigmoid, "sigmoid"),
    (fw_in_place, "changed its input h_prev in place"),
    (fw_float64, "has dtype float64, but the inputs are float32"),
    (fw_no_cache, "should return 2 values (h, cache)"),
    (fw_first_row_only, "h has shape (1, 4), expected (2, 4)"),
]


def test_step_forward_accepts_the_reference():
    assert_accepted(check_rnn_step_forward, scratch.rnn_step_forward)


@pytest.mark.parametrize("fn, expected", STEP_FORWARD_MISTAKES, ids=lambda v: getattr(v, "__name__", ""))
def test_step_forward_rejects(fn, expected):
    assert_rejected(check_rnn_step_forward, fn, expected)


# ---------------------------------------------------------------- rnn_step_backward
def _unpack(cache):
    _, x, h_prev, Wx, Wh, h = cache
    return x, h_prev, Wx, Wh, h


def step_backward(da_of=lambda dh, h: dh * (1 - h ** 2), wh=lambda Wh: Wh.T, db_axis=0, dWh_left="h_prev",
                  dWx_t=False):
    """A step backward with its pieces replaceable, to build the wrong ones."""
    def backward(dh, cache):
        x, h_prev, Wx, Wh, h = _unpack(cache)
        da = da_of(dh, h)
        dWx = da.T @ x if dWx_t else x.T @ da
        db = da if db_axis is None else da.sum(axis=db_axis)
        return da @ Wx.T, da @ wh(Wh), dWx, (h_prev if dWh_left == "h_prev" else h).T @ da, db
    return backward


def bw_in_place(dh, cache):
    x, h_prev, Wx, Wh, h = _unpack(cache)
    dh *= 1 - h ** 2
    return dh @ Wx.T, dh @ Wh.T, x.T @ dh, h_prev.T @ dh, dh.sum(axis=0)


def bw_float64_db(dh, cache):
    x, h_prev, Wx, Wh, h = _unpack(cache)
    da = dh * (1 - h ** 2)
    db = np.zeros(h.shape[1])
    for row in da:
        db += row
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, db


STEP_BACKWARD_MISTAKES = [
    (step_backward(da_of=lambda dh, h: dh), "tanh's derivative (1 - h**2) is missing"),
    (step_backward(da_of=lambda dh, h: dh * (1 - h)), "dx is wrong"),
    (step_backward(wh=lambda Wh: Wh), "dh_prev is da @ Wh;"),
    (step_backward(db_axis=None), "db is not summed over the batch"),
    (step_backward(db_axis=1), "db is summed over the wrong axis"),
    (step_backward(dWh_left="h"), "dWh uses the new state h"),
    (step_backward(dWx_t=True), "dWx is transposed"),
    (bw_in_place, "changed its input dh in place"),
    (bw_float64_db, "db has dtype float64"),
]


def test_step_backward_accepts_the_reference():
    text = assert_accepted(check_rnn_step_backward, scratch.rnn_step_backward)
    assert "numerical gradients" in text
    assert_accepted(check_rnn_step_backward, step_backward())      # the catalogue's own base is right


@pytest.mark.parametrize("fn, expected", STEP_BACKWARD_MISTAKES, ids=[e for _, e in STEP_BACKWARD_MISTAKES])
def test_step_backward_rejects(fn, expected):
    assert_rejected(check_rnn_step_backward, fn, expected)


def my_step_forward(x, h_prev, Wx, Wh, b):
    """A reader's forward with a cache of its own layout (a dict)."""
    h = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h, {"x": x, "h_prev": h_prev, "Wx": Wx, "Wh": Wh, "h": h}


def my_step_backward(dh, cache):
    da = dh * (1 - cache["h"] ** 2)
    return da @ cache["Wx"].T, da @ cache["Wh"].T, cache["x"].T @ da, cache["h_prev"].T @ da, da.sum(axis=0)


def test_step_backward_uses_the_readers_own_forward_and_cache():
    assert_accepted(check_rnn_step_backward, my_step_backward, forward=my_step_forward)
    # with forward=None the cache is rnnkit.scratch's tuple, which this backward cannot read
    assert_rejected(check_rnn_step_backward, my_step_backward, "raised TypeError")
    # a wrong forward is reported as such, before the backward is looked at
    assert_rejected(check_rnn_step_backward, my_step_backward,
                    "the forward function you passed as forward= is not right yet", forward=fw_no_bias)


# ---------------------------------------------------------------- rnn_backward (BPTT)
def bptt(carry=True, deriv=True, left="h_prev", accumulate=True, average=False, reverse=True, dh0_at_h1=False):
    """BPTT with its pieces replaceable, written as a loop over rnn_step_backward's equations."""
    def backward(dh, cache):
        _, x, h0, Wx, Wh, h = cache
        N, T, H = h.shape
        dx = np.zeros_like(x)
        dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H, dtype=h.dtype)
        nxt = np.zeros_like(h0)
        steps = reversed(range(T)) if reverse else range(T)
        for t in steps:
            h_prev = h0 if t == 0 else h[:, t - 1]
            g = dh[:, t] + (nxt if carry else 0)
            da = g * (1 - h[:, t] ** 2) if deriv else g
            dx[:, t] = da @ Wx.T
            a_dWx, a_dWh = x[:, t].T @ da, (h_prev if left == "h_prev" else h[:, t]).T @ da
            if accumulate:
                dWx += a_dWx
                dWh += a_dWh
                db += da.sum(axis=0)
            else:
                dWx, dWh, db = a_dWx, a_dWh, da.sum(axis=0)
            nxt = da @ Wh.T
        if dh0_at_h1:
            nxt = g                       # dL/dh_1, one step short of h0
        if average:
            dWx, dWh, db = dWx / T, dWh / T, db / T
        return dx, nxt, dWx, dWh, db
    return backward


BPTT_MISTAKES = [
    (bptt(carry=False), "the gradient arriving from step t+1"),
    (bptt(deriv=False), "tanh's derivative (1 - h**2) is missing"),
    (bptt(left="h"), "dWh uses the new state h"),
    (bptt(accumulate=False), "has only the first step's term"),
    (bptt(average=True), "divided by T"),
    (bptt(reverse=False), "dx is wrong"),
    (bptt(dh0_at_h1=True), "dh0 is wrong"),
]


def test_bptt_accepts_the_reference_and_a_loop_over_steps():
    assert_accepted(check_rnn_backward, scratch.rnn_backward)
    assert_accepted(check_rnn_backward, bptt())
    assert_accepted(check_rnn_backward, scratch.rnn_backward, forward=scratch.rnn_forward)


@pytest.mark.parametrize("fn, expected", BPTT_MISTAKES, ids=[e for _, e in BPTT_MISTAKES])
def test_bptt_rejects(fn, expected):
    assert_rejected(check_rnn_backward, fn, expected)


def test_the_first_wrong_output_names_the_case_that_exposed_it():
    text = assert_rejected(check_rnn_backward, bptt(carry=False), "dx is wrong (case N = 2, T = 4, D = 3, H = 3, float64)")
    assert "max. relative error" in text


def test_a_mistake_only_some_sizes_show_is_caught_on_them():
    def squeezes(dh, cache):                      # breaks only when T = 1
        dx, dh0, dWx, dWh, db = scratch.rnn_backward(dh, cache)
        return dx.squeeze(), dh0, dWx, dWh, db
    assert_rejected(check_rnn_backward, squeezes, "dx has shape (3, 2), expected (1, 3, 2) (case N = 1, T = 3")


def test_not_implemented_and_errors_are_verdicts_not_tracebacks():
    def stub(dh, cache):
        raise NotImplementedError
    result, text = verdict(check_rnn_backward, stub)
    assert result is False and text.startswith("… rnn_backward: not implemented yet")
    result, text = verdict(check_rnn_backward, stub, lang="ko")
    assert "아직 구현되지 않았습니다" in text

    def typo(dh, cache):
        return dh @ cache[3].T + undefined_name   # noqa: F821
    text = assert_rejected(check_rnn_backward, typo, "raised NameError")
    assert "It happened at: return dh @ cache[3].T + undefined_name" in text


def test_the_verdict_speaks_korean():
    text = assert_rejected(check_rnn_step_backward, step_backward(da_of=lambda dh, h: dh),
                           "tanh의 도함수 (1 - h**2)가 빠졌습니다", lang="ko")
    assert "힌트:" in text and "틀렸습니다" in text
    assert "정답입니다" in assert_accepted(check_rnn_step_forward, scratch.rnn_step_forward, lang="ko")


def test_bad_arguments_of_a_check_are_value_errors():
    with pytest.raises(ValueError, match="lang must be one of"):
        check_rnn_step_forward(scratch.rnn_step_forward, lang="fr")
    with pytest.raises(ValueError, match="fn must be a function"):
        check_rnn_step_forward("rnn_step_forward")
    with pytest.raises(ValueError, match="forward must be a function or None"):
        check_rnn_backward(scratch.rnn_backward, forward=3)
