"""Command line for chapter 07's character LM on 『무정』.

    python -m rnnkit.charlm train    --minutes 10 --checkpoint mujeong.pt [model and optimizer options]
    python -m rnnkit.charlm evaluate --checkpoint mujeong.pt [--dynamic]
    python -m rnnkit.charlm sample   --checkpoint mujeong.pt --prompt 형식은 --temperature 0.8
    python -m rnnkit.charlm sample   --prompt 형식은        # the model shipped with rnnkit
    python -m rnnkit.charlm mix      a.pt b.pt --ngram 5 --checkpoint mixture.pt

The text comes from ``--data PATH``, else from where :func:`rnnkit.data.load_mujeong`
finds it (``$RNNKIT_MUJEONG``, the cache, a download). Any text file works with
``--data`` (read as UTF-8, not checked against the novel's sha256): the standard split
(first 90% / last 10%) is applied to it. Problems with
the input (a missing file, a bad checkpoint, unknown prompt characters) end with a
one-line message and exit status 2, not a traceback. Ctrl-C during ``train`` saves the
model as it is, says where, and exits with status 130. ``sample`` of the shipped model
works without the novel: its n-gram member is then left out, with a one-line note.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

import torch

from rnnkit.data import split_text

from .checkpoint import PRECISIONS, SHIPPED, atomic_save, load_checkpoint
from .cli import PROG, Defaults, positive, print_result, read_text
from .cli_train import WRITE, add_train, check_train_args, cmd_train
from .evaluate import evaluate_heldout
from .mixture import NgramTextMismatch, load_any, mixture_dict, mixture_from_dict
from .sample import sample
from .tokens import to_tokens


MAX_STREAMS = 256     # evaluate: 32,495 held-out characters make ~127 per stream


def build_parser():
    """The parser of ``python -m rnnkit.charlm``: one sub-command each for train, evaluate, sample, mix."""
    p = argparse.ArgumentParser(prog=PROG,
                                description="Character-level language model of 『무정』 (chapter 07).")
    sub = p.add_subparsers(dest="command", required=True)
    common = _common_options()
    for add in (add_train, _add_evaluate, _add_sample, _add_mix):
        add(sub, common)
    return p


def _common_options():
    """The options every sub-command takes: text, threads, seed (``--checkpoint`` differs: see READ, WRITE)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data", metavar="PATH", help="text file (default: the novel, found by rnnkit.data)")
    common.add_argument("--threads", type=positive(int), default=None, help="torch CPU threads")
    common.add_argument("--seed", type=int, default=0, help="random seed")
    return common


READ = "file to read (default: the model shipped with rnnkit, rnnkit/checkpoints/charlm_mujeong.pt)"


def _add_evaluate(sub, common):
    e = sub.add_parser("evaluate", parents=[common], formatter_class=Defaults,
                       help="held-out bits per character")
    e.add_argument("--checkpoint", metavar="PATH", help=READ)
    e.add_argument("--streams", type=positive(int), default=16,
                   help=f"pieces scored in parallel (at most {MAX_STREAMS})")
    e.add_argument("--dynamic", action="store_true", help="also report dynamic evaluation")
    e.add_argument("--dynamic-lr", type=positive(float), default=0.1,
                   help="learning rate of the SGD steps of dynamic evaluation (with --dynamic)")


SAMPLE_HELP = ("Generate text from a prompt. The shipped model averages three LSTMs and a Kneser-Ney "
               "5-gram that is counted from the novel when the model is loaded. Without the novel (no "
               "--data, no $RNNKIT_MUJEONG, no cached copy, no download), sample leaves the 5-gram out, "
               "uses the LSTMs alone and says so in one line; evaluate needs the text.")


def _add_sample(sub, common):
    s = sub.add_parser("sample", parents=[common], formatter_class=Defaults,
                       help="generate text from a prompt", description=SAMPLE_HELP)
    s.add_argument("--checkpoint", metavar="PATH", help=READ)
    s.add_argument("--prompt", default="형식은", help="text to continue")
    s.add_argument("--length", type=int, default=300, help="tokens to generate")
    s.add_argument("--temperature", type=float, default=0.8, help="0 = greedy")
    s.add_argument("--top-k", type=positive(int), default=None, help="sample among the k likeliest")


