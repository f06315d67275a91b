"""Stacked (deep) recurrent layers, optionally bidirectional, as ``torch.nn.LSTM(num_layers=L)``.

Layer 1 reads the inputs; layer k + 1 reads the output sequence of layer k:

    h^(1)_t = cell(x_t,         h^(1)_{t-1})
    h^(k)_t = cell(h^(k-1)_t,   h^(k)_{t-1})        k = 2..L

so each time step is L layers deep, and the top layer's states are the output. With
``bidirectional=True`` each layer is a :func:`~rnnkit.scratch.bidirectional.bidirectional_forward`
layer, and layer k + 1 reads both directions of layer k, ``[h→ ; h←]`` (2H inputs).

Ordering (PyTorch's). Everything per layer and direction -- the weights, the initial
states ``h0`` and the final states ``h_n`` -- is a list indexed by ``k * dirs + d``
(``dirs`` = 2 if bidirectional else 1, d = 0 forward, 1 backward): layer 0 forward,
layer 0 backward, layer 1 forward, ... This is the order of ``h_n`` in
``torch.nn.LSTM`` and of its parameters ``weight_ih_l{k}`` and ``weight_ih_l{k}_reverse``
(:func:`rnnkit.scratch.convert.stack_from_torch`).

Final states. ``h_n[k*dirs]`` is the forward state after x_T, ``out_k[:, T-1, :H]``; but
the backward direction finishes at t = 1, so ``h_n[k*dirs + 1]`` is ``out_k[:, 0, H:]``,
not ``out_k[:, T-1, H:]`` (the classic pitfall of reading a bidirectional output).

Dropout. ``torch.nn.LSTM(dropout=p)`` zeroes outputs between layers while training;
this stack has no dropout, so it computes the module in ``eval()`` mode (or with p = 0).
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_cache, check_generator, check_int, float_array
from .bidirectional import (GATES, bidirectional_backward, bidirectional_forward, cell_functions,
                            check_cell_params, check_param_list, hidden_size)


def _check_stack(cell, x, h0, params, bidirectional):
    """Validate the arguments of :func:`stacked_forward`; returns x, h0, params, dirs, L, H."""
    cell_functions(cell)
    if not isinstance(bidirectional, (bool, np.bool_)):
        raise ValueError(f"bidirectional must be True or False, got {bidirectional!r}")
    dirs = 2 if bidirectional else 1
    if not isinstance(params, (list, tuple)) or not params or len(params) % dirs:
        raise ValueError(f"params must be a non-empty list of num_layers * {dirs} dicts of {cell} "
                         f"weights (layer 0 forward{', layer 0 backward' if dirs == 2 else ''}, "
                         f"layer 1 ...), got {params!r:.60}")
    L = len(params) // dirs
    params = check_param_list("params", cell, params, L * dirs)
    dims = {}
    x = float_array("x", x, ("N", "T", "D"), dims)
    H = dims["H"] = hidden_size(cell, params[0])
    h0 = float_array("h0", h0, (L * dirs, "N", "H"), dims, dtype=x.dtype)
    checked = [check_cell_params(f"params[{j}]", cell, p, dims["D"] if j < dirs else dirs * H, H, x.dtype)
               for j, p in enumerate(params)]
    return x, h0, checked, dirs, L, H


def stacked_forward(cell, x, h0, params, bidirectional=False):
    """Run ``num_layers`` stacked ``cell`` layers (each bidirectional or not) over a sequence.

    Parameters
    ----------
    cell : "rnn", "lstm" or "gru"
    x : (N, T, D) inputs, batch first
    h0 : (L·dirs, N, H) initial states, index k·dirs + d (see the module docstring)
    params : list of L·dirs dicts of scratch-layout weights, same order; layer 0 has
        ``Wx`` (D, G·H), the layers above (dirs·H, G·H)
    bidirectional : bool

    Returns
    -------
    out : (N, T, dirs·H) output sequence of the top layer
    h_n : (L·dirs, N, H) final state of every layer and direction
    cache : for :func:`stacked_backward`
    """
    x, h0, params, dirs, L, H = _check_stack(cell, x, h0, params, bidirectional)
    forward = cell_functions(cell)[0]
    inp, caches, h_n = x, [], []
    for k in range(L):
        if dirs == 2:
            out, cache = bidirectional_forward(cell, inp, h0[2 * k:2 * k + 2], params[2 * k:2 * k + 2])
            h_n += [out[:, -1, :H], out[:, 0, H:]]      # forward ends at t = T, backward at t = 1
        else:
            out, cache = forward(inp, h0[k], **params[k])
            h_n.append(out[:, -1])
        caches.append(cache)
        inp = out
    N, T, _ = x.shape
    return inp, np.stack(h_n), ("stack", cell, dirs, {"N": N, "T": T, "H": H}, x.dtype, caches)


def stacked_backward(dout, dh_n, cache):
    """Backward pass of :func:`stacked_forward`, from the top layer down.

    The gradient reaching the output of layer k is the gradient of the input of layer
    k + 1 (``dout`` for the top layer), plus the gradient of its final states: ``dh_n``
    enters the forward direction at t = T and the backward direction at t = 1.

    Parameters
    ----------
    dout : (N, T, dirs·H) gradient of the loss with respect to ``out``
    dh_n : (L·dirs, N, H) gradient with respect to ``h_n``, or None (the loss ignores h_n)
    cache : from :func:`stacked_forward`

    Returns
    -------
    dx : (N, T, D);  dh0 : (L·dirs, N, H);  dparams : list of L·dirs dicts, order of params
    """
    _, cell, dirs, dims, dtype, caches = check_cache("cache", cache, "stack")
    backward, names = cell_functions(cell)[1:]
    H, L = dims["H"], len(caches)
    d = float_array("dout", dout, ("N", "T", f"{dirs}H"), dict(dims), dtype=dtype).copy()
    if dh_n is None:
        dh_n = np.zeros((L * dirs, dims["N"], H), dtype)
    dh_n = float_array("dh_n", dh_n, (L * dirs, "N", "H"), dict(dims), dtype=dtype)
    dh0, dparams = [None] * (L * dirs), [None] * (L * dirs)
    for k in reversed(range(L)):
        d[:, -1, :H] += dh_n[k * dirs]                   # the forward state after x_T
        if dirs == 2:
            d[:, 0, H:] += dh_n[2 * k + 1]               # the backward state after x_1
            d, dh0_k, dparams[2 * k:2 * k + 2] = bidirectional_backward(d, caches[k])
            dh0[2 * k:2 * k + 2] = list(dh0_k)
        else:
            d, dh0[k], *grads = backward(d, caches[k])
            dparams[k] = dict(zip(names, grads))
    return d, np.stack(dh0), dparams


def init_stack(cell, D, H, num_layers=1, bidirectional=False, seed=0, dtype=np.float64):
    """Random weights for :func:`stacked_forward`, drawn as PyTorch draws them: U(-1/√H, 1/√H).

    Returns the list of ``num_layers * dirs`` dicts (order k·dirs + d); layer 0 has
    ``Wx`` (D, G·H), the layers above (dirs·H, G·H). ``seed`` is an int or a Generator.
    """
    names = cell_functions(cell)[2]
    D, H = check_int("D", D, 1), check_int("H", H, 1)
    L = check_int("num_layers", num_layers, 1)
    dirs = 2 if bidirectional else 1
    rng = check_generator("seed", seed)
    G, bound = GATES[cell], 1 / np.sqrt(H)
    shapes = {"Wh": (H, G * H), "b": (G * H,), "bx": (G * H,), "bh": (G * H,)}
    params = []
    for j in range(L * dirs):
        shapes["Wx"] = (D if j < dirs else dirs * H, G * H)
        params.append({k: rng.uniform(-bound, bound, shapes[k]).astype(dtype) for k in names})
    return params
