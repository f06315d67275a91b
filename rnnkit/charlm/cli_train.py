"""The ``train`` sub-command of ``python -m rnnkit.charlm``: its options and the run.

The run trains a :class:`~rnnkit.charlm.model.CharLM` (:func:`rnnkit.charlm.train.train`) on
the first 90 % of the text, saves ``--checkpoint`` at every held-out evaluation and at the
end, and prints the log and the held-out score of the weights as stored. Ctrl-C saves
the model as it is at that step (its ``meta`` marked ``interrupted``), says where, and
ends with exit status 130.
"""
from __future__ import annotations

import hashlib
import sys

import torch

from rnnkit.data import split_text

from .checkpoint import PRECISIONS, load_checkpoint, save_checkpoint
from .cli import PROG, Defaults, positive, print_result, read_text
from .evaluate import evaluate_heldout
from .model import CELLS, CharLM, count_parameters
from .sample import check_prompt, sample
from .tokens import TOKENS, build_vocab, jamo_parts, to_tokens


WRITE = "file to write"


def add_train(sub, common):
    """Add the sub-command ``train`` (with the options in ``common``) to the sub-parsers ``sub``."""
    t = sub.add_parser("train", parents=[common], formatter_class=Defaults,
                       help="train a model and save a checkpoint")
    t.add_argument("--checkpoint", metavar="PATH", help=WRITE + " (required): saved at every evaluation, at the end, and on Ctrl-C")
    t.add_argument("--force", action="store_true", help="replace an existing --checkpoint file")
    budget = t.add_mutually_exclusive_group(required=True)
    budget.add_argument("--minutes", type=positive(float), help="wall-clock training budget")
    budget.add_argument("--steps", type=positive(int), help="number of optimizer steps")
    _model_options(t)
    _optimizer_options(t)
    _output_options(t)


def _model_options(t):
    """train: what the model is (tokens, cell, sizes, regularizers)."""
    t.add_argument("--tokens", choices=TOKENS, default="syllable", help="what one id stands for")
    t.add_argument("--cell", choices=CELLS, default="lstm", help="recurrent cell")
    t.add_argument("--layers", type=positive(int), default=2, help="stacked recurrent layers")
    t.add_argument("--hidden", type=positive(int), default=512, help="hidden size H")
    t.add_argument("--embed", type=positive(int), default=None, help="default: = --hidden (tied)")
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
    t.add_argument("--lr", type=positive(float), default=3e-3, help="peak AdamW learning rate")
    t.add_argument("--weight-decay", type=float, default=0.01, help="AdamW decay of the matrices")
    t.add_argument("--warmup", type=int, default=100, help="warm-up steps")
    t.add_argument("--clip", type=positive(float), default=1.0, help="max global gradient norm")
    t.add_argument("--batch-size", type=positive(int), default=32, help="parallel streams B")
    t.add_argument("--seq-len", type=positive(int), default=128, help="window length T of truncated BPTT")


def _output_options(t):
    """train: evaluations and their log, bfloat16, and how the checkpoint is stored."""
    t.add_argument("--eval-every", type=positive(int), default=200,
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


def check_train_args(parser, args):
    """Refuse, with ``parser.error``, option values of ``train`` out of their range."""
    for flag in ("dropout", "weight_drop", "embed_drop"):
        if not 0 <= getattr(args, flag) < 1:
            parser.error(f"--{flag.replace('_', '-')} must be in [0, 1), got {getattr(args, flag)}")
    if args.log_sample_length < 0:
        parser.error(f"--log-sample-length must be >= 0, got {args.log_sample_length}")


def cmd_train(args):
    """Run ``train`` with the parsed ``args``: train, evaluate, save ``--checkpoint``.

    Returns the exit status: 0, or 130 after Ctrl-C, with the model saved as it was then.
    """
    text = read_text(args.data)
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
    meta = dict(command=" ".join([PROG, *args.argv]),
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

    from .train import TrainingInterrupted, train
    try:
        log = train(model, train_ids, steps=args.steps, minutes=args.minutes, batch_size=args.batch_size,
                    seq_len=args.seq_len, lr=args.lr, weight_decay=args.weight_decay, warmup=args.warmup,
                    clip=args.clip, bf16=args.bf16, eval_every=args.eval_every, eval_fn=eval_fn,
                    on_eval=on_eval, seed=args.seed, progress=not args.quiet)
    except TrainingInterrupted as stop:
        return save_interrupted(args, model, vocab, stop.log, meta, stop.step)
    try:
        _finish(args, model, vocab, log, meta, train_text, valid_text)
    except KeyboardInterrupt:       # during the final evaluation: the model is trained, save it
        return save_interrupted(args, model, vocab, log, meta, log[-1]["step"])
    return 0


def save_interrupted(args, model, vocab, log, meta, step):
    """After Ctrl-C: save ``model`` as it is, marked ``interrupted``, say where; exit status 130."""
    meta = {k: v for k, v in meta.items() if not k.startswith("heldout")}   # numbers of no stored model
    meta.update(interrupted=True, interrupted_at_step=step, precision=args.precision)
    path = save_checkpoint(args.checkpoint, model, vocab, tokens=args.tokens, log=log, meta=meta,
                           precision=args.precision)
    print(f"interrupted at step {step}; saved {path}", file=sys.stderr)
    return 130


def _finish(args, model, vocab, log, meta, train_text, valid_text):
    """After training: score the weights as stored, save them with the score, print the log."""
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
    print_result(result, args.tokens)
    print(f"saved {args.checkpoint}")
