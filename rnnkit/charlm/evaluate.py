"""Held-out bits per character of a :class:`~rnnkit.charlm.model.CharLM`.

The held-out text is scored as *one* stream: every character is predicted from all the
characters before it, through the carried recurrent state, exactly as the model would
read the text from start to end. One stream of 32,495 steps is slow, so the targets are
cut into ``streams`` contiguous pieces scored side by side as a batch. Piece ``b``
does not start from zeros: its state is first *warmed up* by running the ``warmup``
characters before it (not scored). Once the warm-up is longer than the model's memory,
this gives the same bits as one stream up to rounding (a test checks it), at a fraction
of the time.

Bits: ``bits = Σ_t -log2 p(x_t | x_<t)``, ``bpc = bits / number of targets``
(mean cross-entropy in nats / ln 2).

Dynamic evaluation (Krause et al. 2018) lets the model keep learning while it reads:
each segment of ``segment`` characters is scored first, then one SGD step on that
segment's loss adapts a *copy* of the weights before the next segment. It measures how
well the model adapts to the recent text (names, topics of the last chapters), a
different question from the static number, and is reported separately.
"""
from __future__ import annotations

import copy
import math

import numpy as np
import torch
import torch.nn.functional as F

from rnnkit.checks import check_int, check_real

from .model import cat_streams, detach_state, select_streams, zero_state
from .tokens import to_tokens

#: ln 2: nats / LN2 = bits. The one definition; train, mixture and numpy_baseline import it.
LN2 = math.log(2.0)


def _as_ids(ids, vocab_size):
    """``ids`` as a 1-D int64 tensor, every id in [0, vocab_size); ValueError otherwise."""
    ids = torch.as_tensor(np.asarray(ids) if not isinstance(ids, torch.Tensor) else ids)
    if ids.dim() != 1 or ids.dtype not in (torch.int64, torch.int32):
        raise ValueError(f"ids must be a 1-D integer array of shape (n,), "
                         f"got {ids.dtype} of shape {tuple(ids.shape)}")
    if ids.numel() and not 0 <= int(ids.min()) <= int(ids.max()) < vocab_size:
        raise ValueError(f"ids must be in [0, V = {vocab_size}), the model's vocabulary, got values "
                         f"from {int(ids.min())} to {int(ids.max())}")
    return ids.long()


#: the most scores (floats) one forward call of :func:`token_bits` computes: 128 MiB
MAX_SCORES = 2 ** 25


