"""Train the seq2seq checkpoints that chapter 06 loads, and measure accuracy by input length.

    python bench/seq2seq_dates.py              # everything (about 10 min on one loaded core)
    python bench/seq2seq_dates.py --only dates # just the two date models

Writes (atomically):

- ``rnnkit/checkpoints/seq2seq_dates.pt`` and ``seq2seq_dates_attn.pt``: Korean date ->
  ISO date, without and with attention;
- ``rnnkit/checkpoints/seq2seq_datelist.pt`` and ``seq2seq_datelist_attn.pt``: a list
  of 1-6 month-day dates -> their ISO forms (the long-input task);
- ``rnnkit/results/seq2seq_dates.json`` and ``seq2seq_length.json``: training curves,
  held-out exact-match accuracy, and accuracy by number of dates in the list.

Reproducibility: one thread (``torch.set_num_threads(1)``), every model built right after
``torch.manual_seed(seed)`` and trained by ``rnnkit.models.seq2seq.train(seed=seed)`` (data,
dropout, teacher-forcing coins), saved by ``rnnkit.models.seq2seq_checkpoint.save_checkpoint``.
With the same torch build on CPU the checkpoints are bit-for-bit the same on re-running;
the script prints a SHA-256 of each file.
"""
from __future__ import annotations

import argparse
import hashlib
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

from rnnkit.data import dates
from rnnkit import results
from rnnkit.models import seq2seq as s2s
from rnnkit.models.seq2seq_checkpoint import checkpoint_path, save_checkpoint

SEED = 0
HELD_OUT_SEED = 12345          # the evaluation sets; training draws from default_rng(SEED)
K_MAX = 6

# name -> (task, model kwargs, steps, lr)
MODELS = {
    "seq2seq_dates": ("dates", dict(embed=32, hidden=64, cell="lstm", attention=False), 2500, 5e-3),
    "seq2seq_dates_attn": ("dates", dict(embed=32, hidden=64, cell="lstm", attention=True), 600, 5e-3),
    "seq2seq_datelist": ("list", dict(embed=32, hidden=80, cell="lstm", attention=False), 3000, 5e-3),
    "seq2seq_datelist_attn": ("list", dict(embed=32, hidden=64, cell="lstm", attention=True), 3000, 5e-3),
}


def sample_dates(n, rng):
    return dates.date_pairs(n, rng)


def sample_list(n, rng):
    """A batch whose lists all have the same number of dates k (uniform in 1..K_MAX): the
    decoder loop then runs only as long as this batch needs."""
    k = int(rng.integers(1, K_MAX + 1))
    return [dates.date_list_pair(k, rng) for _ in range(n)]


SAMPLERS = {"dates": sample_dates, "list": sample_list}


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def build_and_train(name, command):
    task, kwargs, steps, lr = MODELS[name]
    torch.manual_seed(SEED)
    model = s2s.Seq2Seq(dates.SOURCE_VOCAB, dates.TARGET_VOCAB, dropout=0.1, **kwargs)
    t0 = time.perf_counter()
    losses = s2s.train(model, SAMPLERS[task], steps, batch_size=64, lr=lr, tf_ratio=1.0, seed=SEED, desc=name)
    seconds = time.perf_counter() - t0
    if task == "dates":
        held_out = dates.date_pairs(2000, seed=HELD_OUT_SEED)
    else:
        held_out = dates.date_list_pairs(2000, 1, K_MAX, seed=HELD_OUT_SEED)
    acc, _ = s2s.exact_match(model, held_out)
    n_params = sum(p.numel() for p in model.parameters())
    path = save_checkpoint(checkpoint_path(name), model, task=task, steps=steps, batch_size=64, lr=lr,
                           tf_ratio=1.0, seed=SEED, held_out_accuracy=acc, command=command)
    print(f"{name}: {n_params} parameters, {steps} steps in {seconds:.0f} s, held-out exact match "
          f"{acc:.4f}, {path.stat().st_size / 1024:.0f} KiB, sha256 {sha256(path)[:16]}")
    every = max(1, steps // 200)
    curve = [round(float(np.mean(losses[i:i + every])), 4) for i in range(0, steps, every)]
    return model, {"task": task, "config": {k: v for k, v in model.config.items() if "chars" not in k},
                   "parameters": n_params, "steps": steps, "batch_size": 64, "lr": lr, "seed": SEED,
                   "train_seconds": round(seconds, 1), "held_out_accuracy": acc,
                   "curve_every": every, "curve": curve}


def by_length(model, n_per_k=500):
    """Exact match and teacher-forced character accuracy for each number of dates k."""
    rows = []
    rng = np.random.default_rng(HELD_OUT_SEED)
    for k in range(1, K_MAX + 1):
        pairs = [dates.date_list_pair(k, rng) for _ in range(n_per_k)]
        acc, _ = s2s.exact_match(model, pairs)
        rows.append({"k": k, "source_chars": float(np.mean([len(s) for s, _ in pairs])),
                     "exact_match": acc, "teacher_forced_char_acc": s2s.teacher_forced_accuracy(model, pairs)})
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["dates", "list"], default=None)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    command = "python bench/seq2seq_dates.py" + (f" --only {args.only}" if args.only else "")
    if args.threads != 1:
        command += f" --threads {args.threads}"
    env = {"torch": torch.__version__, "python": platform.python_version(), "threads": args.threads,
           "machine": platform.machine()}
    print(f"command: {command}\n{env}")
    t_all = time.perf_counter()
    trained = {}
    for name, (task, *_rest) in MODELS.items():
        if args.only in (None, task):
            trained[name] = build_and_train(name, command)
    if args.only in (None, "dates"):
        results.save("seq2seq_dates", {"env": env, "models": {n: trained[n][1] for n in
                                                              ("seq2seq_dates", "seq2seq_dates_attn")}},
                     command=command)
    if args.only in (None, "list"):
        length = {}
        for name in ("seq2seq_datelist", "seq2seq_datelist_attn"):
            length[name] = {**trained[name][1], "by_length": by_length(trained[name][0])}
            for r in length[name]["by_length"]:
                print(f"  {name:22s} k={r['k']}  chars={r['source_chars']:5.1f}  exact {r['exact_match']:.3f}"
                      f"  teacher-forced chars {r['teacher_forced_char_acc']:.4f}")
        results.save("seq2seq_length", {"env": env, "k_max": K_MAX, "n_per_k": 500, "models": length},
                     command=command)
    print(f"total {time.perf_counter() - t_all:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
