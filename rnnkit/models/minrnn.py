"""minGRU and minLSTM in PyTorch (Feng et al. 2024), computed with a parallel scan over time.

Both are recurrences h_t = a_t ⊙ h_{t-1} + b_t whose a_t and b_t depend on x_t only,
so a whole window is two matmuls and one scan (the numpy version, with the derivation,
is :func:`rnnkit.scratch.linear_scan_forward` and :func:`rnnkit.scratch.min_gru_forward`)::

    minGRU:   z = σ(x W_z + b_z),  ĥ = x W_h + b_h,        a = 1 - z,   b = z ⊙ ĥ
    minLSTM:  f = σ(x W_f + b_f),  i = σ(x W_i + b_i),  ĥ = x W_h + b_h,
              a = f / (f + i),  b = i / (f + i) ⊙ ĥ          (the paper's normalized gates)

:func:`scan` forms all prefixes in ⌈log2 T⌉ rounds (Hillis–Steele) with products only,
no division, so it stays finite for any length; autograd differentiates through it.
:class:`MinRNN` stacks L such layers with the interface of ``torch.nn.GRU``
(``batch_first=True``): ``output, state = rnn(x, state)`` with ``state`` (L, N, H).
"""
from __future__ import annotations

import torch
from torch import nn

from rnnkit.checks import check_choice, check_int, check_real

KINDS = ("mingru", "minlstm")


def scan(a, b, h0=None):
    """States of h_t = a_t ⊙ h_{t-1} + b_t along dimension 1, by a log-depth scan.

    Parameters
    ----------
    a, b : tensors (N, T, H);  h0 : None (zeros) or (N, H)

    Returns
    -------
    h : (N, T, H)
    """
    if a.shape != b.shape or a.dim() != 3:
        raise ValueError(f"a and b must be (N, T, H) tensors of one shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    A, B = a, b
    shift = 1
    while shift < a.shape[1]:
        # position t: (prefix ending at t - shift) then (its own running pair)
        B = torch.cat([B[:, :shift], A[:, shift:] * B[:, :-shift] + B[:, shift:]], dim=1)
        A = torch.cat([A[:, :shift], A[:, shift:] * A[:, :-shift]], dim=1)
        shift *= 2
    if h0 is None:
        return B
    if h0.shape != (a.shape[0], a.shape[2]):
        raise ValueError(f"h0 must have shape (N, H) = ({a.shape[0]}, {a.shape[2]}), got {tuple(h0.shape)}")
    return A * h0[:, None, :] + B


class MinLayer(nn.Module):
    """One minGRU or minLSTM layer: (N, T, D) inputs and an (N, H) state -> (N, T, H) states."""

    def __init__(self, kind, input_size, hidden_size):
        super().__init__()
        self.kind = check_choice("kind", kind, KINDS)
        self.hidden_size = check_int("hidden_size", hidden_size, 1)
        blocks = 2 if kind == "mingru" else 3
        self.linear = nn.Linear(check_int("input_size", input_size, 1), blocks * hidden_size)

    def coefficients(self, x):
        """a_t, b_t (N, T, H) of the layer's recurrence for inputs ``x`` (N, T, D)."""
        H = self.hidden_size
        u = self.linear(x)
        if self.kind == "mingru":
            z = torch.sigmoid(u[..., :H])
            return 1 - z, z * u[..., H:]
        f, i = torch.sigmoid(u[..., :H]), torch.sigmoid(u[..., H:2 * H])
        return f / (f + i), i / (f + i) * u[..., 2 * H:]

    def forward(self, x, h0=None):
        a, b = self.coefficients(x)
        return scan(a, b, h0)


class MinRNN(nn.Module):
    """L stacked minGRU or minLSTM layers, used like ``nn.GRU(batch_first=True)``.

    Parameters
    ----------
    kind : "mingru" or "minlstm"
    input_size, hidden_size : D, H
    num_layers : L >= 1
    dropout : probability in [0, 1] on the outputs of every layer but the last (training only)

    ``forward(x, state=None)``: x (N, T, D), state None or (L, N, H); returns
    ``output`` (N, T, H), the last layer's states, and the new state (L, N, H), the
    final state of every layer.
    """

    def __init__(self, kind, input_size, hidden_size, num_layers=1, dropout=0.0):
        super().__init__()
        num_layers = check_int("num_layers", num_layers, 1)
        self.hidden_size, self.num_layers = check_int("hidden_size", hidden_size, 1), num_layers
        self.drop = nn.Dropout(check_real("dropout", dropout, 0, 1))
        self.layers = nn.ModuleList(MinLayer(kind, input_size if k == 0 else hidden_size, hidden_size)
                                    for k in range(num_layers))

    def forward(self, x, state=None):
        if x.dim() != 3:
            raise ValueError(f"x must be an (N, T, D) tensor, got shape {tuple(x.shape)}")
        expected = (self.num_layers, x.shape[0], self.hidden_size)
        if state is not None and tuple(state.shape) != expected:
            raise ValueError(f"state must have shape (L, N, H) = {expected}, got {tuple(state.shape)}")
        finals = []
        for k, layer in enumerate(self.layers):
            if k:
                x = self.drop(x)
            x = layer(x, None if state is None else state[k])
            finals.append(x[:, -1])
        return x, torch.stack(finals)
