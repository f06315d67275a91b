"""Beam search for :class:`~rnnkit.models.seq2seq.Seq2Seq`, and the log-probability of a given output.

What decoding should find. The decoder defines a probability for every output sequence
``y = (y_1, ..., y_L)`` that ends with EOS (or is cut off after ``max_len`` tokens):

    log p(y | x) = sum_t log p(y_t | y_1..y_{t-1}, x)

The most probable output maximises this sum over all ``V^L`` sequences, far too many to
enumerate. Greedy decoding (:func:`rnnkit.models.seq2seq.greedy_decode`) maximises each
term in turn given its own earlier picks, which is not the same: a first token that is a
little less likely can make the later tokens much more certain, and greedy never revisits
a choice. Beam search keeps the ``K`` best *prefixes* (hypotheses) instead of one: at each
step it extends every unfinished hypothesis by every token, and keeps the ``K`` best of the
``K * V`` candidates. A hypothesis that has emitted EOS is finished: it stays in the beam
unchanged (its only extension is PAD with log-probability 0) and competes with the
unfinished ones until the end. It is still a heuristic: a prefix pruned at step t is gone,
so a larger beam usually, not always, finds a more probable output, and only a beam that
never prunes (``K >= V^max_len``) is exact.

Length normalisation. The sum has one negative term per token, so raw log-probability
favours short outputs. With ``alpha > 0`` hypotheses are ranked by

    score(y) = log p(y | x) / L^alpha        (L: tokens, EOS included)

at every step and in the result: ``alpha = 0`` is plain log-probability, ``alpha = 1`` the
mean log-probability per token. The returned ``log_prob`` is always the unnormalised sum.

Numbers. Log-probabilities are ``log_softmax`` of the float32 scores computed in float64 and
summed in float64; candidates are ranked with a stable sort, so equal scores keep the lower
index, as ``argmax`` does. With ``beam_size=1`` the result is greedy decoding, token for
token and bit for bit in ``log_prob`` (greedy_decode sums the same terms).

Shapes: N batch, S source length, K beam size, L steps run, V target vocabulary.
"""
from __future__ import annotations

import torch

from rnnkit.checks import check_int, check_real
from rnnkit.data.dates import EOS, PAD, SOS, encode_batch
from rnnkit.models.seq2seq import Seq2Seq, to_tensors


def _check_model(model):
    if not isinstance(model, Seq2Seq):
        raise ValueError(f"model must be a rnnkit.models.seq2seq.Seq2Seq, got {type(model).__name__}")


def _reindex(state, rows):
    """Pick batch rows of an ``nn.GRU`` state (1, B, H) or ``nn.LSTM`` pair of them."""
    if isinstance(state, tuple):
        return tuple(s.index_select(1, rows) for s in state)
    return state.index_select(1, rows)


def _encode_beams(model, src, src_mask, K):
    """Encoder states, mask, attention keys and decoder state, each example's repeated K times (N*K rows)."""
    enc, state = model.encode(src, src_mask)                         # validates src, src_mask
    rows = torch.arange(src.shape[0]).repeat_interleave(K)           # (N*K,) the example of each beam row
    enc, mask, state = enc[rows], src_mask[rows], _reindex(state, rows)
    return enc, mask, (model.attn.project(enc) if model.attention else None), state


def _best(log_prob, step, lengths, finished, t, alpha):
    """One pruning step: the K best of the K * V one-token extensions of each example's beam.

    log_prob, lengths, finished : (N, K) the beam; step : (N, K, V) log-probabilities of the next
    token (PAD at 0 and the rest -inf for finished rows); t : the step (0-based).
    Returns parent, token, log_prob, score, lengths, each (N, K), sorted by score.
    """
    N, K, V = step.shape
    cand = log_prob[..., None] + step                                # (N, K, V)
    cand_len = torch.where(finished, lengths, t + 1)                 # (N, K)
    cand_score = cand / cand_len[..., None].double() ** alpha if alpha else cand
    best = torch.sort(cand_score.view(N, K * V), dim=1, descending=True, stable=True).indices[:, :K]
    parent = best // V
    return (parent, best % V, cand.view(N, K * V).gather(1, best), cand_score.view(N, K * V).gather(1, best),
            cand_len.gather(1, parent))


