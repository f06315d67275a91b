"""Chapter 07: character-level language models of 『무정』 in PyTorch.

- :mod:`~rnnkit.charlm.model` - :class:`CharLM`: embedding, LSTM/GRU layers, output layer.
- :mod:`~rnnkit.charlm.train` - :func:`train`: truncated BPTT over contiguous streams, AdamW.
- :mod:`~rnnkit.charlm.evaluate` - held-out bits per character, static and dynamic.
- :mod:`~rnnkit.charlm.sample` - temperature / top-k sampling from a Korean prompt.
- :mod:`~rnnkit.charlm.checkpoint` - one-file checkpoints, saved atomically, checked on load.
- :mod:`~rnnkit.charlm.mixture` - :class:`MixtureLM`: averaged probabilities of several models.
- :mod:`~rnnkit.charlm.numpy_baseline` - post 003's numpy LSTM, the baseline to beat.
- :mod:`~rnnkit.charlm.stats` - the chapter's numbers: text statistics, embedding neighbours, results, temperature.
- :mod:`~rnnkit.charlm.units` - units that mean something: per-unit states, properties of the text, AUC, coloured text.
- :mod:`~rnnkit.charlm.tokens` and :mod:`~rnnkit.charlm.ngram` - syllable / 자모 tokens and
  the count baselines; numpy only, they import without torch.

The names below are loaded lazily, on first use: ``from rnnkit.charlm import train``
imports torch, but ``import rnnkit.charlm.tokens`` or ``rnnkit.charlm.ngram`` does not.

Command line: ``python -m rnnkit.charlm train | evaluate | sample | mix --help``.
"""
from __future__ import annotations

import importlib
import sys
import types

#: public name -> the submodule that defines it
_HOME = {
    "CharLM": "model", "count_parameters": "model", "detach_state": "model",
    "train": "train", "lr_at": "train",
    "total_bits": "evaluate", "token_bits": "evaluate", "dynamic_bits": "evaluate",
    "evaluate_heldout": "evaluate", "heldout_ids": "evaluate",
    "sample": "sample",
    "save_checkpoint": "checkpoint", "load_checkpoint": "checkpoint",
    "build_vocab": "tokens", "to_tokens": "tokens", "from_tokens": "tokens",
    "MixtureLM": "mixture", "NgramLM": "mixture", "save_mixture": "mixture",
    "load_mixture": "mixture", "load_any": "mixture", "mixture_bits": "mixture",
}

__all__ = list(_HOME)


def __getattr__(name):
    """Import the submodule that defines ``name`` the first time ``name`` is asked for."""
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value          # later look-ups do not come back here
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """This package, keeping ``train`` and ``sample`` the functions, not their modules.

    After loading a submodule the import system binds it to the package's attribute of
    the same name; for ``train`` and ``sample``, named after the function they define,
    the package binds the function instead, as ``from rnnkit.charlm import train`` promises
    (the modules stay in ``sys.modules``), as when this package imported its names eagerly.
    """

    def __setattr__(self, name, value):
        if isinstance(value, types.ModuleType) and _HOME.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
