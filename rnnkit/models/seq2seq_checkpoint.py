"""Files of :class:`~rnnkit.models.seq2seq.Seq2Seq` models: the four that chapter 06 loads.

    save_checkpoint("my_model.pt", model, steps=600, seed=0)    # meta: numbers, strings, lists
    model, meta = load_checkpoint("seq2seq_dates_attn")          # a shipped name, or a path

A file is a ``torch.save`` archive of a dict holding only tensors, numbers and strings:
``format`` (``FORMAT``), ``version`` (``VERSION``), ``config`` (the model's
``config``: vocabularies, sizes, cell, attention), ``state_dict`` and ``meta``. It is
written atomically (:func:`rnnkit.atomic.atomic_file`) and read with
``torch.load(weights_only=True)``, which refuses pickled objects. The same model and meta
give the same bytes, whatever the file's name, so a re-run of ``bench/seq2seq_dates.py``
can be checked with a hash.
"""
from __future__ import annotations

import io
from pathlib import Path

import torch

from rnnkit.atomic import atomic_file
from rnnkit.checks import check_path
from rnnkit.models.seq2seq import Seq2Seq

FORMAT = "rnnkit.seq2seq"
VERSION = 1
CHECKPOINTS = Path(__file__).resolve().parents[1] / "checkpoints"


def checkpoint_path(name):
    """Path of a checkpoint shipped with rnnkit, e.g. ``checkpoint_path("seq2seq_dates_attn")``."""
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"name must be a plain checkpoint name like 'seq2seq_dates', got {name!r}")
    return CHECKPOINTS / f"{name}.pt"


def save_checkpoint(path, model, **meta):
    """Write ``model`` (config, weights) and ``meta`` (numbers/strings/lists) to ``path`` atomically.

    Returns the path written, as a :class:`pathlib.Path`.
    """
    path = check_path("path", path)
    if not isinstance(model, Seq2Seq):
        raise ValueError(f"model must be a Seq2Seq, got {type(model).__name__}")
    payload = {"format": FORMAT, "version": VERSION, "config": dict(model.config),
               "state_dict": {k: v.detach().clone() for k, v in model.state_dict().items()},
               "meta": meta}
    buf = io.BytesIO()          # not the temp file's name: torch.save would put it in the archive,
    torch.save(payload, buf)    # and the same model would give different bytes on every save
    with atomic_file(path, "wb") as f:
        f.write(buf.getvalue())
    return path


def load_checkpoint(path, config=None):
    """Read a checkpoint written by :func:`save_checkpoint`; returns ``(model, meta)`` (model in eval mode).

    Parameters
    ----------
    path : str or Path (a shipped name such as ``"seq2seq_dates"`` also works)
    config : dict or None; if given, the stored config must equal it (same vocabularies,
        sizes, cell, attention), otherwise ValueError

    Raises
    ------
    FileNotFoundError if there is no such file; ValueError if the file is corrupt,
    not a seq2seq checkpoint of this version, or does not match ``config`` / its own weights.
    """
    p = check_path("path", path)
    if not p.suffix and not p.exists() and isinstance(path, str):
        p = checkpoint_path(path)
    if not p.exists():
        raise FileNotFoundError(f"no checkpoint at {p}; bench/seq2seq_dates.py writes the shipped ones")
    try:
        payload = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as e:  # truncated zip, garbage, pickled objects that are not allowed
        raise ValueError(f"{p} is not a readable checkpoint (corrupt or not written by rnnkit.models."
                         f"seq2seq_checkpoint.save_checkpoint): {type(e).__name__}: "
                         f"{str(e).splitlines()[0][:200]}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        got = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
        raise ValueError(f"{p} is not a {FORMAT} checkpoint (format: {got!r})")
    if payload.get("version") != VERSION:
        raise ValueError(f"{p} has {FORMAT} version {payload.get('version')!r}; this rnnkit reads version {VERSION}")
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
