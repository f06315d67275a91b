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
one-line message and exit status 2, not a traceback.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

import torch

from rnnkit.data import load_mujeong, split_text

from .checkpoint import PRECISIONS, SHIPPED, atomic_save, load_checkpoint, save_checkpoint
from .evaluate import evaluate_heldout
from .mixture import load_any, mixture_dict, mixture_from_dict
from .model import CELLS, CharLM, count_parameters
from .sample import check_prompt, sample
from .tokens import TOKENS, build_vocab, jamo_parts, to_tokens


MAX_STREAMS = 256     # evaluate: 32,495 held-out characters make ~127 per stream


def _positive(kind):
    def parse(s):
        try:
            v = kind(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {s!r}") from None
        if not v > 0:
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {s!r}")
        return v
    return parse


class _Defaults(argparse.ArgumentDefaultsHelpFormatter):
    """Show defaults in --help, except None (no default) and on/off flags."""

    def _get_help_string(self, action):
        if action.default is None or action.nargs == 0:
            return action.help
        return super()._get_help_string(action)


def build_parser():
    """The parser of ``python -m rnnkit.charlm``: one sub-command each for train, evaluate, sample, mix."""
    p = argparse.ArgumentParser(prog="python -m rnnkit.charlm",
                                description="Character-level language model of 『무정』 (chapter 07).")
    sub = p.add_subparsers(dest="command", required=True)
    common = _common_options()
    for add in (_add_train, _add_evaluate, _add_sample, _add_mix):
        add(sub, common)
    return p


def _common_options():
    """The options every sub-command takes: checkpoint, text, threads, seed."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--checkpoint", metavar="PATH",
                        help="checkpoint file (evaluate, sample: default the shipped model)")
    common.add_argument("--data", metavar="PATH", help="text file (default: the novel, found by rnnkit.data)")
    common.add_argument("--threads", type=_positive(int), default=None, help="torch CPU threads")
    common.add_argument("--seed", type=int, default=0, help="random seed")
    return common


def _add_train(sub, common):
    t = sub.add_parser("train", parents=[common], formatter_class=_Defaults,
                       help="train a model and save a checkpoint")
    t.add_argument("--force", action="store_true", help="replace an existing --checkpoint file")
    budget = t.add_mutually_exclusive_group(required=True)
    budget.add_argument("--minutes", type=_positive(float), help="wall-clock training budget")
    budget.add_argument("--steps", type=_positive(int), help="number of optimizer steps")
    _model_options(t)
    _optimizer_options(t)
    _output_options(t)


def _model_options(t):
    """train: what the model is (tokens, cell, sizes, regularizers)."""
    t.add_argument("--tokens", choices=TOKENS, default="syllable", help="what one id stands for")
    t.add_argument("--cell", choices=CELLS, default="lstm", help="recurrent cell")
    t.add_argument("--layers", type=_positive(int), default=2, help="stacked recurrent layers")
    t.add_argument("--hidden", type=_positive(int), default=512, help="hidden size H")
    t.add_argument("--embed", type=_positive(int), default=None, help="default: = --hidden (tied)")
    t.add_argument("--no-tie", dest="tie", action="store_false", help="separate output weights")
    t.add_argument("--dropout", type=float, default=0.25, help="dropout probability")
    t.add_argument("--weight-drop", type=float, default=0.0,
                   help="DropConnect probability on the recurrent matrices W_hh")
    t.add_argument("--embed-drop", type=float, default=0.0,
                   help="probability of dropping a character's whole embedding row")
    t.add_argument("--jamo-parts", action="store_true",
                   help="syllable tokens whose vectors add shared 자모 part vectors")


def _optimizer_options(t):
    """train: AdamW, its schedule, and the streams of truncated BPTT."""
    t.add_argument("--lr", type=_positive(float), default=3e-3, help="peak AdamW learning rate")
    t.add_argument("--weight-decay", type=float, default=0.01, help="AdamW decay of the matrices")
    t.add_argument("--warmup", type=int, default=100, help="warm-up steps")
    t.add_argument("--clip", type=_positive(float), default=1.0, help="max global gradient norm")
    t.add_argument("--batch-size", type=_positive(int), default=32, help="parallel streams B")
    t.add_argument("--seq-len", type=_positive(int), default=128, help="window length T of truncated BPTT")


def _output_options(t):
    """train: evaluations and their log, bfloat16, and how the checkpoint is stored."""
    t.add_argument("--eval-every", type=_positive(int), default=200,
                   help="steps between held-out evaluations (each saves the checkpoint)")
    t.add_argument("--log-prompt", default="형식은",
                   help="prompt of the sample stored in the log at every evaluation")
    t.add_argument("--log-sample-length", type=int, default=100,
                   help="tokens of that sample (0: none)")
    t.add_argument("--bf16", action="store_true",
                   help="train in bfloat16 autocast (faster on CPUs with AVX-512 BF16)")
    t.add_argument("--precision", choices=PRECISIONS, default="float32",
                   help="how the checkpoint stores the weights: float16 is half the file, int8 "
                        "(one scale per matrix row) a quarter, int4 (one scale per 128 entries) an eighth")
    t.add_argument("--half", action="store_const", dest="precision", const="float16",
                   help="the same as --precision float16")
    t.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_evaluate(sub, common):
    e = sub.add_parser("evaluate", parents=[common], formatter_class=_Defaults,
                       help="held-out bits per character")
    e.add_argument("--streams", type=_positive(int), default=16,
                   help=f"pieces scored in parallel (at most {MAX_STREAMS})")
    e.add_argument("--dynamic", action="store_true", help="also report dynamic evaluation")
    e.add_argument("--dynamic-lr", type=_positive(float), default=0.1)


def _add_sample(sub, common):
    s = sub.add_parser("sample", parents=[common], formatter_class=_Defaults,
                       help="generate text from a prompt")
    s.add_argument("--prompt", default="형식은", help="text to continue")
    s.add_argument("--length", type=int, default=300, help="tokens to generate")
    s.add_argument("--temperature", type=float, default=0.8, help="0 = greedy")
    s.add_argument("--top-k", type=_positive(int), default=None, help="sample among the k likeliest")


def _add_mix(sub, common):
    m = sub.add_parser("mix", parents=[common], formatter_class=_Defaults,
                       help="average trained models (and an n-gram) into one mixture file")
    m.add_argument("members", nargs="+", metavar="MODEL", help="checkpoints of the models to mix")
    m.add_argument("--force", action="store_true", help="replace an existing --checkpoint file")
    m.add_argument("--ngram", type=int, default=5,
                   help="order of a Kneser-Ney n-gram member counted from the training text (0: none)")
    m.add_argument("--discount", type=float, default=0.75, help="the n-gram's discount d, in (0, 1]")
    m.add_argument("--weights", type=float, nargs="+", default=None,
                   help="one weight per member, the n-gram last (default: all equal)")
    m.add_argument("--precision", choices=PRECISIONS, default="int4",
                   help="how the file stores each model's weights")


def _text(args):
    """--data as UTF-8 text (any file; universal newlines), else the verified novel."""
    if args.data is None:
        return load_mujeong()
    with open(args.data, encoding="utf-8") as f:
        text = f.read()
    if len(text) < 20:
        raise ValueError(f"{args.data}: {len(text)} characters is too short to split into "
                         f"training and held-out text")
    return text


def cmd_train(args):
    text = _text(args)
    train_text, valid_text = split_text(text)
    vocab = build_vocab(text, args.tokens)
    train_ids = vocab.encode(to_tokens(train_text, args.tokens))
    if args.log_sample_length > 0:
        check_prompt(args.log_prompt, vocab, args.tokens)     # fail now, not at the first evaluation
    embed = args.embed or args.hidden
    torch.manual_seed(args.seed)
    model = CharLM(len(vocab), cell=args.cell, embed=embed, hidden=args.hidden, layers=args.layers,
                   dropout=args.dropout, tie=args.tie and embed == args.hidden,
                   weight_drop=args.weight_drop, embed_drop=args.embed_drop,
                   parts=jamo_parts(vocab.chars) if args.jamo_parts else None)
    print(f"{args.cell.upper()} {args.layers}x{args.hidden}, embed {embed}, tied {model.config['tie']}, "
          f"{count_parameters(model):,} parameters; V = {len(vocab)} {args.tokens} tokens; "
          f"train {len(train_text):,} / held-out {len(valid_text):,} characters")
    meta = dict(command=" ".join(["python -m rnnkit.charlm", *args.argv]),
                data_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), seed=args.seed,
                threads=torch.get_num_threads(),
                optim=dict(lr=args.lr, weight_decay=args.weight_decay, warmup=args.warmup, clip=args.clip,
                           batch_size=args.batch_size, seq_len=args.seq_len, minutes=args.minutes, steps=args.steps,
                           bf16=args.bf16))

    def eval_fn(m):
        return evaluate_heldout(m, vocab, args.tokens, train_text, valid_text)["bits_per_token"]

    def on_eval(m, log):
        # what the model writes at this point of training (chapter 07 shows these)
        if args.log_sample_length > 0:
            log[-1]["sample"] = sample(m, vocab, args.log_prompt, args.log_sample_length,
                                       temperature=0.8, tokens=args.tokens, seed=args.seed)
        save_checkpoint(args.checkpoint, m, vocab, tokens=args.tokens, log=log, meta=meta,
                        precision=args.precision)

    from .train import train
    log = train(model, train_ids, steps=args.steps, minutes=args.minutes, batch_size=args.batch_size,
                seq_len=args.seq_len, lr=args.lr, weight_decay=args.weight_decay, warmup=args.warmup,
                clip=args.clip, bf16=args.bf16, eval_every=args.eval_every, eval_fn=eval_fn, on_eval=on_eval,
                seed=args.seed, progress=not args.quiet)
    result = evaluate_heldout(model, vocab, args.tokens, train_text, valid_text)
    meta["heldout"] = result
    meta["precision"] = args.precision
    if args.precision != "float32":       # the number a reader of the stored file will reproduce
        meta["heldout_float32_bits_per_char"] = result["bits_per_char"]
        model, vocab, _ = load_checkpoint(save_checkpoint(args.checkpoint, model, vocab, tokens=args.tokens,
                                                          log=log, meta=meta, precision=args.precision))
        result = evaluate_heldout(model, vocab, args.tokens, train_text, valid_text)
        meta["heldout"] = result
    save_checkpoint(args.checkpoint, model, vocab, tokens=args.tokens, log=log, meta=meta,
                    precision=args.precision)
    for r in log:
        print(f"step {r['step']:6d}  {r['seconds']:8.1f} s  lr {r['lr']:.2e}  "
              f"train {r['train_bpc']:.4f}  held-out {r['valid_bpc']:.4f} bits/token")
    _print_result(result, args.tokens)
    print(f"saved {args.checkpoint}")


def _print_result(r, tokens):
    unit = "bits per character" if tokens == "syllable" else "bits per syllable (character)"
    print(f"held-out: {r['bits_per_char']:.4f} {unit} over {r['chars']:,} characters"
          + (f" ({r['bits_per_token']:.4f} bits per jamo token)" if tokens == "jamo" else ""))
    if "dynamic_bits_per_char" in r:
        print(f"dynamic evaluation (SGD lr {r['dynamic_lr']}, segments of {r['dynamic_segment']}): "
              f"{r['dynamic_bits_per_char']:.4f} {unit}")


def _load(args, need_text):
    """The model of --checkpoint (one model or a mixture) and, if needed, the text.

    The file is read first, so a bad file is reported without looking for the novel; the
    text is read when ``need_text`` or when a mixture's n-gram member needs to be counted.
    """
    text = None

    def train_text():
        nonlocal text
        text = _text(args)
        return split_text(text)[0]

    model, vocab, ckpt = load_any(args.checkpoint, train_text)
    if need_text and text is None:
        text = _text(args)
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
    _print_result(r, ckpt["tokens"])


def cmd_sample(args):
    model, vocab, ckpt, _ = _load(args, need_text=False)
    out = sample(model, vocab, args.prompt, args.length, temperature=args.temperature,
                 top_k=args.top_k, tokens=ckpt["tokens"], seed=args.seed, include_prompt=True)
    print(out)


def cmd_mix(args):
    text = _text(args)
    train_text, valid_text = split_text(text)
    loaded = [load_checkpoint(path) for path in args.members]
    _, vocab, first = loaded[0]
    for path, (_, v, ckpt) in zip(args.members[1:], loaded[1:]):
        if v != vocab or ckpt["tokens"] != first["tokens"]:
            raise ValueError(f"{path} reads another vocabulary or token kind than {args.members[0]}; "
                             f"only models of the same text and tokens can be mixed")
    tokens = first["tokens"]
    ngram = dict(order=args.ngram, discount=args.discount, kneser_ney=True) if args.ngram else None
    meta = dict(command=" ".join(["python -m rnnkit.charlm", *args.argv]), members=list(args.members),
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
    _print_result(stored["meta"]["heldout"], tokens)
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
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.command == "train":
        for flag in ("dropout", "weight_drop", "embed_drop"):
            if not 0 <= getattr(args, flag) < 1:
                parser.error(f"--{flag.replace('_', '-')} must be in [0, 1), got {getattr(args, flag)}")
    if args.command == "train" and args.log_sample_length < 0:
        parser.error(f"--log-sample-length must be >= 0, got {args.log_sample_length}")
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
        {"train": cmd_train, "evaluate": cmd_evaluate, "sample": cmd_sample,
         "mix": cmd_mix}[args.command](args)
    except (OSError, ValueError) as err:      # bad input, not a bug: one line, no traceback
        print(f"{parser.prog} {args.command}: error: {' '.join(str(err).split())}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
