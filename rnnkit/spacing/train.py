"""Training the spacing model on random windows of the training text.

The training text loses its spaces and becomes one stream of character ids with a 0/1
label per character (:func:`training_stream`; newlines stay, as characters). Each step
draws ``batch_size`` windows of ``seq_len`` characters at random places of the stream
(:func:`random_windows`), and the model is trained with the binary cross-entropy of its
logits against the labels, averaged over all positions, with AdamW, a short warm-up and
a cosine decay of the learning rate over the budget (steps or seconds, whichever ends
first), and the gradient norm clipped.
"""
from __future__ import annotations

import math
import time

import numpy as np
import torch

from rnnkit.checks import check_generator, check_int, check_real
from rnnkit.data.spacing import unspace


def training_stream(train_text, vocab):
    """``(ids, labels)``: int64 ids and float32 labels of ``train_text`` without its spaces."""
    chars, labels = unspace(train_text)
    return np.asarray(vocab.encode(chars), dtype=np.int64), labels.astype(np.float32)


def random_windows(ids, labels, batch_size, seq_len, rng):
    """A batch of windows at uniformly random starts: ``x`` (B, T) int64, ``y`` (B, T) float32."""
    if len(ids) != len(labels) or len(ids) < seq_len:
        raise ValueError(f"ids and labels must have the same length, at least seq_len = {seq_len}, "
                         f"got {len(ids)} and {len(labels)}")
    starts = rng.integers(0, len(ids) - seq_len + 1, size=batch_size)
    idx = starts[:, None] + np.arange(seq_len)
    return torch.from_numpy(ids[idx]), torch.from_numpy(labels[idx])


def lr_at(step, fraction, lr, warmup):
    """Learning rate of step ``step`` (1-based) at budget fraction ``fraction`` in [0, 1]."""
    return lr * min(1.0, step / warmup) * 0.5 * (1 + math.cos(math.pi * min(fraction, 1.0)))


def train(model, ids, labels, *, steps=None, seconds=None, batch_size=32, seq_len=200, lr=2e-3,
          weight_decay=0.01, warmup=20, clip=1.0, seed=0, log_every=25, callback=None):
    """Train ``model`` in place until ``steps`` optimizer steps or ``seconds`` have passed.

    Parameters
    ----------
    model : :class:`~rnnkit.spacing.model.SpacingModel`
    ids, labels : from :func:`training_stream`
    steps, seconds : the budget; at least one must be given
    batch_size, seq_len : windows per step and their length
    lr, weight_decay, warmup, clip : AdamW's peak learning rate and decay, warm-up steps,
        maximum gradient norm
    seed : int or numpy Generator, for the windows (seed torch yourself for the weights)
    log_every : log the mean training loss every that many steps
    callback : None or ``callback(entry)`` called with each log entry (a dict)

    Returns
    -------
    dict with ``steps``, ``seconds`` and ``log``, a list of ``{"step", "seconds", "lr", "loss"}``
    """
    if steps is None and seconds is None:
        raise ValueError("give a budget: steps or seconds (or both)")
    steps = None if steps is None else check_int("steps", steps, 1)
    seconds = None if seconds is None else check_real("seconds", seconds, 0, open_low=True)
    batch_size, seq_len = check_int("batch_size", batch_size, 1), check_int("seq_len", seq_len, 1)
    rng = check_generator("seed", seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    t0, step, log, running = time.perf_counter(), 0, [], []
    while True:
        elapsed = time.perf_counter() - t0
        fraction = max(step / steps if steps else 0.0, elapsed / seconds if seconds else 0.0)
        if fraction >= 1.0:
            break
        step += 1
        for group in opt.param_groups:
            group["lr"] = lr_at(step, fraction, lr, warmup)
        x, y = random_windows(ids, labels, batch_size, seq_len, rng)
        loss = loss_fn(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        running.append(loss.item())
        if step % log_every == 0:
            entry = {"step": step, "seconds": round(time.perf_counter() - t0, 2),
                     "lr": opt.param_groups[0]["lr"], "loss": float(np.mean(running))}
            running = []
            log.append(entry)
            if callback is not None:
                callback(entry)
    return {"steps": step, "seconds": round(time.perf_counter() - t0, 2), "log": log}