@torch.no_grad()
def beam_search(model, src, src_mask, beam_size=4, max_len=64, alpha=0.0):
    """The ``beam_size`` best outputs for each source sequence (model in eval mode, restored after).

    Parameters
    ----------
    model : Seq2Seq
    src, src_mask : (N, S) int64 source ids and bool mask (True on real positions), as from
        ``rnnkit.data.dates.encode_batch``
    beam_size : int >= 1, number of hypotheses K kept per example
    max_len : int >= 1, most tokens per output; a hypothesis without EOS by then is returned as is
    alpha : float >= 0, length normalisation exponent of the ranking score (0: none)

    Returns
    -------
    dict with, each example's K hypotheses sorted best first by ``score``:
        ``tokens`` (N, K, L) int64, PAD after a hypothesis's EOS
        ``log_prob`` (N, K) float64, log p(tokens | source), summed up to and including EOS
        ``score`` (N, K) float64, ``log_prob / lengths**alpha``, non-increasing along K
        ``lengths`` (N, K) int64, tokens up to and including EOS (L if it never came)
        ``finished`` (N, K) bool, the hypothesis ended with EOS
        ``history`` list of L dicts, one per step, of (N, K) tensors ``token`` (appended at this
        step; PAD if the hypothesis had finished), ``parent`` (its row in the previous step's
        beam), ``log_prob``, ``score``, ``finished``: the beam as it stood after each step
    A row whose ``log_prob`` is ``-inf`` is no hypothesis: fewer than K sequences exist.
    """
    _check_model(model)
    K = check_int("beam_size", beam_size, 1)
    max_len = check_int("max_len", max_len, 1)
    alpha = check_real("alpha", alpha, 0)
    was_training = model.training
    model.eval()
    try:
        enc, mask, keys, state = _encode_beams(model, src, src_mask, K)
        N, V = src.shape[0], len(model.tgt_vocab)
        log_prob = torch.full((N, K), float("-inf"), dtype=torch.float64)
        log_prob[:, 0] = 0.0                                         # one hypothesis to start: <sos>
        finished = torch.zeros(N, K, dtype=torch.bool)
        lengths = torch.zeros(N, K, dtype=torch.long)
        carry = torch.full((V,), float("-inf"), dtype=torch.float64)
        carry[PAD] = 0.0                                             # a finished hypothesis stays as it is
        y = torch.full((N * K,), SOS, dtype=torch.long)
        seqs = torch.zeros(N * K, 0, dtype=torch.long)
        history = []
        for t in range(max_len):
            scores, state, _ = model.decode_step(y, state, enc, keys, mask)
            step = torch.log_softmax(scores.double(), -1).view(N, K, V)
            step = torch.where(finished[..., None], carry, step)
            parent, token, log_prob, score, lengths = _best(log_prob, step, lengths, finished, t, alpha)
            finished = finished.gather(1, parent) | (token == EOS)
            flat = (torch.arange(N)[:, None] * K + parent).view(-1)
            state = _reindex(state, flat)
            seqs = torch.cat([seqs[flat], token.view(-1, 1)], 1)
            y = token.view(-1)
            history.append(dict(token=token, parent=parent, log_prob=log_prob, score=score, finished=finished))
            if (finished | torch.isinf(log_prob)).all():
                break
    finally:
        model.train(was_training)
    return {"tokens": seqs.view(N, K, -1), "log_prob": log_prob, "score": score, "lengths": lengths,
            "finished": finished, "history": history}


def _target_mask(tokens):
    """(N, L) bool: True up to and including each row's first EOS (every position if none)."""
    eos = tokens == EOS
    return (eos.long().cumsum(1) - eos.long()) == 0


@torch.no_grad()
def sequence_log_prob(model, src, src_mask, tokens):
    """log p(tokens | src) by teacher forcing: one decoder call over the whole output.

    Parameters
    ----------
    model : Seq2Seq
    src, src_mask : (N, S) int64 ids and bool mask
    tokens : (N, L) int64 outputs as :func:`beam_search` or ``greedy_decode`` return them; a row
        counts up to and including its first EOS, all L tokens if it has none

    Returns
    -------
    (N,) float64, the sum over the counted positions of ``log_softmax(scores)[token]``
    """
    _check_model(model)
    V = len(model.tgt_vocab)
    if not (isinstance(tokens, torch.Tensor) and tokens.dim() == 2 and tokens.dtype == torch.long
            and tokens.shape[0] == getattr(src, "shape", (None,))[0] and tokens.shape[1] > 0):
        raise ValueError(f"tokens must be an (N, L) int64 tensor with N = src rows, L >= 1, got "
                         f"{getattr(tokens, 'shape', type(tokens).__name__)}")
    if tokens.min() < 0 or tokens.max() >= V:
        raise ValueError(f"tokens must be ids in [0, {V}), got [{int(tokens.min())}, {int(tokens.max())}]")
    tgt_in = torch.cat([torch.full_like(tokens[:, :1], SOS), tokens[:, :-1]], 1)
    was_training = model.training
    model.eval()
    try:
        scores, _ = model(src, src_mask, tgt_in)                     # (N, L, V)
    finally:
        model.train(was_training)
    picked = torch.log_softmax(scores.double(), -1).gather(-1, tokens[..., None])[..., 0]
    return torch.where(_target_mask(tokens), picked, 0.0).sum(1)


def beam_translate(model, texts, beam_size=4, max_len=64, alpha=0.0):
    """The best beam-search output of each source string (a list of strings) and the raw result dict."""
    if isinstance(texts, str) or not isinstance(texts, (list, tuple)) or not texts:
        raise ValueError("texts must be a non-empty list of strings")
    _check_model(model)
    b = to_tensors(encode_batch([(t, "") for t in texts], model.src_vocab, model.tgt_vocab))
    out = beam_search(model, b["src"], b["src_mask"], beam_size, max_len, alpha)
    return [model.tgt_vocab.decode(row) for row in out["tokens"][:, 0]], out
