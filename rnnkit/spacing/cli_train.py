"""The ``train`` sub-command of ``python -m rnnkit.spacing``: its options and the run.

The run builds the vocabulary from the first 90 % of the text (the novel, or ``--data``),
trains a :class:`~rnnkit.spacing.model.SpacingModel` on random windows of it
(:func:`rnnkit.spacing.train.train`, behind a tqdm bar unless ``--quiet``) for ``--steps``
optimizer steps or ``--minutes`` of wall-clock time (whichever ends first if both are
given), scores it on the held-out lines (:func:`rnnkit.spacing.evaluate.evaluate_lines`),
and writes ``--out`` atomically (:func:`rnnkit.spacing.checkpoint.save_checkpoint`) with the
log, the command, the text's sha256 and the scores in its ``meta``. ``--out`` is checked
before any work: its folder must exist and be writable, and an existing file is only
replaced with ``--force``. Ctrl-C saves the model as it is, marked ``interrupted``, and
ends with exit status 130.
"""
from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import torch

from rnnkit.data import split_text
from rnnkit.data.spacing import heldout_lines, unspace

from .checkpoint import save_checkpoint
from .cli import PROG, Defaults, positive, print_scores, read_text
from .evaluate import evaluate_lines
from .model import CELLS, SpacingModel, count_parameters, spacing_vocab
from .train import train, training_stream

SCORES = ("precision", "recall", "f1", "exact", "tp", "fp", "fn", "lines", "boundaries", "spaces")


def add_train(sub, common):
    """Add the sub-command ``train`` (with the options in ``common``) to the sub-parsers ``sub``."""
    t = sub.add_parser("train", parents=[common], formatter_class=Defaults,
                       help="train a spacing model and save a checkpoint")
    t.add_argument("--out", metavar="PATH", required=True, help="checkpoint file to write (required)")
    t.add_argument("--force", action="store_true", help="replace an existing --out file")
    t.add_argument("--data", metavar="PATH", help="text file (default: the novel, found by rnnkit.data)")
    t.add_argument("--steps", type=positive(int), help="number of optimizer steps")
    t.add_argument("--minutes", type=positive(float), help="wall-clock training budget")
    t.add_argument("--cell", choices=tuple(CELLS), default="lstm", help="recurrent cell")
    t.add_argument("--embed", type=positive(int), default=64, help="character embedding size")
    t.add_argument("--hidden", type=positive(int), default=128, help="hidden size of each layer and direction")
    t.add_argument("--layers", type=positive(int), default=2, help="stacked recurrent layers")
    t.add_argument("--unidirectional", action="store_true", help="forward RNNs only (not bidirectional)")
    t.add_argument("--residual", action="store_true", help="layers 2.. add their input to their output")
    t.add_argument("--dropout", type=float, default=0.0, help="dropout on embeddings, between layers, before the head")
    t.add_argument("--batch-size", type=positive(int), default=32, help="windows per step")
    t.add_argument("--seq-len", type=positive(int), default=200, help="characters per window")
    t.add_argument("--lr", type=positive(float), default=2e-3, help="peak AdamW learning rate")
    t.add_argument("--weight-decay", type=float, default=0.01, help="AdamW weight decay")
    t.add_argument("--warmup", type=positive(int), default=20, help="warm-up steps")
    t.add_argument("--clip", type=positive(float), default=1.0, help="max global gradient norm")
    t.add_argument("--seed", type=int, default=0, help="seed of the weights and the windows")
    t.add_argument("--log-every", type=positive(int), default=25, help="steps per log entry")
    t.add_argument("--quiet", action="store_true", help="no progress bar")


def check_train_args(parser, args):
    """Refuse, with ``parser.error`` and before any work, a missing budget, bad values or a bad ``--out``."""
    if args.steps is None and args.minutes is None:
        parser.error("train needs a budget: --steps N or --minutes M (or both: whichever ends first)")
    if not 0 <= args.dropout < 1:
        parser.error(f"--dropout must be in [0, 1), got {args.dropout}")
    if args.seed < 0:
        parser.error(f"--seed must be >= 0, got {args.seed}")
    path = Path(args.out)
    if path.is_dir():
        parser.error(f"--out {path} is a folder; give a file name such as {path / 'spacing.pt'}")
    if not path.parent.is_dir():
        parser.error(f"--out {path}: the folder {path.parent} does not exist; create it first")
    if not os.access(path.parent, os.W_OK):
        parser.error(f"--out {path}: the folder {path.parent} is not writable; choose another")
    if path.exists() and not args.force:
        parser.error(f"--out {path} exists; pass --force to replace it, or choose another file")


