"""Recall over growing distances: vanilla RNN, GRU and LSTM (forget-gate bias 0, 1, 3).

Trains every (cell, T, seed) of the grid with :func:`rnnkit.seqmodels.train_recall`
(hidden 32, Adam with learning rate ``--lr``, batch 64, clipping 1) for at most
``--steps`` updates, measuring the held-out accuracy (1,000 sequences) every
``--eval-every`` steps and stopping early once it reaches 99 %. Writes
rnnkit/results/lstm_memory_task.json (which chapter 05 plots) with the exact command
lines; ``--merge`` keeps the stored runs of other learning rates. One torch thread:
the machine is shared, and small recurrent models do not gain from more.

    python bench/memory_task.py --lr 0.01 && python bench/memory_task.py --merge   # the stored result
    python bench/memory_task.py --lengths 10 40 --steps 300 --no-save              # a quick look

Measured for the stored result (2 shared cores, loaded by others): 307 s CPU for
lr 0.01 and 261 s CPU for lr 0.003.
"""
from __future__ import annotations

import argparse
import platform
import shlex
import sys
import time

import torch

from rnnkit import results
from rnnkit.seqmodels import train_recall

CONFIGS = {                       # name -> (cell, forget bias)
    "rnn": ("rnn", None),
    "gru": ("gru", None),
    "lstm_bf0": ("lstm", 0.0),
    "lstm_bf1": ("lstm", 1.0),
    "lstm_bf3": ("lstm", 3.0),
}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lengths", type=int, nargs="+", default=[10, 20, 40, 80, 160])
    ap.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--eval-every", type=int, default=50)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--lr", type=float, default=0.003)
    ap.add_argument("--merge", action="store_true",
                    help="keep the stored runs made with other learning rates (and their commands)")
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)

    runs = []
    t_all, cpu_all = time.perf_counter(), time.process_time()
    for name in args.configs:
        cell, bias = CONFIGS[name]
        for T in args.lengths:
            for seed in args.seeds:
                t0 = time.perf_counter()
                r = train_recall(cell, T, steps=args.steps, forget_bias=bias, seed=seed, lr=args.lr,
                                 eval_every=args.eval_every, stop_at=0.99, progress=True)
                sec = time.perf_counter() - t0
                runs.append({"config": name, "cell": cell, "forget_bias": bias, "T": T, "seed": seed, "lr": args.lr,
                             "accuracy": round(r["accuracy"], 4), "steps": r["steps"],
                             "curve": [[s, round(a, 4)] for s, a in r["curve"]],
                             "seconds": round(sec, 1)})
                print(f"{name:>9}  lr {args.lr:g}  T={T:>4}  seed {seed}  accuracy {100 * r['accuracy']:5.1f}%  "
                      f"steps {r['steps']:>5}  {sec:6.1f} s", flush=True)
    total = time.perf_counter() - t_all
    cpu = time.process_time() - cpu_all
    print(f"total {total:.0f} s wall, {cpu:.0f} s CPU")
    if not args.no_save:
        command = "python bench/memory_task.py" + "".join(" " + shlex.quote(a) for a in (argv or sys.argv[1:]))
        commands = [command]
        if args.merge:
            try:
                old = results.load("lstm_memory_task")
            except FileNotFoundError:
                old = {"runs": [], "commands": []}
            kept = [r for r in old["runs"] if r.get("lr", 0.01) != args.lr]
            runs = kept + runs
            commands = [c for c in old.get("commands", [old.get("command")]) if c and c != command] + commands
        data = {"commands": commands,
                "settings": {"hidden": 32, "symbols": 4, "batch": 64, "clip": 1.0,
                             "max_steps": args.steps, "eval_every": args.eval_every,
                             "stop_at": 0.99, "test_size": 1000, "seeds": args.seeds,
                             "torch_threads": torch.get_num_threads()},
                "machine": {"torch": torch.__version__, "python": platform.python_version(),
                            "cpu_count_shared": True},
                "time": {**old.get("time", {}), str(args.lr): {"wall_seconds": round(total), "cpu_seconds": round(cpu)}}
                        if args.merge else {str(args.lr): {"wall_seconds": round(total), "cpu_seconds": round(cpu)}},
                "runs": runs}
        data["command"] = " && ".join(commands)
        data = {k: data[k] for k in ("commands", "settings", "machine", "time", "runs")}
        print("wrote", results.save("lstm_memory_task", data, command=" && ".join(commands)))


if __name__ == "__main__":
    main()
