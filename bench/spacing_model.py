"""A short training run of chapter 08's neural spacing model, scored by the task's protocol.

    nice python bench/spacing_model.py --minutes 2.5 --embed 64 --hidden 128            # bidirectional
    nice python bench/spacing_model.py --minutes 2.5 --embed 64 --hidden 128 --unidirectional
    ... --save      # add the run to rnnkit/results/spacing_check_runs.json

Trains :class:`rnnkit.spacing.model.SpacingModel` on random windows of the training text
(the first 90 % of 『무정』, spaces removed) for a wall-clock budget, then scores it on the
399 held-out lines (:func:`rnnkit.data.spacing.score_system`): precision, recall, F1 of
spaces, exact lines. A check that the model learns, not the shipped model: the runs are
short, and on a shared machine fewer steps fit in the budget than on a quiet one.
"""
from __future__ import annotations

import argparse
import platform
import sys
import time

import torch

from rnnkit import results
from rnnkit.data import load_mujeong, split_text
from rnnkit.data.spacing import heldout_lines
from rnnkit.spacing.evaluate import evaluate_lines
from rnnkit.spacing.model import SpacingModel, count_parameters, spacing_vocab
from rnnkit.spacing.train import train, training_stream

RESULT = "spacing_check_runs"


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=2.5)
    p.add_argument("--embed", type=int, default=128)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--cell", default="lstm", choices=["rnn", "lstm", "gru"])
    p.add_argument("--unidirectional", action="store_true")
    p.add_argument("--residual", action="store_true", help="residual connections between the layers")
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seq-len", type=int, default=200)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads (1: on a busy machine, 2 threads were ten times slower per step)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--save", action="store_true", help=f"add the run to rnnkit/results/{RESULT}.json")
    return p.parse_args()


def main():
    args = parse()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    text = load_mujeong()
    train_text = split_text(text)[0]
    lines = heldout_lines(text)
    vocab = spacing_vocab(train_text)
    ids, labels = training_stream(train_text, vocab)
    config = {"cell": args.cell, "embed": args.embed, "hidden": args.hidden, "num_layers": args.layers,
              "bidirectional": not args.unidirectional, "dropout": args.dropout}
    if args.residual:                   # older runs in the results file have no such key: False
        config["residual"] = True
    model = SpacingModel(len(vocab), **config)
    print(f"{config}, {count_parameters(model):,} parameters, V = {len(vocab)}")

    def show(e):
        print(f"  step {e['step']:5d}  {e['seconds']:7.1f} s  lr {e['lr']:.2e}  loss {e['loss']:.4f}", flush=True)

    run = train(model, ids, labels, seconds=60 * args.minutes, batch_size=args.batch, seq_len=args.seq_len,
                lr=args.lr, seed=args.seed, log_every=10, callback=show)
    t0 = time.perf_counter()
    s = evaluate_lines(model, vocab, lines)
    eval_seconds = time.perf_counter() - t0
    print(f"{run['steps']} steps in {run['seconds']:.0f} s; held-out precision {s['precision']:.4f} "
          f"recall {s['recall']:.4f} F1 {s['f1']:.4f} exact lines {s['exact']:.3f} ({eval_seconds:.1f} s)")

    if args.save:
        entry = {"command": " ".join(["python", "bench/spacing_model.py"] + sys.argv[1:]), "config": config, "parameters": count_parameters(model), "minutes": args.minutes,
                 "batch": args.batch, "seq_len": args.seq_len, "lr": args.lr, "threads": args.threads,
                 "seed": args.seed, "steps": run["steps"], "train_seconds": run["seconds"],
                 "eval_seconds": round(eval_seconds, 2),
                 **{k: s[k] for k in ("precision", "recall", "f1", "exact", "tp", "fp", "fn", "lines")},
                 "log": run["log"]}
        try:
            data = results.load(RESULT)
        except FileNotFoundError:
            data = {"note": "short check runs on a shared 2-core machine (several jobs at once): fewer "
                            "steps fit in a budget than on a quiet machine, so the scores are lower",
                    "env": {"torch": torch.__version__, "python": platform.python_version()}, "runs": []}
        data.pop("command", None)
        data["runs"].append(entry)
        print("wrote", results.save(RESULT, data, command="python bench/spacing_model.py --save (each run "
                                                          "records its own command)"))


if __name__ == "__main__":
    main()
