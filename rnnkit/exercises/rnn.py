"""Checks of the vanilla RNN: one step forward (chapter 01), one step backward (chapter 02)
and backpropagation through time (chapter 03).

The reader's functions have the signatures of :mod:`rnnkit.scratch`'s:

- ``rnn_step_forward(x, h_prev, Wx, Wh, b) -> h, cache`` (the cache may be anything);
- ``rnn_step_backward(dh, cache) -> dx, dh_prev, dWx, dWh, db``, where ``cache`` is the
  one made by ``forward`` (the reader's step forward) or, by default, by
  :func:`rnnkit.scratch.rnn_step_forward`: ``("rnn_step", x, h_prev, Wx, Wh, h)``;
- ``rnn_backward(dh, cache) -> dx, dh0, dWx, dWh, db`` with ``dh`` (N, T, H), the cache of
  ``forward`` or of :func:`rnnkit.scratch.rnn_forward`: ``("rnn", x, h0, Wx, Wh, h)``
  with ``h`` (N, T, H) the hidden states h_1..h_T.
"""
from __future__ import annotations

import numpy as np

from rnnkit.scratch import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward

from .grading import Case, random_arrays, run
from .layers import Spec, check_callable, grade_backward, grade_forward

# (N, D, H) of the step cases and (N, T, D, H) of the sequence cases, with their dtypes.
STEP_SIZES = [((2, 3, 4), np.float64), ((1, 2, 3), np.float64), ((3, 4, 1), np.float64),
              ((1, 1, 1), np.float32), ((4, 5, 3), np.float32)]
SEQ_SIZES = [((2, 4, 3, 3), np.float64), ((1, 3, 2, 4), np.float64), ((3, 1, 2, 2), np.float64),
             ((2, 5, 3, 1), np.float64), ((1, 1, 1, 1), np.float32), ((3, 6, 4, 5), np.float32)]


def _weights(randn, D, H):
    return dict(Wx=randn(D, H, scale=0.7), Wh=randn(H, H, scale=0.5), b=randn(H, scale=0.3))


def step_cases(seed=10):
    """The cases of the step checks: x (N, D), h_prev (N, H), Wx, Wh, b."""
    cases = []
    for k, ((N, D, H), dtype) in enumerate(STEP_SIZES):
        r = random_arrays(seed + k, dtype)
        cases.append(Case({"N": N, "D": D, "H": H}, dtype,
                          dict(x=r(N, D), h_prev=r(N, H, scale=0.8), **_weights(r, D, H))))
    return cases


def sequence_cases(seed=20):
    """The cases of the BPTT check: x (N, T, D), h0 (N, H), Wx, Wh, b."""
    cases = []
    for k, ((N, T, D, H), dtype) in enumerate(SEQ_SIZES):
        r = random_arrays(seed + k, dtype)
        cases.append(Case({"N": N, "T": T, "D": D, "H": H}, dtype,
                          dict(x=r(N, T, D), h0=r(N, H, scale=0.8), **_weights(r, D, H))))
    return cases


def _pre(c):
    return c["x"] @ c["Wx"] + c["h_prev"] @ c["Wh"] + c["b"]


FORWARD_HINTS = {"h": [
    (_pre, ("h equals x @ Wx + h_prev @ Wh + b: the tanh is missing.",
            "h가 x @ Wx + h_prev @ Wh + b와 같습니다. tanh가 빠졌습니다.")),
    (lambda c: np.tanh(c["x"] @ c["Wx"] + c["h_prev"] @ c["Wh"].T + c["b"]),
     ("h is what h_prev @ Wh.T gives: in the row layout the step computes h_prev @ Wh, no transpose.",
      "h가 h_prev @ Wh.T로 계산한 값입니다. 행벡터 배치에서는 전치 없이 h_prev @ Wh입니다.")),
    (lambda c: np.tanh(c["x"] @ c["Wx"] + c["h_prev"] @ c["Wh"]),
     ("h is what you get without the bias b.", "h가 편향 b를 빼고 계산한 값입니다.")),
    (lambda c: np.tanh(c["x"] @ c["Wx"] + c["h_prev"] @ c["Wh"]) + c["b"],
     ("b is added after the tanh; it belongs inside, h = tanh(x @ Wx + h_prev @ Wh + b).",
      "b를 tanh 다음에 더했습니다. h = tanh(x @ Wx + h_prev @ Wh + b)처럼 tanh 안에 있어야 합니다.")),
    (lambda c: 1 / (1 + np.exp(-_pre(c))),
     ("h is the sigmoid of the pre-activation; the RNN step uses tanh.",
      "h가 사전 활성값의 시그모이드입니다. RNN의 한 단계는 tanh를 씁니다.")),
]}


def _step_da(c):
    return c["dh"] * (1 - c["h"] ** 2)


NO_TANH = ("{} equals what da = dh gives: tanh's derivative (1 - h**2) is missing.",
           "{}이(가) da = dh로 계산한 값과 같습니다. tanh의 도함수 (1 - h**2)가 빠졌습니다.")


