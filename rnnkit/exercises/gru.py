"""Checks of one GRU step, forward and backward (chapter 05).

The reader's functions have the signatures of :mod:`rnnkit.scratch`'s, gate order
r, z, n in the 3H columns of ``Wx`` (D, 3H), ``Wh`` (H, 3H), ``bx`` and ``bh`` (3H,), and
PyTorch's equations (the reset gate scales ``h_prev @ Wh_n + bh_n``):

- ``gru_step_forward(x, h_prev, Wx, Wh, bx, bh) -> h, cache``;
- ``gru_step_backward(dh, cache) -> dx, dh_prev, dWx, dWh, dbx, dbh``, the cache made by
  ``forward`` or by :func:`rnnkit.scratch.gru_step_forward`:
  ``("gru_step", x, h_prev, Wx, Wh, r, z, n, ah_n)`` with ``ah_n = h_prev @ Wh_n + bh_n``.
"""
from __future__ import annotations

import numpy as np

from rnnkit.scratch import gru_step_backward, gru_step_forward

from .grading import Case, random_arrays, run
from .layers import Spec, check_callable, grade_backward, grade_forward

SIZES = [((2, 3, 4), np.float64), ((1, 2, 3), np.float64), ((3, 2, 1), np.float64),
         ((1, 1, 1), np.float32), ((4, 5, 3), np.float32)]


def cases(seed=40):
    """x (N, D), h_prev (N, H), Wx (D, 3H), Wh (H, 3H), bx, bh (3H,)."""
    out = []
    for k, ((N, D, H), dtype) in enumerate(SIZES):
        r = random_arrays(seed + k, dtype)
        out.append(Case({"N": N, "D": D, "H": H}, dtype,
                        dict(x=r(N, D), h_prev=r(N, H, scale=0.8), Wx=r(D, 3 * H, scale=0.7),
                             Wh=r(H, 3 * H, scale=0.6), bx=r(3 * H, scale=0.5), bh=r(3 * H, scale=0.5))))
    return out


def _sig(a):
    return 1 / (1 + np.exp(-a))


def _forward(c, order="rzn", reset="after", swap_z=False, n_act=np.tanh, use_bh=True):
    """h with one typical mistake; ``reset`` is "after" (PyTorch), "before" (the paper),
    "matmul" (r scales h_prev @ Wh_n but not bh_n) or "none"."""
    H = c["h_prev"].shape[1]
    bh = c["bh"] if use_bh else 0 * c["bh"]
    ax = c["x"] @ c["Wx"] + c["bx"]
    cols = {name: slice(k * H, (k + 1) * H) for k, name in enumerate(order)}
    ah = c["h_prev"] @ c["Wh"] + bh
    r = _sig(ax[:, cols["r"]] + ah[:, cols["r"]])
    z = _sig(ax[:, cols["z"]] + ah[:, cols["z"]])
    Wn, bn = c["Wh"][:, cols["n"]], bh[cols["n"]]
    inner = {"after": r * (c["h_prev"] @ Wn + bn), "before": (r * c["h_prev"]) @ Wn + bn,
             "matmul": r * (c["h_prev"] @ Wn) + bn, "none": c["h_prev"] @ Wn + bn}[reset]
    n = n_act(ax[:, cols["n"]] + inner)
    return z * n + (1 - z) * c["h_prev"] if swap_z else (1 - z) * n + z * c["h_prev"]


FORWARD_HINTS = {"h": [
    (lambda c: _forward(c, reset="before"),
     ("r multiplies h_prev before the matmul, (r * h_prev) @ Wh_n (the 2014 paper's GRU); rnnkit.scratch "
      "and PyTorch apply it after, r * (h_prev @ Wh_n + bh_n).",
      "r을 행렬곱 전에 h_prev에 곱했습니다: (r * h_prev) @ Wh_n (2014년 논문의 GRU). rnnkit.scratch와 "
      "PyTorch는 행렬곱 뒤에 곱합니다: r * (h_prev @ Wh_n + bh_n).")),
    (lambda c: _forward(c, reset="matmul"),
     ("r scales h_prev @ Wh_n but not bh_n; it scales both, r * (h_prev @ Wh_n + bh_n).",
      "r이 h_prev @ Wh_n에만 곱해지고 bh_n에는 곱해지지 않았습니다. 둘 다에 곱합니다: r * (h_prev @ Wh_n + bh_n).")),
    (lambda c: _forward(c, reset="none"),
     ("the reset gate is not used: n = tanh(x @ Wx_n + bx_n + r * (h_prev @ Wh_n + bh_n)).",
      "리셋 게이트를 쓰지 않았습니다: n = tanh(x @ Wx_n + bx_n + r * (h_prev @ Wh_n + bh_n)).")),
    (lambda c: _forward(c, swap_z=True),
     ("z and 1 - z are swapped: h = (1 - z) * n + z * h_prev (z = 1 keeps the old state).",
      "z와 1 - z가 바뀌었습니다: h = (1 - z) * n + z * h_prev (z = 1이면 이전 상태를 그대로 둡니다).")),
    (lambda c: _forward(c, order="zrn"),
     ("r and z are read from each other's columns; the order is r, z, n (r in 0:H, z in H:2H).",
      "r과 z를 서로의 열에서 읽었습니다. 순서는 r, z, n입니다(r은 0:H, z는 H:2H).")),
    (lambda c: _forward(c, n_act=_sig), ("the candidate n uses tanh, not σ.", "후보 n은 σ가 아니라 tanh를 씁니다.")),
    (lambda c: _forward(c, use_bh=False), ("bh is not used: r and z add bx + bh, n adds bx_n and r * bh_n.",
                                           "bh를 쓰지 않았습니다. r과 z에는 bx + bh를, n에는 bx_n과 r * bh_n을 더합니다.")),
]}


