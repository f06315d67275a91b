"""Chapter 08's comparison of spacing models: every row trained with one step budget, one recipe.

    python bench/spacing_table.py                       # every row, one after another
    python bench/spacing_table.py --only uni2           # one row, merged into the results file
    nohup python bench/spacing_table.py --only uni2 > uni2.log &  # two rows at once on two cores:
    nohup python bench/spacing_table.py --only bi1  > bi1.log  &  # each process one thread

Each row is a :class:`rnnkit.spacing.model.SpacingModel` trained by
:func:`rnnkit.spacing.train.train` with the recipe of the shipped model
(``rnnkit/checkpoints/README.md``: embedding 64, 128 units per layer and direction, dropout
0.2, AdamW at lr 2e-3, 20 warm-up steps and a cosine decay, 32 random windows of 200
characters a step, gradient norm clipped at 1, seed 0, one torch thread), for the same
number of steps (``--steps``, 2,000 by default); only the architecture differs between rows:

- ``uni2``: unidirectional, 2 layers;
- ``bi1``: bidirectional, 1 layer;
- ``bi2``: bidirectional, 2 layers (the shipped architecture, with half its steps);
- ``bi2res``: bidirectional, 2 layers with a residual connection between them.

Each row is scored on the 399 held-out lines by the task's protocol
(:func:`rnnkit.data.spacing.score_system`) and stored with its config, parameter count,
steps, training seconds, precision / recall / F1 / exact lines, the training log, and the
predicted label of every held-out boundary: one string of ``0``/``1`` per line, its
``len(chars) - 1`` boundaries, so a notebook can compare the rows' decisions line by line.

Writes ``rnnkit/results/spacing_models.json`` (``rnnkit.results.load("spacing_models")``).
Rows are merged by name: the file is re-read and rewritten (atomically) under an exclusive
lock, so processes running different rows can finish in any order.
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import platform
import sys
import time

import numpy as np
import torch

from rnnkit import results
from rnnkit.data import load_mujeong, split_text
from rnnkit.data.spacing import heldout_lines, respace, score_system, unspace
from rnnkit.spacing.model import SpacingModel, count_parameters, line_probabilities, spacing_vocab
from rnnkit.spacing.train import train, training_stream

RESULT = "spacing_models"
ROWS = {
    "uni2": {"num_layers": 2, "bidirectional": False, "residual": False},
    "bi1": {"num_layers": 1, "bidirectional": True, "residual": False},
    "bi2": {"num_layers": 2, "bidirectional": True, "residual": False},
    "bi2res": {"num_layers": 2, "bidirectional": True, "residual": True},
}
DEFAULT_ROWS = ("uni2", "bi1", "bi2")
RECIPE = {"cell": "lstm", "embed": 64, "hidden": 128, "dropout": 0.2, "batch_size": 32, "seq_len": 200,
          "lr": 2e-3, "weight_decay": 0.01, "warmup": 20, "clip": 1.0}
SCORES = ("precision", "recall", "f1", "exact", "tp", "fp", "fn", "lines", "boundaries", "spaces")


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", action="append", choices=tuple(ROWS), metavar="NAME",
                   help=f"run only this row (repeatable; one of {', '.join(ROWS)}); default: {', '.join(DEFAULT_ROWS)}")
    p.add_argument("--steps", type=int, default=2000, help="optimizer steps of every row")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--no-save", action="store_true", help="print only")
    return p.parse_args(argv)


def boundary_strings(probs, threshold=0.5):
    """One '0'/'1' string per line: the predicted label of each boundary (all characters but the last)."""
    return ["".join("1" if q > threshold else "0" for q in p[:-1]) for p in probs]


def score_strings(lines, strings):
    """Scores of predicted boundary strings on ``lines``, by the task's protocol."""
    table = {}
    for line, s in zip(lines, strings):
        chars = unspace(line)[0]
        table[chars] = respace(chars, np.array([int(ch) for ch in s] + [0], dtype=np.int8))
    return score_system(lines, lambda c: table[c])


def run_row(name, args, vocab, ids, labels, lines):
    config = {"cell": RECIPE["cell"], "embed": RECIPE["embed"], "hidden": RECIPE["hidden"],
              "dropout": RECIPE["dropout"], **ROWS[name]}
    torch.manual_seed(args.seed)
    model = SpacingModel(len(vocab), **config)
    n_params = count_parameters(model)
    print(f"[{name}] {config}, {n_params:,} parameters, {args.steps} steps", flush=True)

    def show(e):
        if e["step"] % 250 == 0:
            print(f"[{name}]  step {e['step']:5d}  {e['seconds']:7.1f} s  loss {e['loss']:.4f}", flush=True)

    run = train(model, ids, labels, steps=args.steps, batch_size=RECIPE["batch_size"], seq_len=RECIPE["seq_len"],
                lr=RECIPE["lr"], weight_decay=RECIPE["weight_decay"], warmup=RECIPE["warmup"], clip=RECIPE["clip"],
                seed=args.seed, log_every=25, callback=show)
    t0 = time.perf_counter()
    strings = boundary_strings(line_probabilities(model, vocab, [unspace(line)[0] for line in lines]))
    s = score_strings(lines, strings)
    eval_seconds = time.perf_counter() - t0
    print(f"[{name}] {run['steps']} steps in {run['seconds']:.0f} s: precision {s['precision']:.4f} "
          f"recall {s['recall']:.4f} F1 {s['f1']:.4f} exact {s['exact']:.4f} ({eval_seconds:.1f} s)", flush=True)
    return {"name": name, "command": " ".join(["python", "bench/spacing_table.py", "--only", name,
                                               "--steps", str(args.steps), "--seed", str(args.seed),
                                               "--threads", str(args.threads)]),
            "config": config, "parameters": n_params, "steps": run["steps"], "seconds": run["seconds"],
            "eval_seconds": round(eval_seconds, 2), "threads": args.threads, "seed": args.seed,
            **{k: s[k] for k in SCORES}, "labels": strings, "log": run["log"]}


@contextlib.contextmanager
def locked(folder):
    """An exclusive lock on ``folder`` (flock on its descriptor): one writer at a time, no lock file."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def merge(row):
    """Put ``row`` into the results file, replacing a row of the same name; re-read under the lock."""
    with locked(results.HERE):
        try:
            data = results.load(RESULT)
        except FileNotFoundError:
            data = {}
        data.pop("command", None)
        rows = {r["name"]: r for r in data.get("rows", [])}
        rows[row["name"]] = row
        data.update(
            recipe=RECIPE, protocol="rnnkit.data.spacing.score_system on heldout_lines(load_mujeong())",
            env={"torch": torch.__version__, "python": platform.python_version(), "machine": platform.machine()},
            note="one process per row, one thread each, two at a time on a shared 2-core machine; "
                 "seconds are wall-clock training time",
            rows=[rows[n] for n in ROWS if n in rows])
        return results.save(RESULT, data, command="python bench/spacing_table.py (each row records its own "
                                                  "command: --only NAME trains one row and merges it)")


def main(argv=None):
    args = parse(argv)
    torch.set_num_threads(args.threads)
    text = load_mujeong()
    train_text = split_text(text)[0]
    lines = heldout_lines(text)
    vocab = spacing_vocab(train_text)
    ids, labels = training_stream(train_text, vocab)
    for name in args.only or DEFAULT_ROWS:
        row = run_row(name, args, vocab, ids, labels, lines)
        if not args.no_save:
            print("wrote", merge(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
