"""Chapter 07: character-level language models of 『무정』 in PyTorch.

- :mod:`~rnnkit.charlm.model` - :class:`CharLM`: embedding, LSTM/GRU layers, output layer.
- :mod:`~rnnkit.charlm.train` - :func:`train`: truncated BPTT over contiguous streams, AdamW.
- :mod:`~rnnkit.charlm.evaluate` - held-out bits per character, static and dynamic.
- :mod:`~rnnkit.charlm.sample` - temperature / top-k sampling from a Korean prompt.
- :mod:`~rnnkit.charlm.checkpoint` - one-file checkpoints, saved atomically, checked on load.
- :mod:`~rnnkit.charlm.mixture` - :class:`MixtureLM`: averaged probabilities of several models.
- :mod:`~rnnkit.charlm.numpy_baseline` - post 003's numpy LSTM, the baseline to beat.
- :mod:`~rnnkit.charlm.stats` - the chapter's numbers: text statistics, embedding neighbours, results, temperature.

Command line: ``python -m rnnkit.charlm train | evaluate | sample | mix --help``.
"""
from .checkpoint import load_checkpoint, save_checkpoint
from .evaluate import dynamic_bits, evaluate_heldout, heldout_ids, token_bits, total_bits
from .mixture import MixtureLM, NgramLM, load_any, load_mixture, mixture_bits, save_mixture
from .model import CharLM, count_parameters, detach_state
from .sample import sample
from .tokens import build_vocab, from_tokens, to_tokens
from .train import lr_at, train

__all__ = ["CharLM", "count_parameters", "detach_state", "train", "lr_at", "total_bits", "token_bits",
           "dynamic_bits", "evaluate_heldout", "heldout_ids", "sample", "save_checkpoint", "load_checkpoint",
           "build_vocab", "to_tokens", "from_tokens", "MixtureLM", "NgramLM", "save_mixture",
           "load_mixture", "load_any", "mixture_bits"]