def stream_plan(n, start, streams, warmup):
    """How targets ``start .. n-1`` are cut into contiguous pieces.

    Returns a list of ``(w, a, z)``: piece targets ids[a:z] from inputs ids[a-1:z-1],
    after a warm-up on inputs ids[a-1-w : a-1] (w = min(warmup, a-1)).
    """
    start = check_int("start", start, 1, n - 1)          # a target needs one id before it
    streams = check_int("streams", streams, 1)
    warmup = check_int("warmup", warmup, 0)
    m = n - start
    step = -(-m // min(streams, m))                     # ceil(m / streams)
    return [(min(warmup, a - 1), a, min(a + step, n)) for a in range(start, n, step)]


def _run(model, x, state, chunk):
    """Feed inputs x (B, T) through the model in chunks; the state after them."""
    for k in range(0, x.shape[1], chunk):
        _, state = model(x[:, k:k + chunk], state)
    return state


def total_bits(model, ids, *, start=1, streams=16, warmup=256, chunk=512):
    """Total bits of ``ids[start:]``, each predicted from everything before it.

    The sum of :func:`token_bits` (same parameters); returns ``(bits, count)``, a float and
    the number of scored targets (n - start).
    """
    bits = token_bits(model, ids, start=start, streams=streams, warmup=warmup, chunk=chunk)
    return float(bits.sum()), len(bits)


@torch.no_grad()
def token_bits(model, ids, *, start=1, streams=16, warmup=256, chunk=512):
    """Bits of every target ``ids[start:]``, each predicted from everything before it.

    Parameters
    ----------
    model : CharLM (put in eval mode here: no dropout)
    ids : 1-D int array (n,), the text; ``ids[:start]`` is context only
    start : int >= 1, index of the first scored target
    streams : number of pieces scored in parallel (1 = one stream, no warm-up needed)
    warmup : characters of context run before each piece (piece 0 uses ids[:start])
    chunk : time steps per forward call, at most; lowered so that one call's scores,
        streams * chunk * V floats, stay within ``MAX_SCORES`` (memory stays bounded
        however many streams are asked for)

    Returns
    -------
    float64 array (n - start,): ``-log2 p(ids[i] | ids[:i])`` for i = start .. n-1, in order
    """
    ids = _as_ids(ids, model.vocab_size)
    chunk = check_int("chunk", chunk, 1)
    plan = stream_plan(len(ids), start, streams, warmup)
    chunk = max(1, min(chunk, MAX_SCORES // (len(plan) * model.vocab_size)))
    model.eval()
    # Warm-up: pieces with the same warm-up length run as one batch.
    states = [None] * len(plan)
    for w in sorted({w for w, _, _ in plan}):
        rows = [b for b, (wb, _, _) in enumerate(plan) if wb == w]
        if w == 0:
            st = zero_state(model, len(rows))
        else:
            x = torch.stack([ids[a - 1 - w:a - 1] for _, a, _ in (plan[b] for b in rows)])
            st = _run(model, x, None, chunk)
        for j, b in enumerate(rows):
            states[b] = select_streams(st, [j])
    state = cat_streams(states)
    # Scoring: pieces side by side, the shorter last piece padded and masked.
    B, T = len(plan), max(z - a for _, a, z in plan)
    x = torch.zeros(B, T, dtype=torch.long)
    y = torch.zeros(B, T, dtype=torch.long)
    mask = torch.zeros(B, T, dtype=torch.float64)
    for b, (_, a, z) in enumerate(plan):
        x[b, :z - a], y[b, :z - a], mask[b, :z - a] = ids[a - 1:z - 1], ids[a:z], 1.0
    nats = torch.zeros(B, T, dtype=torch.float64)
    for k in range(0, T, chunk):
        logits, state = model(x[:, k:k + chunk], state)
        nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y[:, k:k + chunk].reshape(-1),
                              reduction="none")
        nats[:, k:k + chunk] = nll.double().reshape(B, -1)
    return (nats[mask > 0] / LN2).numpy()             # row-major: piece 0, then piece 1, ... = text order


def dynamic_bits(model, ids, *, start=1, segment=100, lr=0.1, warmup=256):
    """Total bits of ``ids[start:]`` under dynamic evaluation (one stream, plain SGD).

    Each segment of ``segment`` targets is scored with the current weights, then one
    step ``θ <- θ - lr ∇θ (mean loss of the segment, in nats)`` is taken on it. The
    model passed in is not changed (a copy adapts).

    Returns
    -------
    (bits, count) as :func:`total_bits`
    """
    ids = _as_ids(ids, model.vocab_size)
    segment = check_int("segment", segment, 1)
    lr = check_real("lr", lr, 0)
    (w, a, z), = stream_plan(len(ids), start, 1, warmup)
    m = copy.deepcopy(model).eval()
    with torch.no_grad():
        state = _run(m, ids[None, a - 1 - w:a - 1], None, 512) if w else None
    nats = 0.0
    for s in range(a, z, segment):
        e = min(s + segment, z)
        logits, new_state = m(ids[None, s - 1:e - 1], state)
        nll = F.cross_entropy(logits[0], ids[s:e], reduction="sum")
        nats += nll.item()
        m.zero_grad(set_to_none=True)
        (nll / (e - s)).backward()
        with torch.no_grad():
            for p in m.parameters():
                if p.grad is not None:
                    p -= lr * p.grad
        state = detach_state(new_state)
    return nats / LN2, z - a


def heldout_ids(vocab, tokens, train_text, valid_text, warmup=256):
    """The ids that held-out scoring reads: the end of the training text, then the held-out text.

    Returns
    -------
    (ids, start): int64 array (n,) and the index of the first held-out token; ``ids[:start]``
    is the last ``max(warmup, 1)`` tokens of ``train_text`` (context only), ``ids[start:]``
    is ``valid_text`` as ``tokens``. :func:`token_bits` ``(model, ids, start=start)`` gives
    the bits of each held-out token, :func:`evaluate_heldout` their sum.
    """
    n_ctx = max(warmup, 1)
    context = vocab.encode(to_tokens(train_text[-n_ctx:], tokens)[-n_ctx:])   # >= n_ctx tokens
    target = vocab.encode(to_tokens(valid_text, tokens))
    return np.concatenate([context, target]), len(context)


def evaluate_heldout(model, vocab, tokens, train_text, valid_text, *, streams=16, warmup=256,
                     dynamic=False, dynamic_lr=0.1, segment=100):
    """Held-out numbers on a (train, valid) split of characters.

    The last ``warmup`` tokens of the training text are the context of the first
    held-out token, so every held-out character is scored.

    Returns
    -------
    dict with ``bits``, ``tokens_scored``, ``chars`` (characters of ``valid_text``),
    ``bits_per_token`` and ``bits_per_char`` (= bits / chars; for syllable tokens the
    two are equal; for jamo the second is bits per syllable), and with ``dynamic=True``
    also ``dynamic_bits_per_token``, ``dynamic_bits_per_char`` and ``dynamic_lr``.
    """
    for name, text in (("train_text", train_text), ("valid_text", valid_text)):
        if not isinstance(text, str) or not text:
            raise ValueError(f"{name} must be a non-empty str, got {type(text).__name__} {text!r:.40}")
    dynamic_lr = check_real("dynamic_lr", dynamic_lr, 0)
    ids, start = heldout_ids(vocab, tokens, train_text, valid_text, warmup)
    bits, count = total_bits(model, ids, start=start, streams=streams, warmup=warmup)
    out = dict(bits=bits, tokens_scored=count, chars=len(valid_text),
               bits_per_token=bits / count, bits_per_char=bits / len(valid_text))
    if dynamic:
        dbits, _ = dynamic_bits(model, ids, start=start, segment=segment, lr=dynamic_lr,
                                warmup=warmup)
        out.update(dynamic_bits_per_token=dbits / count, dynamic_bits_per_char=dbits / len(valid_text),
                   dynamic_lr=dynamic_lr, dynamic_segment=segment)
    return out