def _no_tanh(name):
    return tuple(s.format(name) for s in NO_TANH)


def _step_hints(prev, da, plain, x, h_prev):
    """Hints of a backward pass, ``da(c)`` its correct pre-activation gradient (N, [T,] H)."""
    rows = lambda a: a.reshape(-1, a.shape[-1])                      # noqa: E731
    dWh_with_h = ("dWh uses the new state h; it must use the state the step read, "
                  "dWh = h_prev.T @ da.", "dWh에 새 상태 h를 썼습니다. 그 단계가 읽은 상태로 "
                  "dWh = h_prev.T @ da여야 합니다.")
    return {
        "dx": [(lambda c: plain(c) @ c["Wx"].T, _no_tanh("dx")),
               (lambda c: da(c) @ c["Wh"].T, ("dx is da @ Wh.T; the input's gradient goes through Wx: dx = da @ Wx.T.",
                                              "dx가 da @ Wh.T입니다. 입력의 기울기는 Wx를 거칩니다: dx = da @ Wx.T."))],
        prev: [(lambda c: plain(c) @ c["Wh"].T, _no_tanh(prev)),
               (lambda c: da(c) @ c["Wh"], (f"{prev} is da @ Wh; the backward pass multiplies by the transpose, da @ Wh.T.",
                                            f"{prev}이(가) da @ Wh입니다. 역전파에서는 전치를 곱합니다: da @ Wh.T."))],
        "dWx": [(lambda c: rows(da(c)).T @ rows(c[x]),
                 ("dWx is transposed: it has Wx's shape (D, H), dWx = x.T @ da.",
                  "dWx가 전치되었습니다. Wx와 같은 모양 (D, H)이어야 합니다: dWx = x.T @ da.")),
                (lambda c: rows(c[x]).T @ rows(plain(c)), _no_tanh("dWx"))],
        "dWh": [(lambda c: rows(c["h"]).T @ rows(da(c)), dWh_with_h),
                (lambda c: rows(da(c)).T @ rows(h_prev(c)),
                 ("dWh is transposed: dWh = h_prev.T @ da.", "dWh가 전치되었습니다: dWh = h_prev.T @ da."))],
        "db": [(lambda c: da(c), ("db is not summed over the batch: db = da.sum(axis=0), shape (H,).",
                                  "db를 배치에 대해 더하지 않았습니다: db = da.sum(axis=0), 모양 (H,).")),
               (lambda c: rows(da(c)).sum(axis=1), ("db is summed over the wrong axis: sum over the batch, axis 0.",
                                                    "db를 엉뚱한 축으로 더했습니다. 배치 축(axis 0)으로 더하세요.")),
               (lambda c: rows(plain(c)).sum(axis=0), _no_tanh("db"))],
    }


STEP_BACKWARD_HINTS = _step_hints("dh_prev", _step_da, lambda c: c["dh"], "x", lambda c: c["h_prev"])


def _bptt_da(c, carry=True, deriv=True):
    """dL/da_t for every t (N, T, H); without ``carry`` the gradient from step t+1 is dropped,
    without ``deriv`` tanh's derivative."""
    h, Wh, dh = c["h"], c["Wh"], c["dh"]
    da = np.empty_like(h)
    nxt = np.zeros_like(h[:, 0])
    for t in reversed(range(h.shape[1])):
        da[:, t] = (dh[:, t] + nxt) * ((1 - h[:, t] ** 2) if deriv else 1)
        nxt = da[:, t] @ Wh.T if carry else 0
    return da


def _h_before(c):
    return np.concatenate([c["h0"][:, None], c["h"]], axis=1)[:, :-1]


