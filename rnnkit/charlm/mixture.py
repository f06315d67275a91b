"""Mixing language models: averaging what several models predict.

K models that read the same text each give a distribution over the next character.
Their *mixture* with weights w_k >= 0, Σ_k w_k = 1, predicts

    p(c | x_<t) = Σ_k w_k p_k(c | x_<t)

Its cost on a character is never more than that of the worst model, and on average it
can be well below that of the best one: where one model is confidently wrong and another
is right, the average keeps a good share of the right model's probability. Models that
make *different* mistakes gain the most, such as networks trained with other seeds or
sizes, or a neural model and a count model that remembers exact phrases of the
training text (Kneser–Ney n-grams). A mixture of equal weights needs no tuning.

:class:`MixtureLM` has the interface of :class:`~rnnkit.charlm.model.CharLM`:
``forward(x, state) -> (scores (N, T, V), state)``, where the scores are the mixture's
log-probabilities (the softmax of log-probabilities gives them back), and the state is the
tuple of the members' states. So :func:`~rnnkit.charlm.evaluate.total_bits`,
:func:`~rnnkit.charlm.sample.sample` and chapter 07's figures work on it unchanged.

:class:`NgramLM` puts a fitted count model (:mod:`rnnkit.charlm.ngram`) behind the same
interface. Its state is the (1, N, n-1) tensor of the last n-1 ids of each stream (-1
where the text has not started yet).

A mixture file (:func:`save_mixture`) holds the neural members as ordinary checkpoint
dicts (any precision, int4 by default), the weights, and, for an n-gram member, only its
recipe (order, discount, the sha256 of the training text): the n-gram's counts would
spell out the novel, which must not be stored, so :func:`load_mixture` counts them again
from the training text (under a second for the novel). Without the text,
``load_mixture(path, skip_ngram=True)`` leaves the n-gram out: the mixture of the neural
members alone, their weights renormalised to sum to 1.
"""
from __future__ import annotations

import hashlib
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rnnkit.checks import check_path

from .checkpoint import MIXTURE_FORMAT, as_dict, atomic_save, file_error, model_from_dict, read_file
from .evaluate import LN2
from .model import zero_state
from .ngram import AbsoluteDiscountNgram

FORMAT = MIXTURE_FORMAT
VERSION = 1
NGRAM_KEYS = ("order", "discount", "kneser_ney", "train_sha256")


def _check_weights(weights, k):
    """``weights`` as K floats summing to 1; ValueError unless K non-negative numbers, not all 0."""
    weights = list(weights)
    if len(weights) != k or not all(
            isinstance(w, (int, float)) and not isinstance(w, bool) and math.isfinite(w) and w >= 0
            for w in weights) or sum(weights) <= 0:
        raise ValueError(f"weights must be {k} non-negative numbers, not all zero "
                         f"(one per member), got {weights!r}")
    total = float(sum(weights))
    return [float(w) / total for w in weights]


