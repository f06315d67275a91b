"""``python -m rnnkit.spacing``: the parser, the sub-commands ``space`` and ``evaluate``, and ``main``.

See :mod:`rnnkit.spacing.cli` for what each sub-command does, and
:mod:`rnnkit.spacing.cli_train` for ``train``. Without a sub-command the arguments are
those of ``space``: ``python -m rnnkit.spacing 아버지가방에들어가신다``.
"""
from __future__ import annotations

import argparse
import hashlib
import sys

import torch

from rnnkit.data.spacing import heldout_lines

from .checkpoint import SHIPPED
from .cli import PROG, Defaults, input_text, load_model, positive, print_scores, read_text, spaced_lines
from .cli_train import add_train, check_train_args, cmd_train
from .evaluate import evaluate_lines

COMMANDS = ("space", "evaluate", "train")


def build_parser():
    """The parser: sub-commands ``space`` (the default when none is named), ``evaluate``, ``train``."""
    p = argparse.ArgumentParser(prog=PROG, description="Restore the spaces of Korean text (chapter 08). "
                                "Without a sub-command, the arguments are those of `space`.")
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--threads", type=positive(int), default=1, help="torch CPU threads")
    read = argparse.ArgumentParser(add_help=False)
    read.add_argument("--checkpoint", metavar="PATH", default=None,
                      help=f"model to use (default: the one shipped with rnnkit, {SHIPPED.name})")
    read.add_argument("--threshold", type=float, default=0.5, help="a space where P(space) > this")
    s = sub.add_parser("space", parents=[common, read], formatter_class=Defaults,
                       help="print text with its spaces restored (the default)")
    s.add_argument("text", nargs="*", help="the text (default: --file, else standard input)")
    s.add_argument("--file", metavar="PATH", help="read the text from this UTF-8 file")
    s.add_argument("--probs", action="store_true",
                   help="after each line, P(space) after each character: 가=0.973 방=0.002 ...")
    e = sub.add_parser("evaluate", parents=[common, read], formatter_class=Defaults,
                       help="held-out precision, recall, F1 and exact lines")
    e.add_argument("--data", metavar="PATH", help="text file (default: the novel, found by rnnkit.data)")
    add_train(sub, common)
    return p


def cmd_space(args):
    """``space``: print the text of the arguments, ``--file`` or standard input with its spaces."""
    text = input_text(args)
    model, vocab, _ = load_model(args)
    print("\n".join(spaced_lines(model, vocab, text, args.threshold, args.probs)))


def cmd_evaluate(args):
    """``evaluate``: print the held-out scores of the model on the novel, or on ``--data``."""
    model, vocab, ckpt = load_model(args)
    text = read_text(args.data, "evaluate")
    trained_on = ckpt["meta"].get("data_sha256")
    if trained_on and trained_on != hashlib.sha256(text.encode("utf-8")).hexdigest():
        print(f"note: the model was trained on another text (sha256 {trained_on[:12]}…) than the one "
              f"scored here", file=sys.stderr)
    lines = heldout_lines(text)
    if not lines:
        raise ValueError("the held-out part of the text (its last 10 %) holds no line to score")
    print_scores(evaluate_lines(model, vocab, lines, args.threshold))


def main(argv=None):
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] not in COMMANDS + ("-h", "--help"):
        argv = ["space", *argv]
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = argv
    if args.command != "train" and not 0 < args.threshold < 1:
        parser.error(f"--threshold must be in (0, 1), got {args.threshold}")
    if args.command == "train":
        check_train_args(parser, args)
    torch.set_num_threads(args.threads)
    try:
        return {"space": cmd_space, "evaluate": cmd_evaluate, "train": cmd_train}[args.command](args) or 0
    except (OSError, ValueError) as err:      # bad input, not a bug: one line, no traceback
        print(f"{PROG} {args.command}: error: {' '.join(str(err).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