def _bptt_hints():
    hints = _step_hints("dh0", _bptt_da, lambda c: _bptt_da(c, deriv=False), "x", _h_before)
    hints["dh0"] = [(lambda c: _bptt_da(c, carry=False)[:, 0] @ c["Wh"].T,
                     ("dh0 only has the gradient of the loss at step 1: the gradient arriving at h_t from "
                      "step t+1 (da_{t+1} @ Wh.T) must be added to dh[:, t] before tanh's derivative.",
                      "dh0에 1단계 손실의 기울기만 있습니다. t+1단계에서 h_t로 오는 기울기(da_{t+1} @ Wh.T)를 "
                      "tanh의 도함수를 곱하기 전에 dh[:, t]에 더해야 합니다."))] + hints["dh0"]
    dropped = ("{} is what you get when the gradient arriving from step t+1 (da_{{t+1}} @ Wh.T) is "
               "dropped: h_t receives dh[:, t] plus that gradient.",
               "{}이(가) t+1단계에서 오는 기울기(da_{{t+1}} @ Wh.T)를 버린 값입니다. h_t에는 dh[:, t]와 "
               "그 기울기의 합이 들어옵니다.")
    rows = lambda a: a.reshape(-1, a.shape[-1])                      # noqa: E731
    hints["dx"].insert(0, (lambda c: _bptt_da(c, carry=False) @ c["Wx"].T,
                           tuple(s.format("dx") for s in dropped)))
    hints["dWx"].insert(0, (lambda c: rows(c["x"]).T @ rows(_bptt_da(c, carry=False)),
                            tuple(s.format("dWx") for s in dropped)))
    last = ("{} has only the last step's term: the weights are shared, so their gradients are sums over t.",
            "{}에 마지막 단계의 항만 있습니다. 가중치는 모든 단계가 공유하므로 기울기는 t에 대한 합입니다.")
    first = ("{} has only the first step's term: the weights are shared, so their gradients are sums over t.",
             "{}에 첫 단계의 항만 있습니다. 가중치는 모든 단계가 공유하므로 기울기는 t에 대한 합입니다.")
    for name, left in [("dWx", lambda c: c["x"]), ("dWh", _h_before)]:
        hints[name] += [(lambda c, left=left: left(c)[:, -1].T @ _bptt_da(c)[:, -1], tuple(s.format(name) for s in last)),
                        (lambda c, left=left: left(c)[:, 0].T @ _bptt_da(c)[:, 0], tuple(s.format(name) for s in first))]
    mean = ("{} is divided by T: L is the sum of the L_t, so the gradients are sums, not averages over t.",
            "{}을(를) T로 나누었습니다. L은 L_t의 합이므로 기울기도 t에 대한 평균이 아니라 합입니다.")
    hints["dWx"].append((lambda c: rows(c["x"]).T @ rows(_bptt_da(c)) / c["x"].shape[1],
                         tuple(s.format("dWx") for s in mean)))
    return hints


BPTT_HINTS = _bptt_hints()

STEP = Spec(rnn_step_forward, ["x", "h_prev", "Wx", "Wh", "b"], ["h"], step_cases(),
            rnn_step_backward, ["dx", "dh_prev", "dWx", "dWh", "db"], ["dh"],
            FORWARD_HINTS, STEP_BACKWARD_HINTS)
SEQUENCE = Spec(rnn_forward, ["x", "h0", "Wx", "Wh", "b"], ["h"], sequence_cases(),
                rnn_backward, ["dx", "dh0", "dWx", "dWh", "db"], ["dh"], None, BPTT_HINTS)


def check_rnn_step_forward(fn, lang="en"):
    """Check the reader's ``fn(x, h_prev, Wx, Wh, b) -> h, cache`` (chapter 01).

    ``h = tanh(x @ Wx + h_prev @ Wh + b)``, x (N, D), h_prev (N, H), Wx (D, H), Wh (H, H),
    b (H,); ``h`` must be (N, H) in the inputs' dtype. The cache is not checked.

    Parameters
    ----------
    fn : the reader's function
    lang : "en" or "ko", the language of the printed verdict

    Returns
    -------
    True when ``fn`` is right on every case, else False (the verdict says why)
    """
    check_callable("fn", fn)
    return run("rnn_step_forward", lang, lambda: grade_forward(STEP, fn, lang))


def check_rnn_step_backward(fn, forward=None, lang="en"):
    """Check the reader's ``fn(dh, cache) -> dx, dh_prev, dWx, dWh, db`` (chapter 02).

    ``cache`` comes from ``forward`` (the reader's ``rnn_step_forward``, checked first) or,
    when ``forward`` is None, from :func:`rnnkit.scratch.rnn_step_forward`, whose cache is
    ``("rnn_step", x, h_prev, Wx, Wh, h)``. The gradients are compared with the reference
    and, in float64, with numerical gradients of the forward function.

    Returns
    -------
    True when ``fn`` is right on every case, else False (the verdict says why)
    """
    check_callable("fn", fn)
    check_callable("forward", forward, optional=True)
    return run("rnn_step_backward", lang, lambda: grade_backward(STEP, fn, forward, lang))


def check_rnn_backward(fn, forward=None, lang="en"):
    """Check the reader's BPTT ``fn(dh, cache) -> dx, dh0, dWx, dWh, db`` (chapter 03).

    ``dh`` (N, T, H) holds the gradients arriving at each h_t from outside the RNN; the
    path through h_{t+1} is the function's to add. ``cache`` comes from ``forward`` (the
    reader's ``rnn_forward``) or from :func:`rnnkit.scratch.rnn_forward`:
    ``("rnn", x, h0, Wx, Wh, h)``, with h (N, T, H) the states h_1..h_T.

    Returns
    -------
    True when ``fn`` is right on every case, else False (the verdict says why)
    """
    check_callable("fn", fn)
    check_callable("forward", forward, optional=True)
    return run("rnn_backward", lang, lambda: grade_backward(SEQUENCE, fn, forward, lang))


__all__ = ["check_rnn_step_forward", "check_rnn_step_backward", "check_rnn_backward"]