def _add_mix(sub, common):
    m = sub.add_parser("mix", parents=[common], formatter_class=Defaults,
                       help="average trained models (and an n-gram) into one mixture file")
    m.add_argument("members", nargs="+", metavar="MODEL", help="checkpoints of the models to mix")
    m.add_argument("--checkpoint", metavar="PATH", help=WRITE + " the mixture to (required)")
    m.add_argument("--force", action="store_true", help="replace an existing --checkpoint file")
    m.add_argument("--ngram", type=int, default=5,
                   help="order of a Kneser-Ney n-gram member counted from the training text (0: none)")
    m.add_argument("--discount", type=float, default=0.75, help="the n-gram's discount d, in (0, 1]")
    m.add_argument("--weights", type=float, nargs="+", default=None,
                   help="one weight per member, the n-gram last (default: all equal)")
    m.add_argument("--precision", choices=PRECISIONS, default="int4",
                   help="how the file stores each model's weights")


class _NoNovel(Exception):
    """sample: the novel, which a mixture's n-gram member is counted from, cannot be found."""


def _load(args, need_text):
    """The model of --checkpoint (one model or a mixture) and, if needed, the text.

    The file is read first, so a bad file is reported without looking for the novel; the
    text is read when ``need_text`` or when a mixture's n-gram member needs to be counted.
    Without ``need_text`` (sample) and without --data, a novel that cannot be found
    (not at $RNNKIT_MUJEONG, not cached, no download) leaves the n-gram member out, with
    a one-line note.
    """
    text = None

    def train_text():
        nonlocal text
        try:
            text = read_text(args.data)
        except OSError as err:     # FileNotFoundError, DownloadError, an unwritable cache
            if need_text or args.data is not None:
                raise
            raise _NoNovel() from err
        return split_text(text)[0]

    try:
        model, vocab, ckpt = load_any(args.checkpoint, train_text)
    except NgramTextMismatch:
        if args.data is None:
            raise
        raise ValueError(f"{args.checkpoint} was made from another text than --data {args.data}: its n-gram "
                         f"member is counted from the text the mixture was trained on; give that text "
                         f"(leave --data out for the novel), or a checkpoint trained on {args.data}") from None
    except _NoNovel:
        model, vocab, ckpt = load_any(args.checkpoint, skip_ngram=True)
        print(f"note: the Kneser-Ney {ckpt['ngram']['order']}-gram member of {args.checkpoint} was left out "
              f"because the novel was not found; sampling from its {len(model.members)} neural models "
              f"alone (give the text with --data PATH or RNNKIT_MUJEONG=PATH to use the whole model)",
              file=sys.stderr)
    if need_text and text is None:
        text = read_text(args.data)
    return model, vocab, ckpt, text


def _check_same_text(args, ckpt, vocab, text):
    """evaluate: a text the model cannot read, because it was trained on another, is named as such."""
    trained_on = ckpt.get("meta", {}).get("data_sha256")
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    unknown = set(to_tokens(text, ckpt["tokens"])).difference(vocab.chars)
    if trained_on and trained_on != sha and unknown:
        given = args.data or "the novel 『무정』"
        raise ValueError(f"{args.checkpoint} was trained on another text (sha256 {trained_on[:12]}…) than "
                         f"{given} (sha256 {sha[:12]}…), which has {len(unknown)} character(s) the model "
                         f"has never seen; pass the text it was trained on with --data PATH")


def cmd_evaluate(args):
    model, vocab, ckpt, text = _load(args, need_text=True)
    _check_same_text(args, ckpt, vocab, text)
    train_text, valid_text = split_text(text)
    r = evaluate_heldout(model, vocab, ckpt["tokens"], train_text, valid_text, streams=args.streams,
                         dynamic=args.dynamic, dynamic_lr=args.dynamic_lr)
    print_result(r, ckpt["tokens"])


def cmd_sample(args):
    model, vocab, ckpt, _ = _load(args, need_text=False)
    out = sample(model, vocab, args.prompt, args.length, temperature=args.temperature,
                 top_k=args.top_k, tokens=ckpt["tokens"], seed=args.seed, include_prompt=True)
    print(out)


