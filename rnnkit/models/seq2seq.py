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
  the whole target in one call and the attention for all steps is one tensor
  operation.

Training feeds the decoder the true previous character (*teacher forcing*) with
probability ``tf_ratio`` at each step, otherwise its own previous greedy guess (*free
running*). :func:`greedy_decode` is free running from SOS until EOS.

Checkpoints (:func:`save` / :func:`load`) hold only tensors, numbers and strings, are
written atomically and read with ``torch.load(weights_only=True)``.
"""
from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rnnkit.data.dates import EOS, PAD, SOS, Vocab, encode_batch

FORMAT = "rnnkit.seq2seq/1"
CELLS = ("gru", "lstm")
CHECKPOINTS = Path(__file__).resolve().parents[1] / "checkpoints"


def _positive_int(name, v):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{name} must be a positive int, got {v!r}")
    return int(v)


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
    src_vocab, tgt_vocab : rnnkit.data.dates.Vocab (PAD = 0, SOS = 1, EOS = 2)
    emb : int, embedding size E (source and target have separate embeddings)
    hidden : int, hidden size H of both RNNs
    cell : "gru" or "lstm"
    attention : bool, additive attention over the encoder states
    attn_size : int, size A of the additive scores' hidden layer (``W_q``, ``W_k``: H -> A);
        training materialises an (N, T, S, A) tensor, so keep it small
    dropout : float in [0, 1), applied to the embeddings of both sides while training
    """

    def __init__(self, src_vocab, tgt_vocab, emb=32, hidden=64, cell="gru", attention=False, attn_size=16,
                 dropout=0.1):
        super().__init__()
        for name, v in (("src_vocab", src_vocab), ("tgt_vocab", tgt_vocab)):
            if not isinstance(v, Vocab):
                raise ValueError(f"{name} must be an rnnkit.data.dates.Vocab, got {type(v).__name__}")
        emb = _positive_int("emb", emb)
        hidden = _positive_int("hidden", hidden)
        attn_size = _positive_int("attn_size", attn_size)
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
        if not isinstance(attention, bool):
            raise ValueError(f"attention must be a bool, got {attention!r}")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"dropout must be a number in [0, 1), got {dropout!r}")
        self.src_vocab, self.tgt_vocab = src_vocab, tgt_vocab
        self.config = {"src_chars": "".join(src_vocab.chars), "tgt_chars": "".join(tgt_vocab.chars),
                       "emb": emb, "hidden": hidden, "cell": cell, "attention": attention,
                       "attn_size": attn_size, "dropout": float(dropout)}
        self.cell = cell
        self.attention = attention
        rnn = nn.GRU if cell == "gru" else nn.LSTM
        self.src_emb = nn.Embedding(len(src_vocab), emb, padding_idx=PAD)
        self.tgt_emb = nn.Embedding(len(tgt_vocab), emb, padding_idx=PAD)
        self.drop = nn.Dropout(dropout)
        self.encoder = rnn(emb, hidden, batch_first=True)
        self.decoder = rnn(emb, hidden, batch_first=True)       # same shape, its own weights
        self.attn = AdditiveAttention(hidden, hidden, attn_size) if attention else None
        self.out = nn.Linear(hidden * (2 if attention else 1), len(tgt_vocab))

    @classmethod
    def from_config(cls, config):
        """A fresh model from a ``config`` dict (as stored in a checkpoint)."""
        keys = {"src_chars", "tgt_chars", "emb", "hidden", "cell", "attention", "attn_size", "dropout"}
        if not isinstance(config, dict) or set(config) != keys:
            got = sorted(config) if isinstance(config, dict) else type(config).__name__
            raise ValueError(f"config must be a dict with keys {sorted(keys)}, got {got}")
        return cls(Vocab(config["src_chars"]), Vocab(config["tgt_chars"]), emb=config["emb"],
                   hidden=config["hidden"], cell=config["cell"], attention=config["attention"],
                   attn_size=config["attn_size"], dropout=config["dropout"])

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

    def _step(self, y_prev, state, enc, keys, src_mask):
        """One decoder step: y_prev (N,) ids -> scores (N, V_t), new state, weights (N, S) or None."""
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
        if isinstance(tf_ratio, bool) or not isinstance(tf_ratio, (int, float)) or not 0 <= tf_ratio <= 1:
            raise ValueError(f"tf_ratio must be a number in [0, 1], got {tf_ratio!r}")
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
            s, state, w = self._step(y_prev, state, enc, keys, src_mask)
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
    with L <= max_len the number of steps run (until every example emitted EOS).
    """
    max_len = _positive_int("max_len", max_len)
    was_training = model.training
    model.eval()
    try:
        enc, state = model.encode(src, src_mask)
        keys = model.attn.project(enc) if model.attention else None
        N = src.shape[0]
        y = torch.full((N,), SOS, dtype=torch.long)
        done = torch.zeros(N, dtype=torch.bool)
        lengths = torch.full((N,), max_len, dtype=torch.long)
        tokens, probs, attn = [], [], []
        for t in range(max_len):
            s, state, w = model._step(y, state, enc, keys, src_mask)
            y = s.argmax(1)
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
    return {"tokens": torch.stack(tokens, 1), "probs": torch.stack(probs, 1),
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
    """Train with Adam on fresh batches; returns the loss of every step (a list of floats).

    Parameters
    ----------
    model : Seq2Seq
    sample : callable ``sample(n, rng) -> list of (source, target)`` (e.g.
        ``lambda n, rng: dates.date_pairs(n, rng)``); called once per step with one numpy
        Generator seeded by ``seed``, so the data are the same on every run
    steps, batch_size : int
    lr : float, Adam's learning rate (halved for the last third of the steps)
    tf_ratio : float in [0, 1], teacher-forcing probability per decoder step
    clip : float, max gradient norm
    seed : int, seeds the data, the dropout masks and the teacher-forcing coins
        (the model's initial weights are seeded by whoever built it)
    """
    steps = _positive_int("steps", steps)
    batch_size = _positive_int("batch_size", batch_size)
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)                      # dropout masks
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[max(1, 2 * steps // 3)], gamma=0.5)
    model.train()
    losses = []
    it = range(steps)
    if progress:
        from tqdm.auto import tqdm
        it = tqdm(it, desc=desc, mininterval=1.0)
    for _ in it:
        b = to_tensors(encode_batch(sample(batch_size, rng), model.src_vocab, model.tgt_vocab))
        scores, _ = model(b["src"], b["src_mask"], b["tgt_in"], tf_ratio=tf_ratio, generator=gen)
        loss = masked_cross_entropy(scores, b["tgt_out"], b["tgt_mask"])
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        sched.step()
        losses.append(loss.item())
    model.eval()
    return losses


# -- checkpoints ----------------------------------------------------------------------
def checkpoint_path(name):
    """Path of a checkpoint shipped with rnnkit, e.g. ``checkpoint_path("seq2seq_dates_attn")``."""
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"name must be a plain checkpoint name like 'seq2seq_dates', got {name!r}")
    return CHECKPOINTS / f"{name}.pt"


def save(model, path, **meta):
    """Write ``model`` (config, weights) and ``meta`` (numbers/strings/lists) to ``path`` atomically."""
    if not isinstance(model, Seq2Seq):
        raise ValueError(f"model must be a Seq2Seq, got {type(model).__name__}")
    path = Path(path)
    payload = {"format": FORMAT, "config": dict(model.config),
               "state_dict": {k: v.detach().clone() for k, v in model.state_dict().items()},
               "meta": meta}
    buf = io.BytesIO()          # not the temp file's name: torch.save would put it in the archive,
    torch.save(payload, buf)    # and the same model would give different bytes on every save
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(buf.getvalue())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)       # mkstemp makes it private; a checkpoint is not
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def load(path, config=None):
    """Read a checkpoint written by :func:`save`; returns ``(model, meta)`` (model in eval mode).

    Parameters
    ----------
    path : str or Path (a shipped name such as ``"seq2seq_dates"`` also works)
    config : dict or None; if given, the stored config must equal it (same vocabularies,
        sizes, cell, attention), otherwise ValueError

    Raises
    ------
    FileNotFoundError if there is no such file; ValueError if the file is corrupt,
    not a seq2seq checkpoint, or does not match ``config`` / its own weights.
    """
    p = Path(path)
    if not p.suffix and not p.exists() and isinstance(path, str):
        p = checkpoint_path(path)
    if not p.exists():
        raise FileNotFoundError(f"no checkpoint at {p}; bench/seq2seq_dates.py writes the shipped ones")
    try:
        payload = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as e:  # truncated zip, garbage, pickled objects that are not allowed
        raise ValueError(f"{p} is not a readable checkpoint (corrupt or not written by "
                         f"rnnkit.models.seq2seq.save): {type(e).__name__}: {str(e).splitlines()[0][:200]}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        got = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
        raise ValueError(f"{p} is not a {FORMAT} checkpoint (format: {got!r})")
    stored = payload.get("config")
    if config is not None and stored != config:
        diff = sorted(k for k in set(stored or {}) | set(config) if (stored or {}).get(k) != config.get(k))
        raise ValueError(f"{p} does not match the expected config; differing keys: {diff}")
    model = Seq2Seq.from_config(stored)
    try:
        model.load_state_dict(payload["state_dict"], strict=True)
    except (RuntimeError, KeyError, TypeError) as e:
        raise ValueError(f"{p}: the weights do not fit the stored config: {str(e).splitlines()[0][:200]}") from None
    model.eval()
    return model, payload.get("meta", {})


# -- looking at a decoder ------------------------------------------------------------
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


def _show(c):
    return {"<eos>": "EOS", " ": "␣"}.get(c, c)


def plot_attention(ax, steps, title=None, colorbar=True):
    """Heatmap of ``steps["attention"]`` (a :func:`decode_steps` result) on ``ax``:
    rows are decoder steps (the emitted character), columns source characters."""
    att = steps["attention"]
    if att is None:
        raise ValueError("steps must come from a model with attention (steps['attention'] is None)")
    im = ax.imshow(att, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(steps["source"])), [_show(c) for c in steps["source"]])
    ax.set_yticks(range(len(steps["steps"])), [_show(s["char"]) for s in steps["steps"]])
    ax.tick_params(length=0)
    ax.grid(False)
    if title:
        ax.set_title(title, fontsize=10)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, shrink=0.8)
    return im


def attention_steps_figure(examples, labels, height=420):
    """Kernel-free plotly figure: a slider walks through the decoder steps of several
    examples; at each position the attention rows decoded so far are shown.

    Parameters
    ----------
    examples : list of :func:`decode_steps` results (from a model with attention)
    labels : dict with "x", "y" (axis titles), "step" (slider prefix) and "title" (a
        format string with fields {i} example number, {t} step, {n} steps, {src} source,
        {out} output so far, {char} this step's character, {prob} its probability)
    """
    import plotly.graph_objects as go

    if not examples:
        raise ValueError("examples must hold at least one decode_steps result")
    for e in examples:
        if e.get("attention") is None:
            raise ValueError("examples must come from a model with attention")
    positions, slider_steps = [], []
    for i, e in enumerate(examples):
        for t in range(len(e["steps"])):
            positions.append((i, t))
    first = None
    for i, t in positions:
        e = examples[i]
        att = np.asarray(e["attention"], dtype=np.float64)
        z = [[round(float(v), 3) for v in row] if r <= t else [None] * att.shape[1]
             for r, row in enumerate(att)]
        rows = [f"{r + 1}: {_show(s['char'])}" for r, s in enumerate(e["steps"])]
        cols = list(range(len(e["source"])))
        so_far = "".join(s["char"] for s in e["steps"][:t + 1] if s["char"] != "<eos>")
        title = labels["title"].format(i=i + 1, t=t + 1, n=len(e["steps"]), src="".join(e["source"]),
                                       out=so_far, char=_show(e["steps"][t]["char"]),
                                       prob=e["steps"][t]["prob"])
        data = {"z": [z], "x": [cols], "y": [rows]}
        layout = {"title.text": title, "xaxis.tickvals": cols,
                  "xaxis.ticktext": [_show(c) for c in e["source"]],
                  "yaxis.range": [len(rows) - 0.5, -0.5]}
        if first is None:
            first = (data, layout)
        slider_steps.append({"method": "update", "label": f"{i + 1}·{t + 1}", "args": [data, layout]})
    data, layout = first
    fig = go.Figure(go.Heatmap(z=data["z"][0], x=data["x"][0], y=data["y"][0], zmin=0, zmax=1,
                               colorscale="Viridis", hoverongaps=False,
                               colorbar={"thickness": 12, "len": 0.8}))
    fig.update_layout(
        height=height, margin={"l": 60, "r": 20, "t": 60, "b": 90},
        title={"text": layout["title.text"], "font": {"size": 13}},
        xaxis={"title": labels["x"], "tickvals": layout["xaxis.tickvals"],
               "ticktext": layout["xaxis.ticktext"], "tickangle": 0},
        yaxis={"title": labels["y"], "range": layout["yaxis.range"], "type": "category"},
        sliders=[{"active": 0, "steps": slider_steps, "currentvalue": {"prefix": labels["step"]},
                  "pad": {"t": 45}}])
    return fig


def explorer(model, labels, initial, max_len=40):
    """ipywidgets: type a source string, see the greedy decoding step by step and (with
    attention) the attention heatmap.

    labels : dict with "input", "output", "step", "char", "prob", "top", "bad" (message
        for text the vocabulary cannot encode; format fields {error}), "title"
    """
    import html

    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import HTML, display

    from rnnkit.figures.web import html_table

    box = widgets.Text(value=initial, description=labels["input"], continuous_update=False,
                       layout=widgets.Layout(width="420px"), style={"description_width": "initial"})
    out = widgets.Output()

    def redraw(change=None):
        with out:
            out.clear_output(wait=True)
            try:
                r = decode_steps(model, box.value.strip(), max_len)
            except ValueError as e:
                display(HTML(f"<p>{html.escape(labels['bad'].format(error=e))}</p>"))
                return
            display(HTML(f"<p><b>{labels['output']}</b> <code>{r['output']}</code></p>"))
            rows = [[t + 1, _show(s["char"]), f"{s['prob']:.3f}",
                     "  ".join(f"{_show(c)} {p:.2f}" for c, p in s["top"])] for t, s in enumerate(r["steps"])]
            display(HTML(html_table([labels["step"], labels["char"], labels["prob"], labels["top"]], rows)))
            if r["attention"] is not None:
                fig, ax = plt.subplots(figsize=(0.32 * len(r["source"]) + 2.5, 0.28 * len(r["steps"]) + 1.4))
                plot_attention(ax, r, title=labels["title"])
                fig.tight_layout()
                display(fig)
                plt.close(fig)

    box.observe(redraw, names="value")
    redraw()
    return widgets.VBox([box, out])
