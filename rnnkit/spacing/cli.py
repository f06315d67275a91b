"""Pieces shared by the sub-commands of ``python -m rnnkit.spacing`` (chapter 08's spacing model).

    python -m rnnkit.spacing 아버지가방에들어가신다          # space (the default sub-command)
    python -m rnnkit.spacing space --file text.txt --probs
    echo 아버지가방에들어가신다 | python -m rnnkit.spacing
    python -m rnnkit.spacing evaluate                      # held-out scores on the book's split
    python -m rnnkit.spacing train --steps 4000 --out my_spacing.pt

``space`` reads the text given as arguments (joined by spaces), else ``--file PATH``, else
standard input (:func:`input_text`), and prints it line by line with the spaces the model
predicts (:func:`spaced_lines`): the spaces the text already has are removed first (any
run of whitespace inside a line is a space to restore) and every boundary is decided
again. Characters the model never saw come through unchanged (read as ``UNK``).
``--probs`` adds, after each line, the probability of a space after every character but
the last, as ``character=probability`` pairs separated by spaces.

``evaluate`` scores the model by the protocol of :mod:`rnnkit.data.spacing` on the held-out
lines of the novel, found by :func:`rnnkit.data.mujeong.load_mujeong` (``$RNNKIT_MUJEONG``,
the cache, a download), or of ``--data PATH`` (:func:`read_text`), and prints them
(:func:`print_scores`). ``train`` is :mod:`rnnkit.spacing.cli_train`.

Without ``--checkpoint`` the model is the one shipped with rnnkit,
``rnnkit/checkpoints/spacing_mujeong.pt`` (:data:`~rnnkit.spacing.checkpoint.SHIPPED`); if it has
not been made yet, ``space`` and ``evaluate`` say so and give :data:`SHIPPED_COMMAND`
(:func:`load_model`). Problems with the input (no text, a missing or bad checkpoint, no
novel) end with a one-line message and exit status 2, not a traceback. The parser and
``main`` are in ``rnnkit/spacing/__main__.py``.
"""
from __future__ import annotations

import sys

from rnnkit.cliargs import Defaults, positive  # noqa: F401  (re-exported for the subcommands)
from rnnkit.data import load_mujeong
from rnnkit.data.spacing import respace, unspace

from .checkpoint import SHIPPED, load_checkpoint
from .model import line_probabilities

PROG = "python -m rnnkit.spacing"
#: The command that makes the shipped model (rnnkit/checkpoints/README.md gives its time).
SHIPPED_COMMAND = (f"{PROG} train --steps 4000 --embed 64 --hidden 128 --layers 2 --dropout 0.2 "
                   f"--threads 1 --out rnnkit/checkpoints/{SHIPPED.name}")


def read_text(data, command, flag="--data"):
    """The text of the UTF-8 file ``data`` (universal newlines, named ``flag`` in errors), or if None the novel.

    The novel comes from :func:`rnnkit.data.mujeong.load_mujeong`; if it cannot be found, a
    ValueError says that ``command`` needs it and how to give it.
    """
    if data is not None:
        with open(data, encoding="utf-8", newline=None) as f:
            try:
                return f.read()
            except UnicodeDecodeError as err:
                raise ValueError(f"{flag} {data} is not UTF-8 text ({err.reason} at byte {err.start:,}); "
                                 f"save it as UTF-8") from None
    try:
        return load_mujeong(progress=False)
    except OSError as err:        # FileNotFoundError, DownloadError, CacheDirError
        reason = " ".join(str(err).split()).split(". ")[0].rstrip(".")     # the loader's first sentence
        raise ValueError(f"{command} needs the novel 『무정』 and rnnkit.data could not find it ({reason}); "
                         f"set RNNKIT_MUJEONG=/path/to/mujeong.txt, or give --data PATH") from None


def load_model(args):
    """(model, vocab, ckpt) of ``--checkpoint``; the shipped file, if missing, is named with its command."""
    if args.checkpoint is None:
        if not SHIPPED.is_file():
            raise FileNotFoundError(f"the book's spacing model {SHIPPED} has not been made yet; make it with "
                                    f"`{SHIPPED_COMMAND}`, or pass --checkpoint PATH of a model you trained")
        return load_checkpoint(SHIPPED)
    return load_checkpoint(args.checkpoint)


def input_text(args):
    """The text to space: the arguments, else ``--file``, else standard input; ValueError if it is empty."""
    if args.text and args.file:
        raise ValueError("give the text as arguments or with --file PATH, not both")
    if args.file:
        text, where = read_text(args.file, "space", "--file"), f"--file {args.file}"
    elif args.text:
        text, where = " ".join(args.text), "the arguments"
    elif sys.stdin is None or sys.stdin.isatty():
        raise ValueError("no text to space: give it as an argument, with --file PATH, or on standard input")
    else:
        text, where = sys.stdin.read(), "standard input"
    if not text.strip():
        raise ValueError(f"no text to space: {where} held only whitespace; give the text as an argument, "
                         f"with --file PATH, or on standard input")
    return text[:-1] if text.endswith("\n") else text


def spaced_lines(model, vocab, text, threshold=0.5, probs=False):
    """The output lines of ``space`` for ``text``: each line respaced, with ``probs`` its probabilities."""
    chars = [unspace(line)[0] for line in text.split("\n")]
    out = []
    for c, p in zip(chars, line_probabilities(model, vocab, chars)):
        out.append(respace(c, p > threshold))
        if probs:
            out.append(" ".join(f"{ch}={q:.3f}" for ch, q in zip(c[:-1], p[:-1])))
    return out


def print_scores(s):
    """Print the scores of :func:`rnnkit.data.spacing.score_system` in two lines."""
    print(f"held-out: {s['lines']} lines, {s['boundaries']:,} boundaries, {s['spaces']:,} spaces")
    print(f"precision {s['precision']:.4f}  recall {s['recall']:.4f}  F1 {s['f1']:.4f}  "
          f"exact lines {s['exact']:.4f} ({round(s['exact'] * s['lines'])} of {s['lines']})")
