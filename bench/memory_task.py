"""Marked recall over growing distances: vanilla RNN, GRU and LSTM (forget-gate bias 0, 1, 3).

The task is :func:`rnnkit.data.tasks.marked_recall_task`: four symbols from ONE alphabet at
every step, and a marker channel pointing at one of the first five steps; the model names
the marked symbol after the last step. Each (config, T, seed) of the grid is trained with
:func:`rnnkit.models.classifier.train_marked_recall`: Adam with learning rate ``--lr``, batch 64,
global gradient-norm clipping at 1, at most ``--steps`` updates, the held-out accuracy
(1,000 sequences) measured every ``--eval-every`` steps, stopping once it reaches 99 %.
The vanilla RNN is also trained with the learning rates ``--rnn-lrs``. Every cell has
hidden size 32 (same width, not the same parameter count); ``rnn_h64`` is a vanilla RNN of
width 64 whose recurrent layer has 4,544 parameters, close to the LSTM's 4,992.
Writes rnnkit/results/lstm_memory_task.json, which chapter 05 plots, with the exact
command. One torch thread: the machine is shared, and these small models do not gain
from more.

    python bench/memory_task.py                                           # the stored result
    python bench/memory_task.py --lengths 10 20 --steps 500 --no-save     # a quick look
"""
from __future__ import annotations

import argparse
import platform
import shlex
import sys
import time

import torch

from rnnkit import results
from rnnkit.models.classifier import SequenceClassifier, train_marked_recall

CONFIGS = {                       # name -> (cell, hidden size, forget bias)
    "rnn": ("rnn", 32, None),
    "rnn_h64": ("rnn", 64, None),
    "gru": ("gru", 32, None),
    "lstm_bf0": ("lstm", 32, 0.0),
    "lstm_bf1": ("lstm", 32, 1.0),
    "lstm_bf3": ("lstm", 32, 3.0),
}
SYMBOLS, LEAD = 4, 5


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lengths", type=int, nargs="+", default=[10, 20, 40, 60])
    ap.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--rnn-lrs", type=float, nargs="*", default=[0.003, 0.001],
                    help="further learning rates for the vanilla RNN (hidden 32), to see whether its failure "
                         "is a matter of step size")
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)

    runs = []
    t_all, cpu_all = time.perf_counter(), time.process_time()
    jobs = [(name, args.lr) for name in args.configs]
    jobs += [("rnn", lr) for lr in args.rnn_lrs if "rnn" in args.configs and lr != args.lr]
    for name, lr in jobs:
        cell, hidden, bias = CONFIGS[name]
        n_params = sum(p.numel() for p in SequenceClassifier(cell, SYMBOLS + 1, hidden, SYMBOLS).rnn.parameters())
        for T in args.lengths:
            for seed in args.seeds:
                t0, c0 = time.perf_counter(), time.process_time()
                r = train_marked_recall(cell, T, hidden=hidden, symbols=SYMBOLS, lead=LEAD, steps=args.steps,
                                        forget_bias=bias, seed=seed, lr=lr, clip=1.0,
                                        eval_every=args.eval_every, stop_at=0.99)
                cpu = time.process_time() - c0
                runs.append({"config": name, "cell": cell, "hidden": hidden, "recurrent_params": n_params,
                             "forget_bias": bias, "T": T, "seed": seed, "lr": lr,
                             "accuracy": round(r["accuracy"], 4), "steps": r["steps"],
                             "clipped": round(r["clipped"], 3),
                             "curve": [[s, round(a, 4)] for s, a in r["curve"]],
                             "cpu_seconds": round(cpu, 1)})
                print(f"{name:>9}  lr {lr:<6g} T={T:>4}  seed {seed}  accuracy {100 * r['accuracy']:5.1f}%  steps {r['steps']:>5}  "
                      f"clipped {100 * r['clipped']:4.1f}%  {cpu:6.1f} s CPU  {time.perf_counter() - t0:6.1f} s wall",
                      flush=True)
    wall = time.perf_counter() - t_all
    cpu = time.process_time() - cpu_all
    print(f"total {wall:.0f} s wall, {cpu:.0f} s CPU")
    if not args.no_save:
        command = "python bench/memory_task.py" + "".join(" " + shlex.quote(a) for a in (argv or sys.argv[1:]))
        data = {"task": "marked_recall_task",
                "settings": {"symbols": SYMBOLS, "lead": LEAD, "batch": 64, "lr": args.lr, "rnn_lrs": args.rnn_lrs,
                             "clip": 1.0,
                             "optimizer": "Adam", "max_steps": args.steps, "eval_every": args.eval_every,
                             "stop_at": 0.99, "test_size": 1000, "seeds": args.seeds, "lengths": args.lengths,
                             "torch_threads": torch.get_num_threads()},
                "machine": {"torch": torch.__version__, "python": platform.python_version(),
                            "note": "2 CPU cores shared with other jobs"},
                "time": {"wall_seconds": round(wall), "cpu_seconds": round(cpu)},
                "runs": runs}
        print("wrote", results.save("lstm_memory_task", data, command=command))


if __name__ == "__main__":
    main()