def _backward(c, skip_direct=False, r_on_bias=True):
    """dh_prev, dbh, dWh with a typical mistake; dict by name."""
    H = c["h_prev"].shape[1]
    ax = c["x"] @ c["Wx"] + c["bx"]
    ah = c["h_prev"] @ c["Wh"] + c["bh"]
    r = _sig(ax[:, :H] + ah[:, :H])
    z = _sig(ax[:, H:2 * H] + ah[:, H:2 * H])
    n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
    dh = c["dh"]
    dan = dh * (1 - z) * (1 - n ** 2)
    dar = dan * ah[:, 2 * H:] * r * (1 - r)
    daz = dh * (c["h_prev"] - n) * z * (1 - z)
    dah = np.concatenate([dar, daz, dan * r], axis=1)
    dah_b = dah if r_on_bias else np.concatenate([dar, daz, dan], axis=1)
    return {"dh_prev": (0 if skip_direct else dh * z) + dah @ c["Wh"].T, "dbh": dah_b.sum(axis=0),
            "dWh": c["h_prev"].T @ dah, "dah": dah}


BACKWARD_HINTS = {
    "dh_prev": [(lambda c: _backward(c, skip_direct=True)["dh_prev"],
                 ("dh_prev is missing the direct path h = ... + z * h_prev: add dh * z.",
                  "dh_prev에 직접 경로 h = ... + z * h_prev의 기울기가 빠졌습니다. dh * z를 더하세요."))],
    "dbh": [(lambda c: _backward(c, r_on_bias=False)["dbh"],
             ("dbh_n must be scaled by r like bh_n is in the forward pass: dbh_n = sum(dan * r).",
              "순전파에서 bh_n에 r이 곱해지듯 dbh_n에도 r을 곱해야 합니다: dbh_n = sum(dan * r).")),
            (lambda c: _backward(c)["dah"], ("dbh is not summed over the batch.", "dbh를 배치에 대해 더하지 않았습니다."))],
}

SPEC = Spec(gru_step_forward, ["x", "h_prev", "Wx", "Wh", "bx", "bh"], ["h"], cases(),
            gru_step_backward, ["dx", "dh_prev", "dWx", "dWh", "dbx", "dbh"], ["dh"],
            FORWARD_HINTS, BACKWARD_HINTS)


def check_gru_step_forward(fn, lang="en"):
    """Check the reader's ``fn(x, h_prev, Wx, Wh, bx, bh) -> h, cache`` (chapter 05).

    Gate order r, z, n; ``n = tanh(x @ Wx_n + bx_n + r * (h_prev @ Wh_n + bh_n))``,
    ``h = (1 - z) * n + z * h_prev``. The cache is not checked.

    Returns
    -------
    True when ``fn`` is right on every case, else False (the printed verdict says why)
    """
    check_callable("fn", fn)
    return run("gru_step_forward", lang, lambda: grade_forward(SPEC, fn, lang))


def check_gru_step_backward(fn, forward=None, lang="en"):
    """Check the reader's ``fn(dh, cache) -> dx, dh_prev, dWx, dWh, dbx, dbh`` (chapter 05).

    ``cache`` comes from ``forward`` (the reader's ``gru_step_forward``, checked first) or,
    when ``forward`` is None, from :func:`rnnkit.scratch.gru_step_forward`:
    ``("gru_step", x, h_prev, Wx, Wh, r, z, n, ah_n)``.

    Returns
    -------
    True when ``fn`` is right on every case, else False (the printed verdict says why)
    """
    check_callable("fn", fn)
    check_callable("forward", forward, optional=True)
    return run("gru_step_backward", lang, lambda: grade_backward(SPEC, fn, forward, lang))
