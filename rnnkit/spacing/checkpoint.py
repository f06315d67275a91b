"""Saving and loading a trained spacing model as one file.

A checkpoint is a ``torch.save`` of a plain dict (tensors, str, int, float, bool, lists and
dicts only, so that ``torch.load(..., weights_only=True)`` reads it without running any
pickled code)::

    format   "rnnkit.spacing"         version  1
    config   SpacingModel keyword arguments (vocab_size, embed, hidden, num_layers,
             bidirectional, dropout, cell, residual)
    chars    the vocabulary, a list of V single characters in id order, UNK among them
    unk      the unknown-character symbol (:data:`rnnkit.spacing.model.UNK`)
    weights  model.state_dict(), float32
    sha256   hex digest of the weights (every name, dtype, shape and byte, in name order)
    log      training log, a list of dicts (step, seconds, lr, loss)
    meta     anything else JSON-like (data sha256, seed, command, held-out scores)

torch does not verify the bytes of the tensors it loads: a flipped byte in a weight loads
without complaint. The ``sha256`` field catches that, and every tensor's shape is checked
against the one ``config`` implies before the weights are put in the model.

:func:`save_checkpoint` writes through :func:`rnnkit.atomic.atomic_file` (a temporary file in
the same folder, renamed over ``path`` once complete): a reader, or a crash, sees the old
file or the complete new one. :func:`load_checkpoint` refuses anything it cannot trust
with an error that names the path, what it found and what it expected: a missing file
(``FileNotFoundError``), a folder (``IsADirectoryError``), an unreadable or truncated
file, another format or version, missing keys, a vocabulary, config and weights of
different sizes, or weights whose checksum does not match (``ValueError``).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import torch

from rnnkit.atomic import atomic_file
from rnnkit.checks import check_path
from rnnkit.data.vocab import Vocab

from .model import EDGE, SpacingModel

#: Where the book's trained spacing model ships (package data), read by the CLI's
#: ``space`` and ``evaluate`` when no ``--checkpoint`` is given.
SHIPPED = Path(__file__).resolve().parents[1] / "checkpoints" / "spacing_mujeong.pt"
FORMAT = "rnnkit.spacing"
VERSION = 1
KEYS = ("format", "version", "config", "chars", "unk", "weights", "sha256", "log", "meta")
CONFIG_KEYS = ("vocab_size", "embed", "hidden", "num_layers", "bidirectional", "dropout", "cell", "residual")
TRAIN_COMMAND = "python -m rnnkit.spacing train --out PATH"


def weights_sha256(weights):
    """Hex sha256 of a state dict: each tensor's name, dtype, shape and bytes, in name order."""
    h = hashlib.sha256()
    for name in sorted(weights):
        v = weights[name].detach().cpu().contiguous()
        h.update(f"{name}|{v.dtype}|{tuple(v.shape)}|".encode())
        h.update(v.view(torch.uint8).numpy().tobytes() if v.numel() else b"")
    return h.hexdigest()


def as_dict(model, vocab, *, log=(), meta=None):
    """The checkpoint dict of ``model`` and its vocabulary: what :func:`save_checkpoint` writes."""
    if not isinstance(model, SpacingModel):
        raise ValueError(f"model must be a SpacingModel, got {type(model).__name__}")
    if not isinstance(vocab, Vocab) or vocab.unk is None:
        raise ValueError("vocab must be a Vocab with an unknown-character id (see spacing_vocab)")
    if len(vocab) != model.config["vocab_size"]:
        raise ValueError(f"vocab has {len(vocab)} characters but the model's embedding has "
                         f"vocab_size = {model.config['vocab_size']}")
    weights = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    return dict(format=FORMAT, version=VERSION, config=dict(model.config), chars=list(vocab.chars),
                unk=vocab.unk, weights=weights, sha256=weights_sha256(weights),
                log=plain("log", [dict(r) for r in log]), meta=plain("meta", dict(meta or {})))


def plain(name, value):
    """``value`` with numpy scalars and str subclasses made builtins: what ``weights_only`` loads.

    ValueError, naming where in ``name``, for anything that is not None, bool, int, float,
    str, or a list, tuple or dict (with str keys) of those.
    """
    if value is None or isinstance(value, bool):
        return value
    for base in (int, float, str):            # also numpy.float64, torch's version string, ...
        if isinstance(value, base):
            return base(value)
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:       # a numpy or torch scalar
        return plain(name, value.item())
    if isinstance(value, (list, tuple)):
        return [plain(f"{name}[{i}]", v) for i, v in enumerate(value)]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {str(k): plain(f"{name}[{k!r}]", v) for k, v in value.items()}
    raise ValueError(f"{name} must hold only None, bool, int, float, str, lists and dicts with str keys, "
                     f"got {type(value).__name__}")


def save_checkpoint(path, model, vocab, *, log=(), meta=None):
    """Write ``model``, its vocabulary, the training log and ``meta`` to ``path`` atomically.

    ``path``'s folder must exist. Returns the path written, as a :class:`pathlib.Path`.
    """
    path = check_path("path", path)
    ckpt = as_dict(model, vocab, log=log, meta=meta)
    with atomic_file(path, "wb") as f:
        torch.save(ckpt, f)
    return path


def _error(path, found, todo=f"retrain with `{TRAIN_COMMAND}`"):
    return ValueError(f"{path}: {found}; {todo}")


