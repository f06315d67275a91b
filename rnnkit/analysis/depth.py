"""Where the gradient of one output goes in a stacked RNN: depth in layers and in time (chapter 08).

In a stack of ``L`` layers, a loss that reads the top layer's output at one position ``t*``
sends a gradient to every state ``h^(l)_t``. From ``h^(L)_{t*}`` down to ``h^(l)_t`` every
path crosses ``L - l`` layer-to-layer Jacobians (``∂h^(k)_t/∂h^(k-1)_t``) and, in a
unidirectional stack, at least ``t* - t`` step Jacobians (``∂h^(k)_t/∂h^(k)_{t-1}``): the
number of layers is fixed by the architecture, the distance in time is not. With
``bidirectional=True`` the backward direction also carries the gradient to positions after ``t*``.

:func:`gradient_map` measures ``‖∂L/∂h^(l)_t‖`` for every layer and position: the module is
run one cell step at a time (``nn.RNNCell`` / ``nn.LSTMCell`` / ``nn.GRUCell`` holding the
weights of each layer and direction, the same computation as the module), so that autograd
can report the *total* gradient of each state, through the layer above and through the
state's own next step. torch is imported when the function is called.
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_int, float_array


def _cells(module):
    """One float64 cell per layer and direction, in h_n order, with the module's weights."""
    import torch

    kind = type(module).__name__
    if kind not in ("RNN", "LSTM", "GRU") or getattr(module, "proj_size", 0):
        raise ValueError(f"module must be a torch.nn.RNN, LSTM or GRU without projection, got {kind}")
    Cell = getattr(torch.nn, kind + "Cell")
    dirs = 2 if module.bidirectional else 1
    H, cells = module.hidden_size, []
    for j in range(module.num_layers * dirs):
        suffix = f"_l{j // dirs}" + ("_reverse" if j % dirs else "")
        size = module.input_size if j < dirs else dirs * H
        extra = {"nonlinearity": module.nonlinearity} if kind == "RNN" else {}
        cell = Cell(size, H, bias=module.bias, **extra).double()
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh") + (("bias_ih", "bias_hh") if module.bias else ()):
                getattr(cell, name).copy_(getattr(module, name + suffix))
        cells.append(cell)
    return cells, dirs, kind == "LSTM"


def gradient_map(module, x, position, seed=0):
    """Norms of the gradient of one top-layer output, at every layer and time step of a stack.

    Parameters
    ----------
    module : torch.nn.RNN, LSTM or GRU, any num_layers, either direction (its weights are
        used in float64; dropout is not applied; initial states are zero)
    x : (N, T, D) numpy array of inputs, batch first
    position : int in [0, T), the position t* (0-based) whose top-layer output the loss reads
    seed : seeds the upstream gradient g, (N, dirs·H) standard normal: L = Σ_n <g_n, out_n[t*]>

    Returns
    -------
    (L + 1, T) float64 array: row 0 holds ``‖∂L/∂x_t‖``, row l (1..L) the total gradient
    ``‖∂L/∂h^(l)_t‖`` (both directions' states together when bidirectional), each the mean
    over the N sequences of the Euclidean norm. Exact zeros mark states the loss does not
    depend on.
    """
    import torch

    cells, dirs, lstm = _cells(module)
    x = float_array("x", x, ("N", "T", "D"), {"D": module.input_size})
    N, T, _ = x.shape
    position = check_int("position", position, 0, T - 1)
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    inputs, states = [xt[:, t] for t in range(T)], []
    for k in range(module.num_layers):
        layer = []
        for d in range(dirs):
            cell, seq = cells[k * dirs + d], [None] * T
            h = c = torch.zeros(N, module.hidden_size, dtype=torch.float64)
            for t in (range(T) if d == 0 else reversed(range(T))):
                if lstm:
                    h, c = cell(inputs[t], (h, c))
                else:
                    h = cell(inputs[t], h)
                h.retain_grad()
                seq[t] = h
            layer.append(seq)
        states.append(layer)
        inputs = [torch.cat([seq[t] for seq in layer], dim=1) for t in range(T)]
    g = np.random.default_rng(seed).standard_normal((N, dirs * module.hidden_size))
    (inputs[position] * torch.from_numpy(g)).sum().backward()
    zero = torch.zeros(N, module.hidden_size, dtype=torch.float64)
    rows = [xt.grad.norm(dim=2).mean(dim=0).numpy()]
    for layer in states:
        grads = [torch.cat([zero if s[t].grad is None else s[t].grad for s in layer], dim=1) for t in range(T)]
        rows.append(np.array([float(gr.norm(dim=1).mean()) for gr in grads]))
    return np.array(rows)
