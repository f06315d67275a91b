"""Checks of one LSTM step, forward and backward (chapter 05).

The reader's functions have the signatures of :mod:`rnnkit.scratch`'s, gate order
i, f, o, g in the 4H columns of ``Wx`` (D, 4H), ``Wh`` (H, 4H) and ``b`` (4H,):

- ``lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b) -> h, c, cache``;
- ``lstm_step_backward(dh, dc, cache) -> dx, dh_prev, dc_prev, dWx, dWh, db``, the cache
  made by ``forward`` or by :func:`rnnkit.scratch.lstm_step_forward`:
  ``("lstm_step", x, h_prev, c_prev, Wx, Wh, i, f, o, g, tanh_c)``.
"""
from __future__ import annotations

from itertools import permutations

import numpy as np

from rnnkit.scratch import lstm_step_backward, lstm_step_forward

from .grading import Case, random_arrays, run
from .layers import Spec, check_callable, grade_backward, grade_forward

SIZES = [((2, 3, 4), np.float64), ((1, 2, 3), np.float64), ((3, 2, 1), np.float64),
         ((1, 1, 1), np.float32), ((4, 5, 3), np.float32)]
ORDER = "ifog"


def cases(seed=30):
    """x (N, D), h_prev, c_prev (N, H), Wx (D, 4H), Wh (H, 4H), b (4H,)."""
    out = []
    for k, ((N, D, H), dtype) in enumerate(SIZES):
        r = random_arrays(seed + k, dtype)
        out.append(Case({"N": N, "D": D, "H": H}, dtype,
                        dict(x=r(N, D), h_prev=r(N, H, scale=0.8), c_prev=r(N, H),
                             Wx=r(D, 4 * H, scale=0.7), Wh=r(H, 4 * H, scale=0.5), b=r(4 * H, scale=0.5))))
    return out


def _sig(a):
    return 1 / (1 + np.exp(-a))


def _gates(c, order=ORDER, g_act=np.tanh):
    """i, f, o, g of the case, the 4H columns read in ``order`` (a permutation of "ifog")."""
    H = c["h_prev"].shape[1]
    a = c["x"] @ c["Wx"] + c["h_prev"] @ c["Wh"] + c["b"]
    block = {name: a[:, k * H:(k + 1) * H] for k, name in enumerate(order)}
    return _sig(block["i"]), _sig(block["f"]), _sig(block["o"]), g_act(block["g"])


def _forward(c, order=ORDER, g_act=np.tanh, use_i=True, tanh_c=True):
    i, f, o, g = _gates(c, order, g_act)
    cell = f * c["c_prev"] + (i * g if use_i else g)
    return o * (np.tanh(cell) if tanh_c else cell), cell


def _order_hints(index):
    hints = []
    for order in ("".join(p) for p in permutations(ORDER)):
        if order != ORDER:
            text = ", ".join(order)
            hints.append((lambda c, order=order: _forward(c, order)[index],
                          (f"your gates are read from the columns in the order {text}; rnnkit.scratch's "
                           "order is i, f, o, g (i in 0:H, f in H:2H, o in 2H:3H, g in 3H:4H).",
                           f"게이트를 열에서 {text} 순서로 읽었습니다. rnnkit.scratch의 순서는 i, f, o, g입니다"
                           "(i는 0:H, f는 H:2H, o는 2H:3H, g는 3H:4H).")))
    return hints


C_HINTS = [
    (dict(g_act=_sig), ("g is squashed with σ; the candidate g uses tanh.", "g에 σ를 썼습니다. 후보 값 g는 tanh를 씁니다.")),
    (dict(use_i=False), ("c adds g without the input gate: c = f * c_prev + i * g.",
                         "c에 입력 게이트 없이 g를 더했습니다: c = f * c_prev + i * g.")),
]
FORWARD_HINTS = {
    "h": [(lambda c: _forward(c)[1], ("h equals the cell state c: return h, c, cache in this order.",
                                      "h가 셀 상태 c와 같습니다. h, c, cache 순서로 돌려주세요.")),
          (lambda c: _forward(c, tanh_c=False)[0], ("h = o * c is missing the tanh: h = o * tanh(c).",
                                                    "h = o * c에 tanh가 빠졌습니다: h = o * tanh(c).")),
          (lambda c: _gates(c)[2] * np.tanh(c["c_prev"]), ("h uses c_prev; it uses the new cell state, h = o * tanh(c).",
                                                           "h에 c_prev를 썼습니다. 새 셀 상태로 h = o * tanh(c)입니다."))]
    + [(lambda c, kw=kw: _forward(c, **kw)[0], text) for kw, text in C_HINTS] + _order_hints(0),
    "c": [(lambda c, kw=kw: _forward(c, **kw)[1], text) for kw, text in C_HINTS] + _order_hints(1),
}


