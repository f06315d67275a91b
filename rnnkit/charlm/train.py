"""Training a :class:`~rnnkit.charlm.model.CharLM` with truncated BPTT over contiguous streams.

One pass over the training ids is a :class:`rnnkit.data.StreamBatches` of B streams
and windows of T = ``seq_len`` steps. The state at the end of a window is the initial state
of the next one (detached: the gradient stops at the window edge, the *information*
does not), and is reset to zeros at the start of every pass, whose window boundaries
move by a random offset in [0, T).

Optimizer: AdamW (decoupled weight decay on the weight matrices only, not on biases),
global gradient-norm clipping, and a learning rate that rises linearly over
``warmup`` steps and then follows half a cosine down to zero::

    lr(step, progress) = lr_max * min(1, step / warmup) * (1 + cos(pi * progress)) / 2

``progress`` runs from 0 to 1 over the budget: ``step / steps`` for a step budget, or
training seconds / (60 * ``minutes``) for a wall-clock budget, so a 10-minute run ends
at learning rate zero whatever the speed of the machine. Time spent in held-out
evaluation is not counted as training time.

Ctrl-C (``KeyboardInterrupt``) stops training at a step boundary: a SIGINT that arrives
during an optimizer step is held until the step is complete, so the weights are never
half updated. :func:`train` then raises :class:`TrainingInterrupted`, a
``KeyboardInterrupt`` that carries the step reached and the log so far.
"""
from __future__ import annotations

import contextlib
import math
import signal
import threading
import time

import numpy as np
import torch
import torch.nn.functional as F

from rnnkit.checks import check_int, check_real
from rnnkit.data import StreamBatches

from .budget import Budget
from .evaluate import LN2
from .model import detach_state


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`train`: ``step`` optimizer steps were done, ``log`` the records so far.

    The model has the weights of step ``step`` (complete steps only) and is in eval mode.
    """

    def __init__(self, step, log):
        super().__init__(f"training interrupted at step {step}")
        self.step, self.log = step, log


@contextlib.contextmanager
def _whole_step():
    """Hold a SIGINT that arrives inside the block until its end, then raise KeyboardInterrupt.

    Only in the main thread with Python's default handler; elsewhere the block runs as is.
    """
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return
    held = []
    signal.signal(signal.SIGINT, lambda *_: held.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if held:
        raise KeyboardInterrupt


def lr_at(step, progress, *, lr, warmup):
    """Learning rate for optimizer step ``step`` (1-based) at budget fraction ``progress``."""
    warm = min(1.0, step / warmup) if warmup > 0 else 1.0
    return lr * warm * 0.5 * (1.0 + math.cos(math.pi * min(max(progress, 0.0), 1.0)))


def _windows(ids, batch_size, seq_len, rng):
    """Endless (x, y, new_pass) with x, y int64 tensors (B, T); new_pass marks a reset."""
    while True:
        offset = int(rng.integers(seq_len)) if len(ids) > batch_size * seq_len + seq_len + 1 else 0
        batches = StreamBatches(ids, batch_size, seq_len, offset=offset, drop_last=True)
        if len(batches) == 0:
            raise ValueError(f"the training text ({len(ids)} ids) is too short for batch_size={batch_size} "
                             f"streams of seq_len={seq_len} steps; lower --batch-size or --seq-len")
        for k, (x, y) in enumerate(batches):
            yield torch.from_numpy(x), torch.from_numpy(y), k == 0


def train(model, train_ids, *, steps=None, minutes=None, batch_size=32, seq_len=128, lr=3e-3,
          weight_decay=0.01, warmup=100, clip=1.0, eval_every=200, eval_fn=None,
          on_eval=None, seed=0, progress=True, bf16=False):
    """Train ``model`` in place on ``train_ids`` for ``steps`` steps or ``minutes`` minutes.

    Parameters
    ----------
    model : CharLM
    train_ids : 1-D int array (n,), the training text as ids
    steps, minutes : the budget; give exactly one
    batch_size, seq_len : B parallel streams, T steps per window (the truncation length)
    lr, weight_decay, warmup, clip : AdamW peak learning rate, decay, warm-up steps,
        maximum global gradient norm (None: no clipping)
    eval_every : steps between held-out evaluations (and one at the end)
    eval_fn : callable(model) -> held-out bits per token, or None
    on_eval : callable(model, log) after each evaluation (e.g. save a checkpoint), or None
    seed : seeds torch and the window offsets
    progress : show a tqdm bar
    bf16 : compute the forward and backward pass in bfloat16 (``torch.autocast``); the
        weights, the optimizer and the loss stay float32. On a CPU with AVX-512 BF16 a
        step of the 2x512 LSTM takes about 0.6 of the float32 time
        (``bench/charlm.py`` reports the effect on held-out bpc).

    Raises :class:`TrainingInterrupted` on Ctrl-C (see the module docstring).

    Returns
    -------
    log : list of dicts, one per evaluation: step, seconds (training time), lr,
        train_bpc (mean training loss since the previous record, with dropout, in bits),
        valid_bpc (None without eval_fn)
    """
    eval_every = check_int("eval_every", eval_every, 1)
    batch_size, seq_len = check_int("batch_size", batch_size, 1), check_int("seq_len", seq_len, 1)
    lr, warmup = check_real("lr", lr, 0, open_low=True), check_int("warmup", warmup, 0)
    weight_decay = check_real("weight_decay", weight_decay, 0)
    clip = None if clip is None else check_real("clip", clip, 0, open_low=True)
    torch.manual_seed(seed)
    windows = _windows(np.asarray(train_ids), batch_size, seq_len, np.random.default_rng(seed))
    opt = _adamw(model, lr, weight_decay)
    budget = Budget(steps=steps, minutes=minutes, progress=progress)
    log = _Log(model, budget, eval_fn, on_eval)
    try:
        _loop(model, opt, windows, budget, log, eval_every, dict(lr=lr, warmup=warmup), clip, bf16)
    except KeyboardInterrupt:
        raise TrainingInterrupted(budget.step, log.records) from None
    finally:
        budget.close()
        model.eval()
    return log.records


def _loop(model, opt, windows, budget, log, eval_every, schedule, clip, bf16):
    """The steps of :func:`train` until the budget is spent, an evaluation every ``eval_every``."""
    state, cur_lr = None, lr_at(1, 0.0, **schedule)
    while budget.left():
        with _whole_step():
            x, y, new_pass = next(windows)
            t0 = time.perf_counter()
            cur_lr = lr_at(budget.step + 1, budget.fraction, **schedule)
            loss, state = _step(model, opt, x, y, None if new_pass else state, cur_lr, clip, bf16)
            budget.tick(time.perf_counter() - t0)
            log.add_loss(loss)
        if budget.step % eval_every == 0:
            log.record(cur_lr)
    if not log.records or log.records[-1]["step"] != budget.step:
        log.record(cur_lr)


def _adamw(model, lr, weight_decay):
    """AdamW that decays the weight matrices only, not the biases and other 1-D parameters."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}], lr=lr, betas=(0.9, 0.99))


