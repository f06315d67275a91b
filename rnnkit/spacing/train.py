"""Training the spacing model on random windows of the training text.

The training text loses its spaces and becomes one stream of character ids with a 0/1
label per character (:func:`training_stream`; newlines stay, as characters). Each step
draws ``batch_size`` windows of ``seq_len`` characters at random places of the stream
(:func:`random_windows`), and the model is trained with the binary cross-entropy of its
logits against the labels, averaged over all positions, with AdamW, a short warm-up and
a cosine decay of the learning rate over the budget (steps or seconds, whichever ends
first), and the gradient norm clipped. ``progress=True`` shows a tqdm bar of the budget.
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
          weight_decay=0.01, warmup=20, clip=1.0, seed=0, log_every=25, callback=None, progress=False):
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
    progress : show a tqdm bar: of the steps with a step budget alone, else of the seconds

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
    bar = _Bar(steps, seconds) if progress else None
    t0, step, log, running = time.perf_counter(), 0, [], []
    try:
        while True:
            elapsed = time.perf_counter() - t0
            fraction = max(step / steps if steps else 0.0, elapsed / seconds if seconds else 0.0)
            if bar is not None:
                bar.show(step, elapsed, log)
            if fraction >= 1.0:
                break
            step += 1
            for group in opt.param_groups:
                group["lr"] = lr_at(step, fraction, lr, warmup)
            running.append(_step(model, opt, loss_fn, *random_windows(ids, labels, batch_size, seq_len, rng), clip))
            if step % log_every == 0:
                entry = {"step": step, "seconds": round(time.perf_counter() - t0, 2),
                         "lr": opt.param_groups[0]["lr"], "loss": float(np.mean(running))}
                running = []
                log.append(entry)
                if callback is not None:
                    callback(entry)
    finally:                    # also on Ctrl-C: the bar does not stay on the screen
        if bar is not None:
            bar.close()
    return {"steps": step, "seconds": round(time.perf_counter() - t0, 2), "log": log}


def _step(model, opt, loss_fn, x, y, clip):
    """One optimizer step on the batch ``x`` (B, T), ``y`` (B, T); the batch's loss as a float."""
    loss = loss_fn(model(x), y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    return loss.item()


class _Bar:
    """The tqdm bar of :func:`train`: steps of a step budget, else seconds; the last loss beside it."""

    def __init__(self, steps, seconds):
        from tqdm.auto import tqdm

        self.by_steps = seconds is None
        total = steps if self.by_steps else seconds
        self.bar = tqdm(total=total, unit="step" if self.by_steps else "s", leave=False, mininterval=0.5,
                        bar_format=None if self.by_steps else "{l_bar}{bar}| {n:.0f}/{total:.0f} s{postfix}")
        self.logged = 0

    def show(self, step, elapsed, log):
        value = step if self.by_steps else min(elapsed, self.bar.total)
        self.bar.update(value - self.bar.n)
        if len(log) > self.logged:
            self.logged = len(log)
            self.bar.set_postfix(step=step, loss=f"{log[-1]['loss']:.4f}", refresh=False)

    def close(self):
        self.bar.close()