def text_sha256(text):
    """sha256 of a str's UTF-8 bytes (how a mixture file names its n-gram's training text)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class NgramLM(nn.Module):
    """A fitted count model (:mod:`rnnkit.charlm.ngram`) with the interface of a CharLM.

    Parameters
    ----------
    ngram : a fitted :class:`rnnkit.charlm.ngram.NgramModel` (``fit`` already called)
    vocab : the Vocab of the ids it will read; its characters must be the n-gram's, in order
    cache : how many next-character distributions to remember (by history)
    """

    def __init__(self, ngram, vocab, *, cache=4096):
        super().__init__()
        if getattr(ngram, "counts", None) is None:
            raise ValueError("ngram must be a fitted rnnkit.charlm.ngram model: call ngram.fit(train_text) first")
        if list(ngram.chars) != list(vocab.chars):
            raise ValueError(f"the n-gram's {len(ngram.chars)} characters and the vocabulary's "
                             f"{len(vocab)} must be the same, in the same order")
        self.ngram, self.chars, self.k = ngram, list(vocab.chars), ngram.order - 1
        self._cache, self._cache_size = {}, int(cache)

    @property
    def vocab_size(self):
        return len(self.chars)

    def zero_state(self, n):
        """No text read yet: (1, n, n-1) filled with -1."""
        return torch.full((1, n, self.k), -1, dtype=torch.long)

    def _log_distribution(self, history):
        p = self._cache.get(history)
        if p is None:
            p = torch.from_numpy(np.log(self.ngram.distribution(history))).float()
            if len(self._cache) >= self._cache_size:
                self._cache.pop(next(iter(self._cache)))         # the oldest entry
            self._cache[history] = p
        return p

    def forward(self, x, state=None):
        """Log-probabilities (N, T, V) of the next character and the last n-1 ids (1, N, n-1)."""
        if not isinstance(x, torch.Tensor) or x.dim() != 2 or x.dtype != torch.long:
            got = (f"{x.dtype} tensor of shape {tuple(x.shape)}" if isinstance(x, torch.Tensor)
                   else type(x).__name__)
            raise ValueError(f"x must be an int64 tensor of shape (N, T), got {got}")
        N, T = x.shape
        if x.numel() and not 0 <= int(x.min()) <= int(x.max()) < self.vocab_size:
            raise ValueError(f"x must hold ids in [0, {self.vocab_size}), got values from "
                             f"{int(x.min())} to {int(x.max())}")
        state = self.zero_state(N) if state is None else state
        if not isinstance(state, torch.Tensor) or tuple(state.shape) != (1, N, self.k):
            got = tuple(state.shape) if isinstance(state, torch.Tensor) else type(state).__name__
            raise ValueError(f"state must be None or the (1, N, n-1) = (1, {N}, {self.k}) tensor of "
                             f"the last ids, got {got}")
        ids = torch.cat([state[0], x], dim=1).tolist()           # (N, n-1 + T)
        out = torch.empty(N, T, self.vocab_size)
        for b, row in enumerate(ids):
            text = "".join(self.chars[i] if i >= 0 else "" for i in row)
            skip = sum(i < 0 for i in row)                        # -1s only lead
            for t in range(T):
                end = self.k + t + 1 - skip
                out[b, t] = self._log_distribution(text[max(0, end - self.k):end])
        return out, torch.tensor(ids, dtype=torch.long)[None, :, T:]


class MixtureLM(nn.Module):
    """Average the next-character probabilities of several models.

    Parameters
    ----------
    members : list of K >= 1 models with ``forward(x, state) -> (scores (N, T, V), state)``
        and the same ``vocab_size`` (CharLM, NgramLM, or mixtures)
    weights : None (equal, 1/K each) or K non-negative numbers, normalized to sum to 1

    ``forward`` returns ``log Σ_k w_k softmax(scores_k)``, shape (N, T, V), and the tuple of
    the K members' states.
    """

    def __init__(self, members, weights=None):
        super().__init__()
        members = list(members)
        if not members:
            raise ValueError("members must hold at least one model, got none")
        sizes = {m.vocab_size for m in members}
        if len(sizes) != 1:
            raise ValueError(f"members must share one vocabulary, got vocab_size {sorted(sizes)}")
        self.weights = _check_weights([1.0] * len(members) if weights is None else weights, len(members))
        self.members = nn.ModuleList(members)

    @property
    def vocab_size(self):
        return self.members[0].vocab_size

    def zero_state(self, n):
        return tuple(zero_state(m, n) for m in self.members)

    def forward(self, x, state=None):
        state = (None,) * len(self.members) if state is None else state
        if not isinstance(state, tuple) or len(state) != len(self.members):
            raise ValueError(f"state must be None or a tuple of {len(self.members)} member states")
        mixed, states = None, []
        for m, w, s in zip(self.members, self.weights, state):
            scores, s = m(x, s)
            states.append(s)
            if w > 0:
                part = F.log_softmax(scores.float(), dim=-1) + math.log(w)
                mixed = part if mixed is None else torch.logaddexp(mixed, part)
        return mixed, tuple(states)


def mixture_bits(member_bits, weights=None):
    """Bits of every token under a mixture, from each member's bits for it.

    Parameters
    ----------
    member_bits : array (K, n): ``-log2 p_k`` of n tokens under K models
        (:func:`~rnnkit.charlm.evaluate.token_bits` of each member)
    weights : None (equal) or K non-negative numbers (normalized)

    Returns
    -------
    float64 array (n,): ``-log2 Σ_k w_k 2^(-bits_k)``, computed in log space
    """
    b = np.asarray(member_bits, dtype=np.float64)
    if b.ndim != 2 or b.shape[0] < 1:
        raise ValueError(f"member_bits must have shape (K, n) with K >= 1, got {b.shape}")
    w = _check_weights([1.0] * b.shape[0] if weights is None else weights, b.shape[0])
    with np.errstate(divide="ignore"):                   # a weight of 0 is log 0 = -inf: no share
        log_w = np.log(np.asarray(w))[:, None]
    return -np.logaddexp.reduce(log_w - b * LN2, axis=0) / LN2


def save_mixture(path, models, vocab, **kw):
    """Write a mixture of CharLMs (and optionally a Kneser–Ney n-gram) to ``path`` atomically.

    Takes the keyword arguments of :func:`mixture_dict` and returns the path written.
    """
    check_path("path", path)
    return atomic_save(mixture_dict(models, vocab, **kw), path)


def mixture_dict(models, vocab, *, weights=None, ngram=None, train_text=None,
                 tokens="syllable", logs=None, metas=None, meta=None, precision="int4"):
    """The dict that :func:`save_mixture` writes (``mixture_from_dict`` reads it back).

    Parameters
    ----------
    models : list of CharLM sharing ``vocab``
    weights : None (equal) or one number per component: the models, then the n-gram
    ngram : None, or a dict ``order``, ``discount``, ``kneser_ney`` of an
        :class:`~rnnkit.charlm.ngram.AbsoluteDiscountNgram` counted from ``train_text`` at load time
    train_text : the text the n-gram counts (needed with ``ngram``; only its sha256 is stored)
    logs, metas : None or one training log / meta dict per model
    precision : how each model's weights are stored (see :func:`~rnnkit.charlm.checkpoint.save_checkpoint`)
    """
    models = list(models)
    if not models:
        raise ValueError("models must hold at least one CharLM, got none")
    logs = [()] * len(models) if logs is None else list(logs)
    metas = [{}] * len(models) if metas is None else list(metas)
    if len(logs) != len(models) or len(metas) != len(models):
        raise ValueError(f"logs and metas must have one entry per model ({len(models)}), "
                         f"got {len(logs)} and {len(metas)}")
    members = [as_dict(m, vocab, tokens=tokens, log=lg, meta=mt, precision=precision)
               for m, lg, mt in zip(models, logs, metas)]
    spec = None
    if ngram is not None:
        if tokens != "syllable":
            raise ValueError(f"an n-gram member needs tokens='syllable', got {tokens!r}")
        if not isinstance(ngram, dict) or set(ngram) != set(NGRAM_KEYS[:3]):
            raise ValueError(f"ngram must be None or a dict with keys {NGRAM_KEYS[:3]}, got {ngram!r}")
        if not isinstance(train_text, str) or not train_text:
            raise ValueError("train_text must be the (non-empty) text the n-gram counts, given with ngram")
        spec = dict(ngram, train_sha256=text_sha256(train_text))
        AbsoluteDiscountNgram(spec["order"], vocab, discount=spec["discount"],
                              kneser_ney=spec["kneser_ney"])             # checks the numbers now
    K = len(models) + (spec is not None)
    w = _check_weights([1.0] * K if weights is None else weights, K)
    return dict(format=FORMAT, version=VERSION, tokens=tokens, chars=list(vocab.chars),
                members=members, ngram=spec, weights=w, meta=dict(meta or {}))


class NgramTextMismatch(ValueError):
    """The text given to count a mixture's n-gram member is not the one it was made from."""


