"""Chapter 07's benchmark: held-out bits per character on 『무정』 for a fixed training time.

    python bench/charlm.py                       # every configuration, 10 minutes each, 2 threads
    python bench/charlm.py --minutes 1 --only lstm-1x256 --no-save     # a smoke run

Each configuration trains for the same wall-clock budget (time in held-out evaluation
not counted) and is scored on the standard split (the last 10%, scored as one stream
with carried state). Post 003's numpy LSTM gets the same budget. The count-based
baselines of rnnkit.charlm.ngram need no training time (a few seconds of counting). A name
ending in ``+kn5`` is a mixture (``rnnkit.charlm.MixtureLM``, equal weights) of an
LSTM and the Kneser-Ney 5-gram: the counting time is taken off the LSTM's budget, and
the row also records the LSTM's own held-out bpc. Results go to
``rnnkit/results/charlm_bench.json`` (``rnnkit.results.load("charlm_bench")``); with
``--only`` the named rows replace their old versions and the others are kept.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time

# numpy's BLAS reads its thread count when numpy is imported: cap it at --threads too,
# so that post 003's numpy LSTM and the torch models get the same two cores.
_argv = sys.argv[1:]
_threads = next((a.split("=", 1)[1] for a in _argv if a.startswith("--threads=")),
                next((_argv[i + 1] for i, a in enumerate(_argv[:-1]) if a == "--threads"), "2"))
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, _threads)

import torch  # noqa: E402

from rnnkit import results  # noqa: E402
from rnnkit.charlm import (CharLM, MixtureLM, NgramLM, build_vocab, count_parameters,  # noqa: E402
                           evaluate_heldout, sample, save_checkpoint, to_tokens, train)
from rnnkit.charlm.tokens import jamo_parts  # noqa: E402
from rnnkit.charlm.numpy_baseline import POST_003, NumpyCharLSTM, train_numpy  # noqa: E402
from rnnkit.data import Vocab, load_mujeong, split_text  # noqa: E402
from rnnkit.charlm.ngram import AbsoluteDiscountNgram, AddKNgram  # noqa: E402

PROMPT, SAMPLE_CHARS = "형식은", 200        # a sample of every model goes into the results

# name -> model and optimizer settings; the first is the data README's reference recipe.
REFERENCE = dict(tokens="syllable", cell="lstm", layers=2, hidden=512, embed=512, tie=True,
                 dropout=0.25, lr=3e-3, weight_decay=0.01, batch=32, bptt=128)
CONFIGS = {
    "lstm-2x512": REFERENCE,
    "lstm-2x512-d0.4": {**REFERENCE, "dropout": 0.4},
    "lstm-2x512-d0.5-wd0.1": {**REFERENCE, "dropout": 0.5, "weight_decay": 0.1},
    "lstm-2x512-d0.3-wdrop0.25": {**REFERENCE, "dropout": 0.3, "weight_drop": 0.25},
    "lstm-2x512-d0.4-parts": {**REFERENCE, "dropout": 0.4, "parts": True},
    "lstm-2x512-d0.3-wdrop0.25-parts": {**REFERENCE, "dropout": 0.3, "weight_drop": 0.25, "parts": True},
    "lstm-2x512-d0.4-wdrop0.2-parts-bf16": {**REFERENCE, "dropout": 0.4, "weight_drop": 0.2, "parts": True,
                                            "bf16": True},
    "lstm-2x512-d0.5-wdrop0.3-parts-bf16": {**REFERENCE, "dropout": 0.5, "weight_drop": 0.3, "parts": True,
                                            "bf16": True},
    "lstm-2x512-d0.45-wdrop0.25-edrop0.1-parts-bf16-lr4e-3": {**REFERENCE, "dropout": 0.45, "weight_drop": 0.25,
                                                              "embed_drop": 0.1, "parts": True, "bf16": True,
                                                              "lr": 4e-3},
    "lstm-2x512-d0.45-wdrop0.25-edrop0.1-parts-bf16-lr4e-3+kn5": {
        **REFERENCE, "dropout": 0.45, "weight_drop": 0.25, "embed_drop": 0.1, "parts": True, "bf16": True,
        "lr": 4e-3, "mix_ngram": 5},
    "lstm-2x640-d0.5-wdrop0.3-parts-bf16": {**REFERENCE, "hidden": 640, "embed": 640, "dropout": 0.5,
                                            "weight_drop": 0.3, "parts": True, "bf16": True},
    "gru-2x512": {**REFERENCE, "cell": "gru"},
    # chapter 09: the best LSTM row's recipe without weight_drop (minGRU and minLSTM have no W_hh to drop)
    "mingru-2x512-d0.45-edrop0.1-parts-bf16-lr4e-3": {**REFERENCE, "cell": "mingru", "dropout": 0.45,
                                                      "embed_drop": 0.1, "parts": True, "bf16": True, "lr": 4e-3},
    "minlstm-2x512-d0.45-edrop0.1-parts-bf16-lr4e-3": {**REFERENCE, "cell": "minlstm", "dropout": 0.45,
                                                       "embed_drop": 0.1, "parts": True, "bf16": True, "lr": 4e-3},
    "lstm-1x256": {**REFERENCE, "layers": 1, "hidden": 256, "embed": 256, "dropout": 0.1},
    "lstm-2x512-jamo": {**REFERENCE, "tokens": "jamo", "dropout": 0.4},
}
NUMPY = "numpy-post003"


def run_torch(name, cfg, text, minutes, seed, dynamic, save_dir=None):
    train_text, valid_text = split_text(text)
    vocab = build_vocab(text, cfg["tokens"])
    torch.manual_seed(seed)
    model = CharLM(len(vocab), cell=cfg["cell"], embed=cfg["embed"], hidden=cfg["hidden"],
                   layers=cfg["layers"], dropout=cfg["dropout"], tie=cfg["tie"],
                   weight_drop=cfg.get("weight_drop", 0.0), embed_drop=cfg.get("embed_drop", 0.0),
                   parts=jamo_parts(vocab.chars) if cfg.get("parts") else None)

    def eval_fn(m):
        return evaluate_heldout(m, vocab, cfg["tokens"], train_text, valid_text)["bits_per_token"]

    count_seconds, ngram = 0.0, None
    if cfg.get("mix_ngram"):                   # counting is part of the budget
        t0 = time.perf_counter()
        ngram = NgramLM(AbsoluteDiscountNgram(cfg["mix_ngram"], vocab, discount=0.75, kneser_ney=True)
                        .fit(train_text), vocab)
        count_seconds = time.perf_counter() - t0
    log = train(model, vocab.encode(to_tokens(train_text, cfg["tokens"])), minutes=minutes - count_seconds / 60,
                batch_size=cfg["batch"], seq_len=cfg["bptt"], lr=cfg["lr"],
                weight_decay=cfg["weight_decay"], bf16=cfg.get("bf16", False), eval_every=200,
                eval_fn=eval_fn, seed=seed)
    r = evaluate_heldout(model, vocab, cfg["tokens"], train_text, valid_text, dynamic=dynamic and ngram is None,
                         dynamic_lr=0.2)
    mixed, writer = {}, model
    if ngram is not None:
        writer = MixtureLM([model, ngram])
        mixed = dict(heldout_lstm_bpc=r["bits_per_char"], count_seconds=count_seconds)
        r = evaluate_heldout(writer, vocab, cfg["tokens"], train_text, valid_text)
    if save_dir is not None:
        os.makedirs(save_dir, exist_ok=True)
        save_checkpoint(os.path.join(save_dir, f"{name}.pt"), model, vocab, tokens=cfg["tokens"], log=log,
                        meta=dict(command=f"python bench/charlm.py --only {name} --minutes {minutes}",
                                  heldout=r, seed=seed, **mixed))
    length = SAMPLE_CHARS if cfg["tokens"] == "syllable" else 2 * SAMPLE_CHARS
    text_out = sample(writer, vocab, PROMPT, length, temperature=0.8, tokens=cfg["tokens"], seed=seed,
                      include_prompt=True)
    return dict(name=name, config=cfg, parameters=count_parameters(model), steps=log[-1]["step"],
                train_seconds=log[-1]["seconds"], train_bpc_last=log[-1]["train_bpc"],
                heldout_bpc=r["bits_per_char"], heldout_bits_per_token=r["bits_per_token"],
                dynamic_bpc=r.get("dynamic_bits_per_char"), log=log,
                sample=dict(prompt=PROMPT, temperature=0.8, seed=seed, text=text_out), **mixed)


def run_numpy(text, minutes, seed):
    train_text, valid_text = split_text(text)
    vocab = Vocab.from_text(text)
    model = NumpyCharLSTM(len(vocab), POST_003["hidden"], seed=seed)
    context = vocab.encode(train_text[-256:])
    ids = list(context) + list(vocab.encode(valid_text))

    def eval_fn(m):
        bits, n = m.total_bits(ids, start=len(context), streams=64)
        return bits / n

    log = train_numpy(model, vocab.encode(train_text), minutes=minutes, seq_len=POST_003["seq_len"],
                      lr=POST_003["lr"], clip=POST_003["clip"], eval_every=2000, eval_fn=eval_fn)
    return dict(name=NUMPY, config=dict(POST_003, optimizer="Adagrad, elementwise clip, batch 1"),
                parameters=sum(p.size for p in model.params.values()), steps=log[-1]["step"],
                train_seconds=log[-1]["seconds"], train_bpc_last=log[-1]["train_bpc"],
                heldout_bpc=log[-1]["valid_bpc"], heldout_bits_per_token=log[-1]["valid_bpc"],
                dynamic_bpc=None, log=log,
                sample=dict(prompt=PROMPT, temperature=1.0, seed=seed, text=PROMPT + vocab.decode(
                    model.sample(vocab.encode(PROMPT), SAMPLE_CHARS, temperature=1.0, seed=seed))))


def run_ngrams(text):
    train_text, valid_text = split_text(text)
    vocab = Vocab.from_text(text)
    rows = [("unigram add-1", AddKNgram(1, vocab, k=1.0)),
            ("bigram add-0.01", AddKNgram(2, vocab, k=0.01)),
            ("4-gram absolute discounting 0.75", AbsoluteDiscountNgram(4, vocab, discount=0.75)),
            ("5-gram Kneser-Ney 0.75", AbsoluteDiscountNgram(5, vocab, discount=0.75, kneser_ney=True))]
    return [dict(name=n, heldout_bpc=m.fit(train_text).bits_per_char(valid_text, history=train_text))
            for n, m in rows]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=10.0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--only", default=None,
                   help=f"comma-separated names among {', '.join([*CONFIGS, NUMPY, 'ngram'])}")
    p.add_argument("--dynamic", action="store_true", help="also dynamic evaluation (lr 0.2)")
    p.add_argument("--no-save", action="store_true")
    p.add_argument("--save-dir", default=None, help="also save each trained model as DIR/NAME.pt")
    args = p.parse_args(argv)
    names = args.only.split(",") if args.only else [*CONFIGS, NUMPY, "ngram"]
    unknown = set(names) - {*CONFIGS, NUMPY, "ngram"}
    if unknown:
        p.error(f"unknown configuration(s) {sorted(unknown)}")
    torch.set_num_threads(args.threads)
    text = load_mujeong()
    runs, ngrams = [], None
    for name in names:
        t0 = time.perf_counter()
        if name == "ngram":
            ngrams = run_ngrams(text)
            continue
        row = run_numpy(text, args.minutes, args.seed) if name == NUMPY else \
            run_torch(name, CONFIGS[name], text, args.minutes, args.seed, args.dynamic, args.save_dir)
        row.update(minutes=args.minutes, threads=args.threads,
                   command=f"python bench/charlm.py --only {name} --minutes {args.minutes:g} "
                           f"--threads {args.threads} --seed {args.seed}")
        runs.append(row)
        dyn = f"  dynamic {row['dynamic_bpc']:.3f}" if row["dynamic_bpc"] is not None else ""
        if "heldout_lstm_bpc" in row:
            dyn += f"  (LSTM alone {row['heldout_lstm_bpc']:.3f}; counting {row['count_seconds']:.1f} s)"
        print(f"{name:18s} {row['parameters']:>10,} params {row['steps']:>7,} steps  "
              f"train {row['train_bpc_last']:.3f}  held-out {row['heldout_bpc']:.3f} bpc{dyn}  "
              f"({time.perf_counter() - t0:.0f} s wall)\n    {row['sample']['text'][:120]!r}", flush=True)
    for r in ngrams or []:
        print(f"{r['name']:34s} held-out {r['heldout_bpc']:.3f} bpc")
    if args.no_save:
        return
    try:
        old = results.load("charlm_bench")
    except FileNotFoundError:
        old = {}
    keep = [r for r in old.get("runs", []) if r["name"] not in {r["name"] for r in runs}]
    data = dict(minutes=args.minutes, threads=args.threads, seed=args.seed,
                torch=torch.__version__, machine=platform.processor() or platform.machine(),
                runs=keep + runs, ngrams=ngrams if ngrams is not None else old.get("ngrams"),
                log2_V=math.log2(len(set(text))))
    # rows come from separate runs: each row has its own "command"; this one re-runs them all
    path = results.save("charlm_bench", data, command="python bench/charlm.py")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