def _step(model, opt, x, y, state, lr, clip, bf16):
    """One optimizer step on the window ``x, y`` (B, T) from ``state``.

    Returns the mean loss of the window in nats and the state after it, detached (the
    gradient stops at the window edge) and, with ``bf16``, back in float32.
    """
    for group in opt.param_groups:
        group["lr"] = lr
    model.train()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        logits, state = model(x, state)
    loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    if clip is not None:
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    state = detach_state(state)
    if bf16:          # carry the state in float32 like the weights
        state = tuple(s.float() for s in state) if isinstance(state, tuple) else state.float()
    return loss.item(), state


class _Log:
    """The training log: one record per evaluation, of the mean training loss since the last one."""

    def __init__(self, model, budget, eval_fn, on_eval):
        self.model, self.budget, self.eval_fn, self.on_eval = model, budget, eval_fn, on_eval
        self.records, self.loss_sum, self.loss_n = [], 0.0, 0

    def add_loss(self, nats):
        self.loss_sum, self.loss_n = self.loss_sum + nats, self.loss_n + 1

    def record(self, lr):
        """Evaluate (if there is an ``eval_fn``), append a record, then call ``on_eval``."""
        valid = float(self.eval_fn(self.model)) if self.eval_fn is not None else None
        self.records.append(dict(step=self.budget.step, seconds=round(self.budget.seconds, 2), lr=lr,
                                 train_bpc=self.loss_sum / max(self.loss_n, 1) / LN2, valid_bpc=valid))
        self.loss_sum, self.loss_n = 0.0, 0
        self.budget.show(train=f"{self.records[-1]['train_bpc']:.3f}",
                         valid="-" if valid is None else f"{valid:.3f}")
        if self.on_eval is not None:
            self.on_eval(self.model, self.records)
