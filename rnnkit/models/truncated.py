"""Truncated BPTT in PyTorch: a tanh RNN learns :func:`~rnnkit.data.tasks.delay_task` (ch. 03).

Chapter 03 trains the same small RNN with truncation lengths K = 1, 2, ... and full
BPTT, and shows that an answer lying ``lag`` steps back is learned only when K > lag.
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_int, check_real
from rnnkit.data.tasks import delay_task


def train_delay_rnn(K, *, lag=4, T=24, hidden=24, steps=200, batch=64, lr=0.01, seed=0):
    """Train a tanh RNN (PyTorch) on :func:`delay_task` with chunked truncated BPTT.

    Every update draws a fresh batch and runs the RNN in chunks of K steps: the hidden
    state is detached at each chunk boundary, and each chunk's loss (masked cross-entropy
    summed over its steps, averaged over the batch) is backpropagated at once, so only
    one chunk's graph is alive at a time. The gradients of all chunks add up in ``.grad``
    and one Adam step follows. ``K=None`` means full BPTT (a single chunk).

    Parameters
    ----------
    K : int >= 1 or None, truncation length
    lag, T, hidden, steps, batch, lr, seed : task and training settings

    Returns
    -------
    dict with "loss" (mean cross-entropy per answered step on 2048 held-out sequences),
    "accuracy" (fraction of held-out answered steps predicted right) and "curve"
    (training loss per answered step, one value per step).
    """
    import torch
    import torch.nn.functional as F

    if K is not None:
        K = check_int("K", K, 1)
    for name, v in (("hidden", hidden), ("steps", steps), ("batch", batch)):
        check_int(name, v, 1)
    check_real("lr", lr, 0, open_low=True)
    delay_task(1, T, lag)                        # validates T and lag before any training
    torch.manual_seed(seed)
    rnn = torch.nn.RNN(1, hidden, batch_first=True)
    head = torch.nn.Linear(hidden, 2)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=lr)
    chunk = T if K is None else K

    curve = []
    for i in range(steps):
        x, y, m = (torch.from_numpy(a) for a in delay_task(batch, T, lag, seed=seed * 100_003 + i + 1))
        m = m.float()
        opt.zero_grad()
        h = torch.zeros(1, batch, hidden)
        total = 0.0
        for s in range(0, T, chunk):
            h = h.detach()                       # truncation: no gradient into earlier chunks
            out, h = rnn(x[:, s:s + chunk], h)
            ce = F.cross_entropy(head(out).reshape(-1, 2), y[:, s:s + chunk].reshape(-1),
                                 reduction="none")
            loss = (ce * m[:, s:s + chunk].reshape(-1)).sum() / batch
            loss.backward()                      # frees this chunk's graph: memory O(K), not O(T)
            total += loss.item()
        opt.step()                               # one update per sequence; grads summed over chunks
        curve.append(total * batch / m.sum().item())

    x, y, m = (torch.from_numpy(a) for a in delay_task(2048, T, lag, seed=10**6 + seed))
    with torch.no_grad():
        out, _ = rnn(x)
        logits = head(out)
        ce = F.cross_entropy(logits.reshape(-1, 2), y.reshape(-1), reduction="none")
        mf = m.reshape(-1).float()
        test_loss = float((ce * mf).sum() / mf.sum())
        correct = (logits.argmax(-1) == y).float().reshape(-1)
        acc = float((correct * mf).sum() / mf.sum())
    return {"loss": test_loss, "accuracy": acc, "curve": np.array(curve)}