def cmd_mix(args):
    text = read_text(args.data)
    train_text, valid_text = split_text(text)
    loaded = [load_checkpoint(path) for path in args.members]
    _, vocab, first = loaded[0]
    for path, (_, v, ckpt) in zip(args.members[1:], loaded[1:]):
        if v != vocab or ckpt["tokens"] != first["tokens"]:
            raise ValueError(f"{path} reads another vocabulary or token kind than {args.members[0]}; "
                             f"only models of the same text and tokens can be mixed")
    tokens = first["tokens"]
    ngram = dict(order=args.ngram, discount=args.discount, kneser_ney=True) if args.ngram else None
    meta = dict(command=" ".join([PROG, *args.argv]), members=list(args.members),
                data_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), precision=args.precision)
    stored = mixture_dict([m for m, _, _ in loaded], vocab, weights=args.weights, ngram=ngram,
                          train_text=train_text, tokens=tokens, logs=[c["log"] for _, _, c in loaded],
                          metas=[c["meta"] for _, _, c in loaded], meta=meta, precision=args.precision)
    mixture, vocab, _ = mixture_from_dict(stored, args.checkpoint, train_text)   # the weights as stored
    names = [*args.members] + ([f"Kneser-Ney {args.ngram}-gram (d = {args.discount})"] if ngram else [])
    parts = []
    for name, w, member in zip(names, mixture.weights, mixture.members):
        bpc = evaluate_heldout(member, vocab, tokens, train_text, valid_text)["bits_per_char"]
        parts.append(dict(name=name, weight=w, heldout_bits_per_char=bpc))
        print(f"weight {w:.3f}  held-out {bpc:.4f} bits per character  {name}")
    stored["meta"].update(parts=parts, heldout=evaluate_heldout(mixture, vocab, tokens, train_text, valid_text))
    atomic_save(stored, args.checkpoint)
    print_result(stored["meta"]["heldout"], tokens)
    print(f"saved {args.checkpoint}")


def _check_destination(parser, args):
    """train, mix: refuse, before any work, a --checkpoint that cannot or should not be written."""
    path = Path(args.checkpoint)
    folder = path.parent
    if path.is_dir():
        parser.error(f"--checkpoint {path} is a folder; give a file name such as {path / 'model.pt'}")
    if not folder.is_dir():
        parser.error(f"--checkpoint {path}: the folder {folder} does not exist; create it first")
    if not os.access(folder, os.W_OK):
        parser.error(f"--checkpoint {path}: the folder {folder} is not writable; choose another")
    if path.exists() and not args.force:
        parser.error(f"--checkpoint {path} exists; pass --force to replace it, or choose another file")


def main(argv=None):
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    args.argv = argv
    if args.checkpoint is None:
        if args.command in ("train", "mix"):
            parser.error(f"{args.command} needs --checkpoint PATH (where to save the model)")
        args.checkpoint = str(SHIPPED)
    if args.command in ("train", "mix"):
        _check_destination(parser, args)
    elif Path(args.checkpoint).is_dir():
        parser.error(f"--checkpoint {args.checkpoint} is a folder; give the checkpoint file")
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.command == "train":
        check_train_args(parser, args)
    if args.command == "mix" and not 0 <= args.ngram <= 9:
        parser.error(f"--ngram must be an order from 1 to 9, or 0 for none, got {args.ngram}")
    if args.command == "mix" and not 0 < args.discount <= 1:
        parser.error(f"--discount must be in (0, 1], got {args.discount}")
    if args.command == "evaluate" and args.streams > MAX_STREAMS:
        parser.error(f"--streams must be at most {MAX_STREAMS}, got {args.streams}: each stream first "
                     f"runs its warm-up context, so more streams only add work")
    if args.command == "sample" and (args.length < 0 or args.temperature < 0):
        parser.error("--length and --temperature must be >= 0")
    try:
        return {"train": cmd_train, "evaluate": cmd_evaluate, "sample": cmd_sample,
                "mix": cmd_mix}[args.command](args) or 0
    except (OSError, ValueError) as err:      # bad input, not a bug: one line, no traceback
        print(f"{parser.prog} {args.command}: error: {' '.join(str(err).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:                 # Ctrl-C where there is nothing to save
        print(f"{parser.prog} {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
