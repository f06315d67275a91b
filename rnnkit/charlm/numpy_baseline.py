"""Post 003's experiment, reproduced with :mod:`rnnkit.scratch`: the baseline to beat.

Post 003 trained a numpy LSTM on 『무정』 with code derived from Karpathy's min-char-rnn
(its author's repository, ``ratsgo/models`` ``LSTM_numpy``). Its setup, kept here:

- input: each character as a one-hot vector of size V (no embedding), so
  ``x_t Wx`` picks row ``x_t`` of ``Wx`` (V, 4H);
- one LSTM layer, hidden size H = 100, gates i, f, o, g, output layer ``h_t Wy + by``;
- weights drawn from N(0, 0.01²), biases zero;
- one stream (batch 1) read left to right in windows of 25 characters; the loss is the
  *sum* of the 25 cross-entropies; h and c are carried from window to window and reset
  to zeros when the pass restarts from the beginning of the text;
- each gradient entry clipped to [-5, 5], then Adagrad with learning rate 0.1:
  ``m += g²;  θ -= 0.1 g / sqrt(m + 1e-8)``.

Two differences, both deliberate: it trains on the standard 90% and is scored on the
held-out 10% (the post trained on the whole novel and reported only samples), and the
backward pass is the scratch LSTM's, which is gradient-checked. The post's code
differentiates the candidate gate as ``1 - tanh(g)²`` although ``g`` is already
``tanh(a_g)``; the right factor is ``1 - g²``.

Everything is float64 as in the post. The layers are those of the book's chapters:
:func:`~rnnkit.scratch.lstm_step_forward` / :func:`~rnnkit.scratch.lstm_step_backward`
(step by step, because the cell state is carried across windows),
:func:`~rnnkit.scratch.temporal_affine_forward` and
:func:`~rnnkit.scratch.temporal_softmax_loss`.
"""
from __future__ import annotations

import time

import numpy as np

from rnnkit.checks import check_int, check_real
from rnnkit.scratch import (lstm_step_backward, lstm_step_forward, temporal_affine_backward,
                            temporal_affine_forward, temporal_softmax_loss)

from .budget import Budget
from .evaluate import LN2, stream_plan

POST_003 = dict(hidden=100, seq_len=25, lr=0.1, clip=5.0, init_std=0.01)