def read_file(path):
    """The object stored in ``path``, read with ``weights_only=True`` (errors as in the module docstring)."""
    path = check_path("path", path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not a checkpoint file; give the path of the file")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such checkpoint file; train one with "
                                f"`python -m rnnkit.spacing train --out {path}`")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:          # zip, pickle and EOF errors all mean: unreadable
        why = "the file is empty" if path.stat().st_size == 0 else f"torch: {_reason(err)}"
        raise _error(path, f"not a readable checkpoint ({why}); the file may be truncated or corrupt",
                     f"copy it again, or retrain with `{TRAIN_COMMAND}`") from None


def _reason(err, limit=100):
    """``"<ErrorType>: <first line>"`` of a torch.load error, after torch's weights-only advice if any."""
    text = str(err).split("WeightsUnpickler error:", 1)[-1]
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return f"{type(err).__name__}: {line[:limit]}" if line else type(err).__name__


def _check_fields(ckpt, path):
    """ValueError unless ``ckpt`` is a dict of this format and version with every key."""
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        got = ckpt.get("format") if isinstance(ckpt, dict) else type(ckpt).__name__
        raise _error(path, f"not an {FORMAT} checkpoint (format field: {got!r}, expected {FORMAT!r})",
                     "pass a file written by `python -m rnnkit.spacing train`")
    if ckpt.get("version") != VERSION:
        raise _error(path, f"checkpoint format version {ckpt.get('version')!r}, but this rnnkit reads "
                           f"version {VERSION}", f"use the rnnkit that wrote it, or retrain with `{TRAIN_COMMAND}`")
    missing = [k for k in KEYS if k not in ckpt]
    config = ckpt.get("config")
    if not missing and isinstance(config, dict):
        missing = [f"config.{k}" for k in CONFIG_KEYS if k not in config]
    if missing:
        raise _error(path, f"checkpoint lacks {', '.join(missing)}")
    if not isinstance(ckpt["weights"], dict) or not all(isinstance(v, torch.Tensor)
                                                         for v in ckpt["weights"].values()):
        raise _error(path, "the weights are not a dict of tensors")


def _check_vocab(ckpt, path):
    """The Vocab of ``ckpt``; ValueError unless it fits ``config.vocab_size`` and holds ``unk``."""
    chars, unk = ckpt["chars"], ckpt["unk"]
    if not isinstance(chars, list) or not all(isinstance(c, str) and len(c) == 1 for c in chars):
        raise _error(path, "chars is not a list of single characters")
    if len(chars) != ckpt["config"]["vocab_size"]:
        raise _error(path, f"the vocabulary has {len(chars)} characters but config.vocab_size is "
                           f"{ckpt['config']['vocab_size']}")
    if unk not in chars or EDGE not in chars:
        what = f"its unknown-character symbol {unk!r}" if unk not in chars else "the newline read around every line"
        raise _error(path, f"the vocabulary lacks {what}")
    try:
        return Vocab(chars, unk=unk)
    except ValueError as err:
        raise _error(path, f"the vocabulary is not valid ({err})") from None


def _check_shapes(model, weights, path):
    """ValueError naming the first tensor whose name or shape differs from what ``model`` expects."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in weights]
    extra = [k for k in weights if k not in expected]
    if missing or extra:
        raise _error(path, f"the weights do not fit the config {_describe(model.config)}: "
                           + "; ".join(part for part in (
                               f"missing {', '.join(missing[:4])}" if missing else "",
                               f"unexpected {', '.join(extra[:4])}" if extra else "") if part))
    for k, v in expected.items():
        if tuple(weights[k].shape) != tuple(v.shape):
            raise _error(path, f"weight {k} has shape {tuple(weights[k].shape)}, but the config "
                               f"{_describe(model.config)} expects {tuple(v.shape)}")


def _describe(config):
    return ", ".join(f"{k} {config[k]}" for k in ("vocab_size", "embed", "hidden", "num_layers", "cell"))


def model_from_dict(ckpt, path="<dict>"):
    """(SpacingModel in eval mode, Vocab) from a checkpoint dict; ValueError naming ``path`` if it is not one."""
    _check_fields(ckpt, path)
    vocab = _check_vocab(ckpt, path)
    config = {k: ckpt["config"][k] for k in CONFIG_KEYS}
    try:
        model = SpacingModel(**config)
    except (ValueError, TypeError) as err:
        raise _error(path, f"config is not valid ({err})") from None
    _check_shapes(model, ckpt["weights"], path)
    found = weights_sha256(ckpt["weights"])
    if found != ckpt["sha256"]:
        raise _error(path, f"the weights' sha256 is {found[:12]}…, but the file records {str(ckpt['sha256'])[:12]}…: "
                           f"the weights were changed or damaged after saving",
                     f"copy the file again, or retrain with `{TRAIN_COMMAND}`")
    model.load_state_dict({k: v.float() for k, v in ckpt["weights"].items()})
    return model.eval(), vocab


def load_checkpoint(path):
    """Read a checkpoint written by :func:`save_checkpoint`.

    Returns
    -------
    model : SpacingModel with the saved weights, in eval mode
    vocab : rnnkit.data.vocab.Vocab with the saved unknown-character symbol
    ckpt : the whole dict (``config``, ``log``, ``meta``, ...)

    Raises ``FileNotFoundError`` for a missing file, ``IsADirectoryError`` for a folder and
    ``ValueError`` for a file that is not a readable, consistent checkpoint of this version;
    every message starts with the path.
    """
    ckpt = read_file(path)
    model, vocab = model_from_dict(ckpt, path)
    return model, vocab, ckpt
