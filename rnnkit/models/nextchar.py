"""A small next-character model, unidirectional or bidirectional (chapter 08).

    e_t = E[x_t],   s_t = LSTM(e_1..e_T)_t,   scores for x_{t+1} = W s_t + b

trained with :func:`rnnkit.models.fit.fit` on random windows of a sequence of ids, the
cross-entropy of predicting ``x_{t+1}`` at every position. With ``bidirectional=True``
the state ``s_t`` includes the backward direction, which has already read ``x_{t+1}``:
the model can copy the answer from its own input, so its loss falls far below what any
model that reads only ``x_1..x_t`` can reach. This is chapter 08's demonstration that a
bidirectional RNN cannot be used as a language model (and cannot generate).
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from rnnkit.checks import check_int
from .fit import fit


class NextChar(nn.Module):
    """Embedding, one LSTM layer (bidirectional or not), scores over the vocabulary at every step."""

    def __init__(self, vocab_size, embed=32, hidden=64, bidirectional=False):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed)
        self.rnn = nn.LSTM(embed, hidden, batch_first=True, bidirectional=bidirectional)
        self.head = nn.Linear((2 if bidirectional else 1) * hidden, vocab_size)

    def forward(self, ids):
        return self.head(self.rnn(self.embed(ids))[0])


def _windows(ids, starts, seq_len):
    x = torch.stack([ids[s:s + seq_len] for s in starts])
    y = torch.stack([ids[s + 1:s + seq_len + 1] for s in starts])
    return x, y


def train_next_char(train_ids, heldout_ids, vocab_size, bidirectional, *, steps=120, embed=32, hidden=64,
                    batch_size=16, seq_len=64, lr=0.01, seed=0):
    """Train :class:`NextChar` to predict the next id, and score it on held-out ids.

    Parameters
    ----------
    train_ids, heldout_ids : 1-D integer arrays of ids in [0, vocab_size)
    vocab_size : int
    bidirectional : bool
    steps, embed, hidden, batch_size, seq_len, lr : training settings (Adam on ``batch_size``
        random windows of ``seq_len`` ids per step)
    seed : seeds the weights and the windows

    Returns
    -------
    dict with "model", "losses" (training loss per step, nats) and "heldout_bits", the mean
    of -log2 p(x_{t+1}) over consecutive held-out windows (as many as fit, at most 40)
    """
    V = check_int("vocab_size", vocab_size, 2)
    seq_len, steps = check_int("seq_len", seq_len, 1), check_int("steps", steps, 0)
    train = torch.as_tensor(np.asarray(train_ids), dtype=torch.int64)
    heldout = torch.as_tensor(np.asarray(heldout_ids), dtype=torch.int64)
    for name, a in (("train_ids", train), ("heldout_ids", heldout)):
        if a.ndim != 1 or len(a) < seq_len + 1 or int(a.min()) < 0 or int(a.max()) >= V:
            raise ValueError(f"{name} must be a 1-D array of at least seq_len + 1 = {seq_len + 1} ids in [0, {V})")
    torch.manual_seed(seed)
    model = NextChar(V, embed, hidden, bidirectional)
    gen = torch.Generator().manual_seed(seed)
    loss_fn = nn.CrossEntropyLoss()

    def batch_loss(step):
        x, y = _windows(train, torch.randint(0, len(train) - seq_len, (batch_size,), generator=gen), seq_len)
        return loss_fn(model(x).reshape(-1, V), y.reshape(-1))

    run = fit(model.parameters(), batch_loss, steps=steps, lr=lr)
    count = min(40, (len(heldout) - 1) // seq_len)
    with torch.no_grad():
        x, y = _windows(heldout, range(0, count * seq_len, seq_len), seq_len)
        bits = loss_fn(model(x).reshape(-1, V), y.reshape(-1)).item() / math.log(2)
    return {"model": model, "losses": run["losses"], "heldout_bits": bits}