def _backward(c, order=ORDER, use_dc=True, through_h=True, tanh_prime=True, f_in_prev=True):
    """The step's gradients with one typical mistake switched on; dict by name."""
    i, f, o, g = _gates(c)
    tc = np.tanh(f * c["c_prev"] + i * g)
    dh, dc = c["dh"], c["dc"]
    d_from_h = dh * o * ((1 - tc ** 2) if tanh_prime else 1)
    dct = (dc if use_dc else 0) + (d_from_h if through_h else 0)
    grad = {"i": dct * g * i * (1 - i), "f": dct * c["c_prev"] * f * (1 - f),
            "o": dh * tc * o * (1 - o), "g": dct * i * (1 - g ** 2)}
    da = np.concatenate([grad[name] for name in order], axis=1)
    return {"dx": da @ c["Wx"].T, "dh_prev": da @ c["Wh"].T, "dc_prev": dct * f if f_in_prev else dct,
            "dWx": c["x"].T @ da, "dWh": c["h_prev"].T @ da, "db": da.sum(axis=0), "da": da}


MISTAKES = [
    (dict(use_dc=False), ("the upstream dc is ignored: the cell state's gradient is dc plus the part through h.",
                          "위에서 온 dc를 버렸습니다. 셀 상태의 기울기는 dc와 h를 거쳐 온 부분의 합입니다.")),
    (dict(through_h=False), ("the path from h into c is missing: dc_tot = dc + dh * o * (1 - tanh(c)**2).",
                             "h에서 c로 가는 경로가 빠졌습니다: dc_tot = dc + dh * o * (1 - tanh(c)**2).")),
    (dict(tanh_prime=False), ("the path from h into c is missing tanh's derivative: dh * o * (1 - tanh(c)**2).",
                              "h에서 c로 가는 경로에 tanh의 도함수가 빠졌습니다: dh * o * (1 - tanh(c)**2).")),
    (dict(order="ifgo"), ("the gate gradients are stacked in the order i, f, g, o; rnnkit.scratch's is i, f, o, g.",
                          "게이트 기울기를 i, f, g, o 순서로 붙였습니다. rnnkit.scratch의 순서는 i, f, o, g입니다.")),
]


def _backward_hints():
    hints = {name: [(lambda c, kw=kw, name=name: _backward(c, **kw)[name], text) for kw, text in MISTAKES]
             for name in ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")}
    hints["dc_prev"].insert(0, (lambda c: _backward(c, f_in_prev=False)["dc_prev"],
                                ("dc_prev is missing the forget gate: dc_prev = dc_tot * f.",
                                 "dc_prev에 망각 게이트가 빠졌습니다: dc_prev = dc_tot * f.")))
    hints["db"].insert(0, (lambda c: _backward(c)["da"], ("db is not summed over the batch: db = da.sum(axis=0).",
                                                          "db를 배치에 대해 더하지 않았습니다: db = da.sum(axis=0).")))
    return hints


SPEC = Spec(lstm_step_forward, ["x", "h_prev", "c_prev", "Wx", "Wh", "b"], ["h", "c"], cases(),
            lstm_step_backward, ["dx", "dh_prev", "dc_prev", "dWx", "dWh", "db"], ["dh", "dc"],
            FORWARD_HINTS, _backward_hints())


def check_lstm_step_forward(fn, lang="en"):
    """Check the reader's ``fn(x, h_prev, c_prev, Wx, Wh, b) -> h, c, cache`` (chapter 05).

    Gate order i, f, o, g in the 4H columns; ``c = f * c_prev + i * g``,
    ``h = o * tanh(c)``. The cache is not checked.

    Returns
    -------
    True when ``fn`` is right on every case, else False (the printed verdict says why)
    """
    check_callable("fn", fn)
    return run("lstm_step_forward", lang, lambda: grade_forward(SPEC, fn, lang))


def check_lstm_step_backward(fn, forward=None, lang="en"):
    """Check the reader's ``fn(dh, dc, cache) -> dx, dh_prev, dc_prev, dWx, dWh, db`` (chapter 05).

    ``cache`` comes from ``forward`` (the reader's ``lstm_step_forward``, checked first)
    or, when ``forward`` is None, from :func:`rnnkit.scratch.lstm_step_forward`:
    ``("lstm_step", x, h_prev, c_prev, Wx, Wh, i, f, o, g, tanh_c)``. Compared with the
    reference and, in float64, with numerical gradients of the forward function.

    Returns
    -------
    True when ``fn`` is right on every case, else False (the printed verdict says why)
    """
    check_callable("fn", fn)
    check_callable("forward", forward, optional=True)
    return run("lstm_step_backward", lang, lambda: grade_backward(SPEC, fn, forward, lang))
