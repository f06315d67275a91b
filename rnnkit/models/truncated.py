"""Truncated BPTT in PyTorch: a tanh RNN learns :func:`~rnnkit.data.tasks.delay_task` (ch. 03).

Chapter 03 trains the same small RNN with truncation lengths K = 1, 2, ... and full
BPTT, and shows that an answer lying ``lag`` steps back is learned only when K > lag.
torch is imported when a function runs, so that chapter 03 imports this module without it.
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_int
from rnnkit.data.tasks import delay_task


def train_delay_rnn(K, *, lag=4, T=24, hidden=24, steps=200, batch_size=64, lr=0.01, seed=0):
    """Train a tanh RNN (PyTorch) on :func:`~rnnkit.data.tasks.delay_task` with chunked truncated BPTT.

    Every update draws a fresh batch and runs the RNN in chunks of K steps: the hidden
    state is detached at each chunk boundary, and each chunk's loss (masked cross-entropy
    summed over its steps, averaged over the batch) is backpropagated at once, so only
    one chunk's graph is alive at a time. The gradients of all chunks add up in ``.grad``
    and one Adam step follows (:func:`rnnkit.models.fit.fit`). ``K=None`` means full BPTT
    (a single chunk).

    Parameters
    ----------
    K : int >= 1 or None, truncation length
    lag, T, hidden, steps, batch_size, lr, seed : task and training settings

    Returns
    -------
    dict with "loss" (mean cross-entropy per answered step on 2048 held-out sequences),
    "accuracy" (fraction of held-out answered steps predicted right) and "curve"
    (training loss per answered step, one value per step).
    """
    import torch

    from rnnkit.models.fit import fit

    chunk = T if K is None else check_int("K", K, 1)
    hidden = check_int("hidden", hidden, 1)
    batch_size = check_int("batch_size", batch_size, 1)
    delay_task(1, T, lag)                        # validates T and lag before any training
    torch.manual_seed(seed)
    rnn = torch.nn.RNN(1, hidden, batch_first=True)
    head = torch.nn.Linear(hidden, 2)

    def batch_loss(step):
        x, y, m = (torch.from_numpy(a) for a in delay_task(batch_size, T, lag, seed=seed * 100_003 + step))
        m = m.float()
        h, total = torch.zeros(1, batch_size, hidden), 0.0
        for s in range(0, T, chunk):
            out, h = rnn(x[:, s:s + chunk], h.detach())     # truncation: no gradient into earlier chunks
            loss = _answered_ce_sum(head(out), y[:, s:s + chunk], m[:, s:s + chunk]) / batch_size
            loss.backward()                      # frees this chunk's graph: memory O(K), not O(T)
            total += loss.item()
        return total * batch_size / m.sum().item()           # grads summed over chunks, one update

    curve = fit(list(rnn.parameters()) + list(head.parameters()), batch_loss, steps=steps, lr=lr)["losses"]
    return {**_held_out(rnn, head, T, lag, seed), "curve": np.array(curve)}


def _answered_ce_sum(logits, y, m):
    """Cross-entropy summed over the answered steps: logits (N, T, 2), y (N, T), m (N, T) float 0/1."""
    import torch.nn.functional as F

    ce = F.cross_entropy(logits.reshape(-1, 2), y.reshape(-1), reduction="none")
    return (ce * m.reshape(-1)).sum()


def _held_out(rnn, head, T, lag, seed):
    """Loss per answered step and accuracy of the trained RNN on 2048 held-out sequences."""
    import torch

    x, y, m = (torch.from_numpy(a) for a in delay_task(2048, T, lag, seed=10**6 + seed))
    with torch.no_grad():
        logits = head(rnn(x)[0])
        mf = m.reshape(-1).float()
        loss = float(_answered_ce_sum(logits, y, mf) / mf.sum())
        correct = (logits.argmax(-1) == y).float().reshape(-1)
        return {"loss": loss, "accuracy": float((correct * mf).sum() / mf.sum())}
