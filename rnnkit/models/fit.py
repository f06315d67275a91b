"""The one training loop of the book's small experiments: Adam on a fresh batch per update.

    run = fit(model.parameters(), batch_loss, steps=500, lr=0.01, clip=1.0)
    run["losses"]                                  # one float per update

Chapters 03-06 all train the same way. Update ``step`` (1, 2, ..., ``steps``) clears
the gradients, asks ``batch_loss(step)`` for the loss of a new batch and backpropagates
it, clips the global gradient norm (optional), and takes one Adam step. Optionally the
learning rate drops once, and a held-out measurement every few updates can stop the
training early. What differs between the experiments (the data, the model, how the loss
is taken) lives in ``batch_loss``.

``batch_loss(step)`` returns the loss tensor for :func:`fit` to backpropagate, or a
``float`` when it has already called ``backward`` itself: chapter 03's truncated BPTT
backpropagates a sequence chunk by chunk, and the gradients of the chunks add up in
``.grad`` before the one update.
"""
from __future__ import annotations

import torch

from rnnkit.checks import check_int, check_real


def fit(params, batch_loss, *, steps, lr, clip=None, lr_drop_at=None, lr_drop=0.5, evaluate=None,
        eval_every=None, stop_at=None, progress=False, desc="train"):
    """Train ``params`` with Adam for ``steps`` updates, one fresh batch each.

    Parameters
    ----------
    params : iterable of torch parameters (``model.parameters()``)
    batch_loss : callable ``batch_loss(step) -> loss``, ``step`` = 1, 2, ...: a tensor is
        backpropagated here; a float means ``batch_loss`` called ``backward`` itself
    steps : int >= 0, the number of updates (an upper bound with ``stop_at``)
    lr : float > 0, Adam's learning rate
    clip : None, or float > 0: clip the global gradient norm to it before each update
    lr_drop_at : None, or int >= 1: after this many updates, multiply the rate by ``lr_drop``
    evaluate : callable ``evaluate() -> float``, a held-out measurement
    eval_every : None, or int >= 1: call ``evaluate`` before training, every this many
        updates and after the last one
    stop_at : None, or a float: stop as soon as ``evaluate()`` reaches it (needs ``eval_every``)
    progress : show a tqdm progress bar, labelled ``desc``

    Returns
    -------
    dict with "losses" (one float per update made), "grad_norms" (the global gradient norm
    of each update before clipping; empty without ``clip``), "curve" (``(step, evaluate())``
    pairs from step 0; empty without ``eval_every``) and "steps" (updates made)
    """
    params = list(params)
    steps = check_int("steps", steps, 0)
    lr = check_real("lr", lr, 0, open_low=True)
    clip = None if clip is None else check_real("clip", clip, 0, open_low=True)
    lr_drop_at = None if lr_drop_at is None else check_int("lr_drop_at", lr_drop_at, 1)
    lr_drop = check_real("lr_drop", lr_drop, 0, 1, open_low=True)
    if eval_every is not None:
        eval_every = check_int("eval_every", eval_every, 1)
        if not callable(evaluate):
            raise ValueError(f"evaluate must be a callable when eval_every is given, got {evaluate!r}")
    if stop_at is not None and eval_every is None:
        raise ValueError(f"stop_at needs eval_every (a measurement to compare with), got stop_at={stop_at!r}")
    opt = torch.optim.Adam(params, lr=lr)
    losses, norms, curve = [], [], []
    if eval_every is not None:
        curve.append((0, evaluate()))
    for step in _updates(steps, progress, desc):
        opt.zero_grad()
        loss = batch_loss(step)
        if isinstance(loss, torch.Tensor):
            loss.backward()
            loss = loss.item()
        if clip is not None:
            norms.append(float(torch.nn.utils.clip_grad_norm_(params, clip)))
        opt.step()
        losses.append(float(loss))
        if step == lr_drop_at:
            for group in opt.param_groups:
                group["lr"] = lr * lr_drop
        if eval_every is not None and (step % eval_every == 0 or step == steps):
            curve.append((step, evaluate()))
            if stop_at is not None and curve[-1][1] >= stop_at:
                break
    return {"losses": losses, "grad_norms": norms, "curve": curve, "steps": len(losses)}


def _updates(steps, progress, desc):
    """The update numbers 1 .. steps, behind a tqdm bar if ``progress``."""
    it = range(1, steps + 1)
    if progress:
        from tqdm.auto import tqdm
        it = tqdm(it, desc=desc, leave=False, mininterval=1.0)
    return it
