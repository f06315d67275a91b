"""Sequence to sequence in PyTorch: an encoder RNN, a decoder RNN with its own weights,
and optional additive (Bahdanau) attention over the encoder states.

Shapes (batch first everywhere in this module): N batch, S source length, T target
length, E embedding size, H hidden size, V_s / V_t vocabulary sizes.

Encoder. The source ids ``src`` (N, S) are embedded (E), passed through dropout and
an ``nn.GRU`` / ``nn.LSTM``; padding is skipped with ``pack_padded_sequence``, so the
final state ``h_S`` (N, H) is the state after each example's *last real* character.
The encoder states ``enc`` (N, S, H) are zero on padding.

Decoder. Its own embedding, its own ``nn.GRU`` / ``nn.LSTM`` and an output layer.
It starts from the encoder's final state, ``s_0 = h_S`` (for the LSTM: both h and c),
and makes one step per output character, ``s_t = RNN(emb(y_{t-1}), s_{t-1})``:

- without attention, the *context vector* ``h_S`` enters only through ``s_0``
  (Sutskever et al., 2014), and ``scores_t = W_out s_t + b``;
- with attention, every step looks at all encoder states through additive scores
  (Bahdanau et al., 2015): ``e_{t,j} = v^T tanh(W_q s_t + W_k enc_j)``,
  ``a_t = softmax(e_t)`` over the real source positions (exactly 0 on padding),
  ``c_t = sum_j a_{t,j} enc_j`` and ``scores_t = W_out [s_t; c_t] + b``. The query is
  the *current* state s_t, as in Luong et al. (2015), rather than Bahdanau's s_{t-1}
  with c_t fed into the RNN; so under full teacher forcing the decoder RNN runs over
  the whole target in one call and all steps' attention is one tensor operation.

Training feeds the decoder the true previous character (*teacher forcing*) with
probability ``tf_ratio`` at each step, otherwise its own previous greedy guess (*free
running*). :func:`greedy_decode` is free running from SOS until EOS.

:func:`train` runs :func:`rnnkit.models.fit.fit`. Checkpoints: :mod:`rnnkit.models.seq2seq_checkpoint`;
beam search: :mod:`rnnkit.models.beam`; attention maps, explorer: :mod:`rnnkit.figures.attention`.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from rnnkit.checks import check_choice, check_int, check_real
from rnnkit.data.dates import EOS, PAD, SOS, encode_batch
from rnnkit.data.vocab import SEQ2SEQ_SPECIALS, Vocab
from rnnkit.models.fit import fit

CELLS = ("lstm", "gru")
CONFIG_KEYS = ("src_chars", "tgt_chars", "embed", "hidden", "cell", "attention", "attn_size", "dropout")


class AdditiveAttention(nn.Module):
    """Additive attention: ``e_j = v^T tanh(W_q q + W_k k_j)``, softmax over unmasked j.

    Parameters
    ----------
    query_size, key_size, attn_size : int
    """

    def __init__(self, query_size, key_size, attn_size):
        super().__init__()
        self.W_q = nn.Linear(query_size, attn_size, bias=False)
        self.W_k = nn.Linear(key_size, attn_size, bias=True)
        self.v = nn.Linear(attn_size, 1, bias=False)

    def project(self, keys):
        """``W_k keys``: (N, S, H) -> (N, S, A); computed once per source sequence."""
        return self.W_k(keys)

    def forward(self, query, keys_proj, values, mask):
        """Attention for T queries at once.

        Parameters
        ----------
        query : (N, T, H) decoder states
        keys_proj : (N, S, A) ``W_k enc`` from :meth:`project`
        values : (N, S, H) the encoder states
        mask : (N, S) bool, True on real source positions

        Returns
        -------
        context : (N, T, H)
        weights : (N, T, S); each row sums to 1 and is exactly 0 where mask is False
        """
        e = self.v(torch.tanh(keys_proj[:, None, :, :] + self.W_q(query)[:, :, None, :])).squeeze(-1)
        e = e.masked_fill(~mask[:, None, :], float("-inf"))
        weights = torch.softmax(e, dim=-1)
        return torch.bmm(weights, values), weights


class Seq2Seq(nn.Module):
    """Encoder-decoder RNN with different encoder and decoder weights.

    Parameters
    ----------
    src_vocab, tgt_vocab : :class:`rnnkit.data.vocab.Vocab` with ``specials=SEQ2SEQ_SPECIALS``
        (PAD = 0, SOS = 1, EOS = 2), such as ``rnnkit.data.dates.SOURCE_VOCAB``
    embed : int, embedding size E (source and target have separate embeddings)
    hidden : int, hidden size H of both RNNs
    cell : "lstm" or "gru"
    attention : bool, additive attention over the encoder states
    attn_size : int, size A of the additive scores' hidden layer (``W_q``, ``W_k``: H -> A);
        training materialises an (N, T, S, A) tensor, so keep it small
    dropout : float in [0, 1), applied to the embeddings of both sides while training
    """

    def __init__(self, src_vocab, tgt_vocab, embed=32, hidden=64, cell="gru", attention=False, attn_size=16,
                 dropout=0.1):
        super().__init__()
        for name, v in (("src_vocab", src_vocab), ("tgt_vocab", tgt_vocab)):
            if not (isinstance(v, Vocab) and v.specials == SEQ2SEQ_SPECIALS):
                raise ValueError(f"{name} must be an rnnkit.data.vocab.Vocab with specials=SEQ2SEQ_SPECIALS, "
                                 f"got {v!r}")
        embed = check_int("embed", embed, 1)
        hidden = check_int("hidden", hidden, 1)
        attn_size = check_int("attn_size", attn_size, 1)
        check_choice("cell", cell, CELLS)
        if not isinstance(attention, bool):
            raise ValueError(f"attention must be a bool, got {attention!r}")
        dropout = check_real("dropout", dropout, 0, 1)
        if dropout == 1:
            raise ValueError("dropout must be below 1 (1 would drop every input), got 1")
        self.src_vocab, self.tgt_vocab = src_vocab, tgt_vocab
        self.config = {"src_chars": "".join(src_vocab.chars), "tgt_chars": "".join(tgt_vocab.chars),
                       "embed": embed, "hidden": hidden, "cell": cell, "attention": attention,
                       "attn_size": attn_size, "dropout": dropout}
        self.cell = cell
        self.attention = attention
        rnn = nn.GRU if cell == "gru" else nn.LSTM
        self.src_emb = nn.Embedding(len(src_vocab), embed, padding_idx=PAD)
        self.tgt_emb = nn.Embedding(len(tgt_vocab), embed, padding_idx=PAD)
        self.drop = nn.Dropout(dropout)
        self.encoder = rnn(embed, hidden, batch_first=True)
        self.decoder = rnn(embed, hidden, batch_first=True)     # same shape, its own weights
        self.attn = AdditiveAttention(hidden, hidden, attn_size) if attention else None
        self.out = nn.Linear(hidden * (2 if attention else 1), len(tgt_vocab))

    @classmethod
    def from_config(cls, config):
        """A fresh model from a ``config`` dict (as stored in a checkpoint: ``CONFIG_KEYS``)."""
        if not isinstance(config, dict) or set(config) != set(CONFIG_KEYS):
            got = sorted(config) if isinstance(config, dict) else type(config).__name__
            raise ValueError(f"config must be a dict with keys {sorted(CONFIG_KEYS)}, got {got}")
        vocabs = [Vocab(config[k], specials=SEQ2SEQ_SPECIALS) for k in ("src_chars", "tgt_chars")]
        return cls(*vocabs, **{k: config[k] for k in CONFIG_KEYS[2:]})

    def _check_src(self, src, src_mask):
        if not (isinstance(src, torch.Tensor) and src.dim() == 2 and src.dtype == torch.long):
            raise ValueError(f"src must be an (N, S) int64 tensor, got "
                             f"{getattr(src, 'shape', type(src).__name__)}")
        if not (isinstance(src_mask, torch.Tensor) and src_mask.shape == src.shape
                and src_mask.dtype == torch.bool):
            raise ValueError(f"src_mask must be a bool tensor of shape {tuple(src.shape)}, got "
                             f"{getattr(src_mask, 'shape', type(src_mask).__name__)}")
        lengths = src_mask.sum(1)
        prefix = torch.arange(src.shape[1])[None, :] < lengths[:, None]
        if not torch.equal(prefix, src_mask):
            raise ValueError("src_mask must be True on a prefix of each row (padding at the end)")
        if (lengths == 0).any():
            raise ValueError("src must have at least one real token in every row (src_mask all False)")
        if src.min() < 0 or src.max() >= len(self.src_vocab):
            raise ValueError(f"src ids must be in [0, {len(self.src_vocab)}), got "
                             f"[{int(src.min())}, {int(src.max())}]")
        return lengths

    def encode(self, src, src_mask):
        """Run the encoder over ``src`` (N, S) with ``src_mask`` (N, S).

        Returns
        -------
        enc : (N, S, H) encoder states, zero on padding
        state : the encoder's final state after each row's last real token, in the
            layout ``nn.GRU`` / ``nn.LSTM`` use: (1, N, H), or a pair of them for the LSTM.
            It is the context vector and the decoder's initial state.
        """
        lengths = self._check_src(src, src_mask)
        x = self.drop(self.src_emb(src))                                   # (N, S, E)
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, state = self.encoder(packed)
        enc, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
        return enc, state

    def _readout(self, dec, enc, keys, src_mask):
        """Decoder states (N, T, H) -> scores (N, T, V_t) and attention weights (N, T, S) or None."""
        if not self.attention:
            return self.out(dec), None
        context, weights = self.attn(dec, keys, enc, src_mask)
        return self.out(torch.cat([dec, context], dim=-1)), weights

    def decode_step(self, y_prev, state, enc, keys, src_mask):
        """One decoder step: y_prev (N,) -> scores (N, V_t), new state, weights (N, S) or None."""
        dec, state = self.decoder(self.drop(self.tgt_emb(y_prev))[:, None, :], state)   # (N, 1, H)
        scores, weights = self._readout(dec, enc, keys, src_mask)
        return scores[:, 0], state, (None if weights is None else weights[:, 0])

    def forward(self, src, src_mask, tgt_in, tf_ratio=1.0, generator=None):
        """Decoder scores for every target position (training).

        Parameters
        ----------
        src, src_mask : (N, S) int64 ids and bool mask (True = real)
        tgt_in : (N, T) int64, SOS followed by the target (the teacher's inputs)
        tf_ratio : float in [0, 1], probability that step t > 0 gets the true previous
            character; otherwise it gets the model's own argmax from step t - 1 (one coin
            per step for the whole batch, drawn from ``generator``). With 1 the decoder
            runs over the whole target in one call.
        generator : torch.Generator or None

        Returns
        -------
        scores : (N, T, V_t) unnormalised log-probabilities
        weights : (N, T, S) attention weights, or None without attention
        """
        if not (isinstance(tgt_in, torch.Tensor) and tgt_in.dim() == 2 and tgt_in.dtype == torch.long
                and tgt_in.shape[0] == src.shape[0] and tgt_in.shape[1] > 0):
            raise ValueError(f"tgt_in must be an (N, T) int64 tensor with N = {src.shape[0]}, T >= 1, got "
                             f"{getattr(tgt_in, 'shape', type(tgt_in).__name__)}")
        tf_ratio = check_real("tf_ratio", tf_ratio, 0, 1)
        enc, state = self.encode(src, src_mask)
        keys = self.attn.project(enc) if self.attention else None
        if tf_ratio >= 1:                                  # teacher forcing: all steps in one call
            dec, _ = self.decoder(self.drop(self.tgt_emb(tgt_in)), state)
            return self._readout(dec, enc, keys, src_mask)
        scores, weights = [], []
        y_prev = tgt_in[:, 0]
        for t in range(tgt_in.shape[1]):
            if t > 0:
                teach = torch.rand((), generator=generator).item() < tf_ratio
                y_prev = tgt_in[:, t] if teach else scores[-1].argmax(1)
            s, state, w = self.decode_step(y_prev, state, enc, keys, src_mask)
            scores.append(s)
            weights.append(w)
        return torch.stack(scores, 1), (torch.stack(weights, 1) if self.attention else None)


def masked_cross_entropy(scores, targets, mask):
    """Mean cross-entropy over the real target positions.

    ``L = -(1 / sum(mask)) * sum_{n,t: mask[n,t]} log softmax(scores[n, t])[targets[n, t]]``

    Parameters
    ----------
    scores : (N, T, V) float
    targets : (N, T) int64
    mask : (N, T) bool, True on positions that count (padding is False)
    """
    if not (isinstance(scores, torch.Tensor) and scores.dim() == 3):
        raise ValueError(f"scores must be an (N, T, V) tensor, got {getattr(scores, 'shape', type(scores).__name__)}")
    if not (isinstance(targets, torch.Tensor) and targets.shape == scores.shape[:2]):
        raise ValueError(f"targets must have shape {tuple(scores.shape[:2])}, got {getattr(targets, 'shape', None)}")
    if not (isinstance(mask, torch.Tensor) and mask.shape == targets.shape and mask.dtype == torch.bool):
        raise ValueError(f"mask must be a bool tensor of shape {tuple(targets.shape)}")
    if not mask.any():
        raise ValueError("mask must mark at least one position")
    logp = torch.log_softmax(scores, dim=-1)
    picked = logp.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)     # (N, T)
    return -(picked * mask).sum() / mask.sum()


def to_tensors(batch):
    """``rnnkit.data.dates.encode_batch`` output (numpy) -> dict of torch tensors."""
    return {k: torch.from_numpy(v) for k, v in batch.items()}


@torch.no_grad()
def greedy_decode(model, src, src_mask, max_len=64):
    """Free-running greedy decoding: start from SOS, feed back the argmax, stop at EOS.

    Runs the model in eval mode (no dropout) and restores its mode afterwards.

    Returns
    -------
    dict with
        ``tokens`` (N, L) int64, the argmax at each step; PAD after an example's EOS
        ``probs`` (N, L, V_t) softmax of each step's scores
        ``attention`` (N, L, S) the weights of each step, or None without attention
        ``lengths`` (N,) number of steps up to and including EOS (L if it never came)
        ``log_prob`` (N,) float64, sum of the log-probabilities of the tokens up to the length
    with L <= max_len the number of steps run (until every example emitted EOS).
    """
    max_len = check_int("max_len", max_len, 1)
    was_training = model.training
    model.eval()
    try:
        enc, state = model.encode(src, src_mask)
        keys = model.attn.project(enc) if model.attention else None
        N = src.shape[0]
        y = torch.full((N,), SOS, dtype=torch.long)
        done = torch.zeros(N, dtype=torch.bool)
        lengths = torch.full((N,), max_len, dtype=torch.long)
        tokens, probs, attn, log_prob = [], [], [], torch.zeros(N, dtype=torch.float64)
        for t in range(max_len):
            s, state, w = model.decode_step(y, state, enc, keys, src_mask)
            y = s.argmax(1)     # float64 log-softmax, summed as rnnkit.models.beam does: beam size 1 is this
            log_prob = log_prob + torch.where(done, 0.0, torch.log_softmax(s.double(), 1).gather(1, y[:, None])[:, 0])
            tokens.append(torch.where(done, torch.full_like(y, PAD), y))
            probs.append(torch.softmax(s, 1))
            attn.append(w)
            newly = (y == EOS) & ~done
            lengths[newly] = t + 1
            done |= newly
            if done.all():
                break
    finally:
        model.train(was_training)
    return {"tokens": torch.stack(tokens, 1), "probs": torch.stack(probs, 1), "log_prob": log_prob,
            "attention": torch.stack(attn, 1) if model.attention else None, "lengths": lengths}


def translate(model, texts, max_len=64):
    """Greedy translations of a list of source strings (and the raw decode dict)."""
    if isinstance(texts, str) or not texts:
        raise ValueError("texts must be a non-empty list of strings")
    b = to_tensors(encode_batch([(t, "") for t in texts], model.src_vocab, model.tgt_vocab))
    out = greedy_decode(model, b["src"], b["src_mask"], max_len)
    return [model.tgt_vocab.decode(row) for row in out["tokens"]], out


def exact_match(model, pairs, batch_size=500, max_len=None):
    """Fraction of pairs whose greedy translation equals the target exactly, and the predictions."""
    pairs = list(pairs)
    if not pairs:
        raise ValueError("pairs must hold at least one (source, target) pair")
    preds = []
    for i in range(0, len(pairs), batch_size):
        chunk = pairs[i:i + batch_size]
        ml = max_len or max(len(t) for _, t in chunk) + 2
        preds += translate(model, [s for s, _ in chunk], ml)[0]
    return float(np.mean([p == t for p, (_, t) in zip(preds, pairs)])), preds


def teacher_forced_accuracy(model, pairs):
    """Per-character accuracy when every step is given the true previous character."""
    b = to_tensors(encode_batch(pairs, model.src_vocab, model.tgt_vocab))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        scores, _ = model(b["src"], b["src_mask"], b["tgt_in"])
    model.train(was_training)
    hit = (scores.argmax(-1) == b["tgt_out"]) & b["tgt_mask"]
    return float(hit.sum() / b["tgt_mask"].sum())


def train(model, sample, steps, batch_size=64, lr=3e-3, tf_ratio=1.0, clip=1.0, seed=0, progress=True,
          desc="train"):
    """Train with :func:`rnnkit.models.fit.fit` (Adam on fresh batches); returns the loss of
    every step (a list of floats) and leaves the model in eval mode.

    Parameters
    ----------
    model : Seq2Seq
    sample : callable ``sample(n, rng) -> list of (source, target)`` (e.g. ``dates.date_pairs``),
        called once per step with one numpy Generator seeded by ``seed``: the same data every run
    steps, batch_size : int
    lr : float, Adam's learning rate (halved for the last third of the steps)
    tf_ratio : float in [0, 1], teacher-forcing probability per decoder step
    clip : float, max gradient norm
    seed : int, seeds the data, the dropout masks and the teacher-forcing coins
        (the model's initial weights are seeded by whoever built it)
    """
    if not isinstance(model, Seq2Seq):
        raise ValueError(f"model must be a Seq2Seq, got {type(model).__name__}")
    steps = check_int("steps", steps, 1)
    batch_size = check_int("batch_size", batch_size, 1)
    seed = check_int("seed", seed, 0)
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)                      # dropout masks
    model.train()

    def batch_loss(step):
        b = to_tensors(encode_batch(sample(batch_size, rng), model.src_vocab, model.tgt_vocab))
        scores, _ = model(b["src"], b["src_mask"], b["tgt_in"], tf_ratio=tf_ratio, generator=gen)
        return masked_cross_entropy(scores, b["tgt_out"], b["tgt_mask"])

    run = fit(model.parameters(), batch_loss, steps=steps, lr=lr, clip=clip, lr_drop_at=max(1, 2 * steps // 3),
              progress=progress, desc=desc)
    model.eval()
    return run["losses"]


def decode_steps(model, text, max_len=64):
    """Greedy decoding of one source string, step by step.

    Returns
    -------
    dict with ``source`` (list of source characters), ``output`` (the decoded string),
    ``steps`` (a list with, per decoder step: ``"char"`` the emitted character or
    ``"<eos>"``, ``"prob"`` its probability, ``"top"`` the three most likely
    ``(char, prob)``) and ``attention`` (L, S) numpy array or None.
    """
    if not isinstance(text, str) or not text:
        raise ValueError(f"text must be a non-empty string, got {text!r}")
    outputs, out = translate(model, [text], max_len)
    L = int(out["lengths"][0])
    probs = out["probs"][0, :L]
    tokens = model.tgt_vocab.tokens
    steps = []
    for t in range(L):
        p, k = probs[t].topk(3)
        steps.append({"char": tokens[int(k[0])], "prob": float(p[0]),
                      "top": [(tokens[int(j)], float(q)) for q, j in zip(p, k)]})
    att = None if out["attention"] is None else out["attention"][0, :L].numpy()
    return {"source": list(text), "output": outputs[0], "steps": steps, "attention": att}