class NumpyCharLSTM:
    """Post 003's character LSTM: one-hot input, one LSTM layer, affine output.

    Parameters
    ----------
    vocab_size : V;  hidden : H (post: 100);  seed : for the initial weights

    Attributes
    ----------
    params : dict Wx (V, 4H), Wh (H, 4H), b (4H,), Wy (H, V), by (V,), float64
    memory : dict of the same shapes, Adagrad's running sums of squared gradients
    """

    def __init__(self, vocab_size, hidden=100, *, seed=0, init_std=0.01):
        V, H = check_int("vocab_size", vocab_size, 1), check_int("hidden", hidden, 1)
        rng = np.random.default_rng(seed)
        self.params = dict(Wx=rng.standard_normal((V, 4 * H)) * init_std,
                           Wh=rng.standard_normal((H, 4 * H)) * init_std,
                           b=np.zeros(4 * H),
                           Wy=rng.standard_normal((H, V)) * init_std,
                           by=np.zeros(V))
        self.memory = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.V, self.H = V, H

    def zero_state(self, n=1):
        """(h, c), two zero arrays (n, H)."""
        return np.zeros((n, self.H)), np.zeros((n, self.H))

    def _onehot(self, x):
        out = np.zeros(x.shape + (self.V,))
        np.put_along_axis(out, x[..., None], 1.0, axis=-1)
        return out

    def _steps(self, x, state):
        """Run the LSTM over ids x (N, T) from state; hidden states (N, T, H), caches, state."""
        p = self.params
        h, c = state
        xs = self._onehot(x)
        hs, caches = [], []
        for t in range(x.shape[1]):
            h, c, cache = lstm_step_forward(xs[:, t], h, c, p["Wx"], p["Wh"], p["b"])
            hs.append(h)
            caches.append(cache)
        return np.stack(hs, axis=1), caches, (h, c)

    def loss_and_grads(self, x, y, state):
        """Loss summed over the window (mean over N) and its gradients.

        Parameters
        ----------
        x, y : int arrays (N, T), inputs and next-character targets
        state : (h, c), two (N, H) arrays

        Returns
        -------
        loss : float, (1/N) Σ_n Σ_t -ln p(y[n,t]) (nats)
        grads : dict with the keys and shapes of ``params``
        state : (h, c) after the last step
        """
        p = self.params
        hs, caches, state = self._steps(np.asarray(x), state)
        scores, acache = temporal_affine_forward(hs, p["Wy"], p["by"])
        loss, dscores = temporal_softmax_loss(scores, np.asarray(y))
        dhs, dWy, dby = temporal_affine_backward(dscores, acache)
        grads = dict(Wx=np.zeros_like(p["Wx"]), Wh=np.zeros_like(p["Wh"]), b=np.zeros_like(p["b"]),
                     Wy=dWy, by=dby)
        dh_next, dc_next = np.zeros_like(state[0]), np.zeros_like(state[1])
        for t in reversed(range(len(caches))):
            _, dh_next, dc_next, dWx, dWh, db = lstm_step_backward(dhs[:, t] + dh_next, dc_next, caches[t])
            grads["Wx"] += dWx
            grads["Wh"] += dWh
            grads["b"] += db
        return float(loss), grads, state

    def adagrad_step(self, grads, lr=0.1, clip=5.0):
        """Post 003's update: clip every entry to [-clip, clip], then Adagrad."""
        for k, theta in self.params.items():
            g = np.clip(grads[k], -clip, clip)
            self.memory[k] += g * g
            theta -= lr * g / np.sqrt(self.memory[k] + 1e-8)

    def sample(self, prompt_ids, length, *, temperature=1.0, seed=None):
        """Ids of ``length`` characters drawn after reading ``prompt_ids`` (1-D, non-empty).

        ``p ∝ exp(scores / temperature)``; the post sampled at temperature 1.
        """
        prompt_ids = np.asarray(prompt_ids, dtype=np.int64)
        if prompt_ids.ndim != 1 or prompt_ids.size == 0:
            raise ValueError(f"prompt_ids must be a non-empty 1-D array, got shape {prompt_ids.shape}")
        length = check_int("length", length, 0)
        temperature = check_real("temperature", temperature, 0, open_low=True)
        rng = np.random.default_rng(seed)
        hs, _, state = self._steps(prompt_ids[None], self.zero_state(1))
        h, out = hs[:, -1], []
        for _ in range(length):
            z = (h @ self.params["Wy"] + self.params["by"])[0] / temperature
            p = np.exp(z - z.max())
            out.append(int(rng.choice(self.V, p=p / p.sum())))
            hs, _, state = self._steps(np.array([[out[-1]]]), state)
            h = hs[:, -1]
        return np.array(out, dtype=np.int64)

    def total_bits(self, ids, *, start=1, streams=32, warmup=256, chunk=256):
        """Total bits of ``ids[start:]`` as :func:`rnnkit.charlm.evaluate.total_bits` computes them."""
        ids = np.asarray(ids, dtype=np.int64)
        plan = stream_plan(len(ids), start, streams, warmup)
        h, c = self.zero_state(len(plan))
        for w in sorted({w for w, _, _ in plan} - {0}):
            rows = [b for b, (wb, _, _) in enumerate(plan) if wb == w]
            x = np.stack([ids[plan[b][1] - 1 - w:plan[b][1] - 1] for b in rows])
            _, _, (hw, cw) = self._steps(x, self.zero_state(len(rows)))
            h[rows], c[rows] = hw, cw
        B, T = len(plan), max(z - a for _, a, z in plan)
        x, y, mask = np.zeros((B, T), np.int64), np.zeros((B, T), np.int64), np.zeros((B, T))
        for b, (_, a, z) in enumerate(plan):
            x[b, :z - a], y[b, :z - a], mask[b, :z - a] = ids[a - 1:z - 1], ids[a:z], 1.0
        nats, state = 0.0, (h, c)
        for k in range(0, T, chunk):
            hs, _, state = self._steps(x[:, k:k + chunk], state)
            scores, _ = temporal_affine_forward(hs, self.params["Wy"], self.params["by"])
            loss, _ = temporal_softmax_loss(scores, y[:, k:k + chunk], mask[:, k:k + chunk])
            nats += float(loss) * B
        return nats / LN2, len(ids) - start


def train_numpy(model, train_ids, *, minutes=None, steps=None, seq_len=25, lr=0.1, clip=5.0,
                eval_every=None, eval_fn=None, progress=True):
    """Post 003's training loop for a wall-clock (``minutes``) or ``steps`` budget.

    Returns a log like :func:`rnnkit.charlm.train.train`'s: dicts of step, seconds
    (training time), train_bpc (mean loss per character since the previous record),
    valid_bpc (``eval_fn(model)`` or None).
    """
    seq_len, lr = check_int("seq_len", seq_len, 1), check_real("lr", lr, 0, open_low=True)
    clip = check_real("clip", clip, 0, open_low=True)
    eval_every = None if eval_every is None else check_int("eval_every", eval_every, 1)
    data = np.asarray(train_ids, dtype=np.int64)
    if data.ndim != 1 or len(data) < seq_len + 2:
        raise ValueError(f"train_ids must be a 1-D array of more than seq_len + 1 = {seq_len + 1} ids, "
                         f"got shape {data.shape}")
    budget = Budget(steps=steps, minutes=minutes, progress=progress)
    log, pos, state = [], 0, None
    loss_sum, chars = 0.0, 0

    def record():
        nonlocal loss_sum, chars
        valid = float(eval_fn(model)) if eval_fn is not None else None
        log.append(dict(step=budget.step, seconds=round(budget.seconds, 2), lr=lr,
                        train_bpc=loss_sum / max(chars, 1) / LN2, valid_bpc=valid))
        loss_sum, chars = 0.0, 0

    while budget.left():
        t0 = time.perf_counter()
        if state is None or pos + seq_len + 1 >= len(data):
            pos, state = 0, model.zero_state(1)          # restart the pass, reset h and c
        x = data[None, pos:pos + seq_len]
        y = data[None, pos + 1:pos + seq_len + 1]
        loss, grads, state = model.loss_and_grads(x, y, state)
        model.adagrad_step(grads, lr=lr, clip=clip)
        pos += seq_len
        budget.tick(time.perf_counter() - t0)
        loss_sum, chars = loss_sum + loss, chars + seq_len
        if eval_every and budget.step % eval_every == 0:
            record()
    if not log or log[-1]["step"] != budget.step:
        record()
    budget.close()
    return log