def _data(args):
    """(vocab, ids, labels, held-out lines, sha256) of the text; ValueError if it is too small."""
    text = read_text(args.data, "train")
    train_text = split_text(text)[0]
    lines = heldout_lines(text)
    chars = unspace(train_text)[0]
    given = f"--data {args.data}" if args.data else "the novel"
    if len(chars) < args.seq_len:
        raise ValueError(f"the training part of {given} has {len(chars):,} characters without spaces, "
                         f"fewer than --seq-len {args.seq_len}; give a longer text or a smaller --seq-len")
    if not lines:
        raise ValueError(f"the held-out part of {given} (its last 10 %) holds no line to score")
    vocab = spacing_vocab(train_text)
    ids, labels = training_stream(train_text, vocab)
    return vocab, ids, labels, lines, hashlib.sha256(text.encode("utf-8")).hexdigest()


def cmd_train(args):
    """Run ``train``: train, score on the held-out lines, save ``--out``. Returns the exit status."""
    vocab, ids, labels, lines, sha = _data(args)
    torch.manual_seed(args.seed)
    config = dict(embed=args.embed, hidden=args.hidden, num_layers=args.layers, cell=args.cell,
                  bidirectional=not args.unidirectional, dropout=args.dropout, residual=args.residual)
    model = SpacingModel(len(vocab), **config)
    print(f"{args.cell.upper()} {args.layers}x{args.hidden} ({'uni' if args.unidirectional else 'bi'}directional"
          f"{', residual' if args.residual else ''}), embed {args.embed}, {count_parameters(model):,} parameters; "
          f"V = {len(vocab)}; {len(ids):,} training characters, {len(lines)} held-out lines", flush=True)
    meta = dict(command=" ".join([PROG, *args.argv]), data_sha256=sha, seed=args.seed,
                threads=torch.get_num_threads(), torch=torch.__version__,
                optim=dict(steps=args.steps, minutes=args.minutes, batch_size=args.batch_size,
                           seq_len=args.seq_len, lr=args.lr, weight_decay=args.weight_decay,
                           warmup=args.warmup, clip=args.clip))
    log = []
    try:
        run = train(model, ids, labels, steps=args.steps, seconds=None if args.minutes is None else 60 * args.minutes,
                    batch_size=args.batch_size, seq_len=args.seq_len, lr=args.lr, weight_decay=args.weight_decay,
                    warmup=args.warmup, clip=args.clip, seed=args.seed, log_every=args.log_every,
                    callback=log.append, progress=not args.quiet)
    except KeyboardInterrupt:
        return _save_interrupted(args, model, vocab, log, meta)
    try:
        scores = evaluate_lines(model, vocab, lines)
    except KeyboardInterrupt:       # during the final scoring: the model is trained, keep it
        return _save_interrupted(args, model, vocab, log, meta)
    meta.update(steps=run["steps"], train_seconds=run["seconds"], heldout={k: scores[k] for k in SCORES})
    path = save_checkpoint(args.out, model, vocab, log=log, meta=meta)
    last = f", last logged loss {log[-1]['loss']:.4f}" if log else ""
    print(f"{run['steps']} steps in {run['seconds']:.1f} s{last}")
    print_scores(scores)
    print(f"saved {path}")
    return 0


def _save_interrupted(args, model, vocab, log, meta):
    """After Ctrl-C: save ``model`` as it is, marked ``interrupted``, say where; exit status 130."""
    meta.update(interrupted=True, interrupted_after_step=log[-1]["step"] if log else 0)
    path = save_checkpoint(args.out, model, vocab, log=log, meta=meta)
    print(f"interrupted after step {meta['interrupted_after_step']} (the last logged); saved {path}",
          file=sys.stderr)
    return 130