def load_mixture(path, train_text=None, *, skip_ngram=False):
    """Read a file written by :func:`save_mixture`.

    Parameters
    ----------
    path : the file
    train_text : the text its n-gram member counts (the first 90 % of the novel, as
        ``rnnkit.data.split_text(load_mujeong())[0]``), or a function of no arguments that
        returns it; needed (and the function called) only if the file has an n-gram member
    skip_ngram : leave an n-gram member out (no text needed): the mixture of the neural
        members, with their stored weights renormalised over them

    Returns
    -------
    mixture : MixtureLM in eval mode (members: the CharLMs in file order, then the NgramLM)
    vocab : rnnkit.data.Vocab
    ckpt : the whole dict (``members`` holds each model's ``log`` and ``meta``)
    """
    ckpt = read_file(path)
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        got = ckpt.get("format") if isinstance(ckpt, dict) else type(ckpt).__name__
        raise file_error(path, f"not an {FORMAT} file (format field: {got!r})",
                         "load a single model with rnnkit.charlm.load_checkpoint")
    return mixture_from_dict(ckpt, path, train_text, skip_ngram=skip_ngram)


def mixture_from_dict(ckpt, path, train_text=None, *, skip_ngram=False):
    """(MixtureLM, Vocab, ckpt) from a mixture dict, as :func:`load_mixture` (``path`` names it in errors)."""
    if ckpt.get("version") != VERSION:
        raise file_error(path, f"mixture format version {ckpt.get('version')!r}, but this rnnkit "
                               f"reads version {VERSION}", "use the rnnkit that wrote it")
    missing = [k for k in ("tokens", "chars", "members", "ngram", "weights", "meta") if k not in ckpt]
    if missing:
        raise file_error(path, f"mixture file lacks {', '.join(missing)}")
    if not isinstance(ckpt["members"], list) or not ckpt["members"]:
        raise file_error(path, "the mixture has no member models")
    models, vocab = [], None
    for i, d in enumerate(ckpt["members"]):
        model, v = model_from_dict(d, f"{path} (member {i})")
        if list(v.chars) != list(ckpt["chars"]) or d["tokens"] != ckpt["tokens"]:
            raise file_error(path, f"member {i} reads another vocabulary or token kind than the mixture")
        models.append(model)
        vocab = v
    spec, weights = ckpt["ngram"], ckpt["weights"]
    if spec is not None and skip_ngram:
        spec, weights = None, _without_last(weights, path)
    if spec is not None:
        if not isinstance(spec, dict) or any(k not in spec for k in NGRAM_KEYS):
            raise file_error(path, f"the n-gram recipe must have the keys {NGRAM_KEYS}, got {spec!r}")
        if callable(train_text):
            train_text = train_text()
        if not isinstance(train_text, str):
            raise ValueError(f"{path}: its {spec['order']}-gram member is counted from the training "
                             f"text when the file is loaded; pass train_text= (the first 90 % of the "
                             f"novel: rnnkit.data.split_text(rnnkit.data.load_mujeong())[0]), or "
                             f"skip_ngram=True to leave it out")
        if text_sha256(train_text) != spec["train_sha256"]:
            raise NgramTextMismatch(f"{path}: train_text is not the text its n-gram was made from "
                             f"(sha256 {text_sha256(train_text)[:12]}…, expected "
                             f"{spec['train_sha256'][:12]}…); pass the first 90 % of the novel")
        ngram = AbsoluteDiscountNgram(spec["order"], vocab, discount=spec["discount"],
                                      kneser_ney=spec["kneser_ney"]).fit(train_text)
        models.append(NgramLM(ngram, vocab))
    try:
        mixture = MixtureLM(models, weights)
    except ValueError as err:
        raise file_error(path, str(err)) from None
    return mixture.eval(), vocab, ckpt


def _without_last(weights, path):
    """The weights of the neural members when the last one (the n-gram) is left out."""
    if not isinstance(weights, list) or len(weights) < 2 or not sum(weights[:-1]) > 0:
        raise file_error(path, f"the mixture's weights {weights!r} leave nothing without its n-gram member",
                         "load it with its training text")
    return weights[:-1]


def load_any(path, train_text=None, *, skip_ngram=False):
    """A single-model checkpoint or a mixture file, whichever ``path`` holds.

    Returns ``(model, vocab, ckpt)``: a CharLM as :func:`~rnnkit.charlm.checkpoint.load_checkpoint`
    gives it, or a MixtureLM as :func:`load_mixture` does (``train_text``, a str or a function
    returning it, is used only for a mixture with an n-gram member; ``skip_ngram`` leaves
    that member out, as in :func:`load_mixture`).
    """
    ckpt = read_file(path)
    if isinstance(ckpt, dict) and ckpt.get("format") == FORMAT:
        return mixture_from_dict(ckpt, path, train_text, skip_ngram=skip_ngram)
    model, vocab = model_from_dict(ckpt, path)
    return model, vocab, ckpt
