"""A bidirectional recurrent layer built from two copies of one scratch layer (chapter 08).

One layer (``rnn_forward``, ``lstm_forward`` or ``gru_forward``) reads the sequence left to
right; a second one, with its own weights, reads it right to left. Their states are
concatenated at each time step:

    h→_t = cell(x_t, h→_{t-1})      t = 1..T      (forward direction, weights params[0])
    h←_t = cell(x_t, h←_{t+1})      t = T..1      (backward direction, weights params[1])
    out_t = [h→_t ; h←_t]           (2H,)          forward half first, as in PyTorch

so out_t depends on the whole sequence, x_1..x_T, not only on x_1..x_t. The backward
direction is the ordinary layer run on the time-reversed input, ``x[:, ::-1]``, with its
outputs reversed back; its backward pass is the ordinary backward pass on the reversed
upstream gradient. Nothing new is differentiated here: the two directions share no
weights, so their gradients are those of the two layers, and ∂L/∂x_t is the sum of the
two gradients that reach x_t.

Parameters of a direction are the dict of the layer's weights in scratch layout (see
:mod:`rnnkit.scratch.convert`): ``{"Wx", "Wh", "b"}`` for "rnn" and "lstm",
``{"Wx", "Wh", "bx", "bh"}`` for "gru".
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_cache, check_choice, float_array
from .gru import gru_backward, gru_forward
from .lstm import lstm_backward, lstm_forward
from .rnn import rnn_backward, rnn_forward

CELLS = ("rnn", "lstm", "gru")
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
_FUNCTIONS = {"rnn": (rnn_forward, rnn_backward, ("Wx", "Wh", "b")),
              "lstm": (lstm_forward, lstm_backward, ("Wx", "Wh", "b")),
              "gru": (gru_forward, gru_backward, ("Wx", "Wh", "bx", "bh"))}


def cell_functions(cell):
    """``(forward, backward, parameter names)`` of the scratch layer ``cell`` ("rnn", "lstm", "gru")."""
    return _FUNCTIONS[check_choice("cell", cell, CELLS)]


def check_cell_params(name, cell, params, D, H, dtype):
    """Validate one direction's weights: a dict with the layer's names and shapes.

    ``Wx`` (D, G·H), ``Wh`` (H, G·H), biases (G·H,) with G = 1, 4, 3 for rnn, lstm,
    gru, all of ``dtype``. Messages name the entry, e.g. ``params[1]['Wh']``.
    Returns the dict of arrays in the order of the layer's parameter names.
    """
    names = _FUNCTIONS[cell][2]
    if not isinstance(params, dict):
        raise ValueError(f"{name} must be a dict with the keys {list(names)}, got {type(params).__name__}")
    missing = [k for k in names if k not in params]
    if missing:
        raise ValueError(f"{name} must have the keys {list(names)} of a {cell} layer, missing {missing}")
    G = GATES[cell]
    GH = f"{G}H" if G > 1 else "H"
    dims = {"D": D, "H": H}
    shapes = {"Wx": ("D", GH), "Wh": ("H", GH), "b": (GH,), "bx": (GH,), "bh": (GH,)}
    return {k: float_array(f"{name}[{k!r}]", params[k], shapes[k], dims, dtype=dtype) for k in names}


def check_param_list(name, cell, params, count):
    """``params`` as a list of ``count`` parameter dicts (not yet checked inside)."""
    if not isinstance(params, (list, tuple)) or len(params) != count:
        got = f"a {type(params).__name__} of length {len(params)}" if isinstance(params, (list, tuple)) \
            else type(params).__name__
        raise ValueError(f"{name} must be a list of {count} dicts of {cell} weights, got {got}")
    return list(params)


def hidden_size(cell, params):
    """H read from ``params["Wh"]`` (H, G·H), with a clear error if it is not an array of that shape."""
    Wh = params.get("Wh") if isinstance(params, dict) else None
    if not isinstance(Wh, np.ndarray) or Wh.ndim != 2:
        raise ValueError(f"the {cell} weights must include 'Wh', a 2-D array of shape (H, {GATES[cell]}H)")
    return Wh.shape[0]


def bidirectional_forward(cell, x, h0, params):
    """Run a bidirectional ``cell`` layer over a sequence.

    Parameters
    ----------
    cell : "rnn", "lstm" or "gru" (the LSTM starts from c_0 = 0 in both directions)
    x : (N, T, D) inputs, batch first
    h0 : (2, N, H) initial states: h0[0] for the forward direction (its state before x_1),
        h0[1] for the backward direction (its state before it reads x_T)
    params : [forward weights, backward weights], two dicts in scratch layout

    Returns
    -------
    out : (N, T, 2H); ``out[:, t, :H]`` is h→_t, ``out[:, t, H:]`` is h←_t
    cache : for :func:`bidirectional_backward`
    """
    forward, _, _ = cell_functions(cell)
    params = check_param_list("params", cell, params, 2)
    dims = {}
    x = float_array("x", x, ("N", "T", "D"), dims)
    H = hidden_size(cell, params[0])
    dims["H"] = H
    h0 = float_array("h0", h0, (2, "N", "H"), dims, dtype=x.dtype)
    p = [check_cell_params(f"params[{d}]", cell, params[d], dims["D"], H, x.dtype) for d in range(2)]

    h_fwd, cache_fwd = forward(x, h0[0], **p[0])
    h_rev, cache_bwd = forward(x[:, ::-1], h0[1], **p[1])     # reads x_T first
    out = np.concatenate([h_fwd, h_rev[:, ::-1]], axis=2)     # h←_t back at position t
    N, T, _ = x.shape
    return out, ("bidirectional", cell, {"N": N, "T": T, "H": H}, x.dtype, cache_fwd, cache_bwd)


def bidirectional_backward(dout, cache):
    """Backward pass of :func:`bidirectional_forward`.

    The upstream gradient splits into the two halves of ``out``; the forward half goes
    through the forward layer's backward pass, the backward half, reversed in time,
    through the other layer's; the two gradients of x are added.

    Parameters
    ----------
    dout : (N, T, 2H) gradient of the loss with respect to ``out``
    cache : from :func:`bidirectional_forward`

    Returns
    -------
    dx : (N, T, D);  dh0 : (2, N, H);  dparams : [dict, dict], gradients with the keys of params
    """
    _, cell, dims, dtype, cache_fwd, cache_bwd = check_cache("cache", cache, "bidirectional")
    _, backward, names = cell_functions(cell)
    dout = float_array("dout", dout, ("N", "T", "2H"), dict(dims), dtype=dtype)
    H = dims["H"]

    dx_fwd, dh0_fwd, *g_fwd = backward(np.ascontiguousarray(dout[:, :, :H]), cache_fwd)
    dx_rev, dh0_bwd, *g_bwd = backward(np.ascontiguousarray(dout[:, ::-1, H:]), cache_bwd)
    dx = dx_fwd + dx_rev[:, ::-1]
    dparams = [dict(zip(names, g_fwd)), dict(zip(names, g_bwd))]
    return dx, np.stack([dh0_fwd, dh0_bwd]), dparams
