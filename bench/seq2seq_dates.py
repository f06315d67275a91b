"""Train the seq2seq checkpoints that chapter 06 loads, and measure accuracy by input length.

    python bench/seq2seq_dates.py              # everything (about 10 min on one loaded core)
    python bench/seq2seq_dates.py --only dates # just the two date models
    python bench/seq2seq_dates.py --k-max 8    # chapter 06's exercise 6: list models on up to 8 dates

Writes (atomically):

- ``rnnkit/checkpoints/seq2seq_dates.pt`` and ``seq2seq_dates_attn.pt``: Korean date ->
  ISO date, without and with attention;
- ``rnnkit/checkpoints/seq2seq_datelist.pt`` and ``seq2seq_datelist_attn.pt``: a list
  of 1-6 month-day dates -> their ISO forms (the long-input task);
- ``rnnkit/results/seq2seq_dates.json`` and ``seq2seq_length.json``: training curves,
  held-out exact-match accuracy, and accuracy by number of dates in the list.

With ``--k-max K`` (K other than 6) it trains only the two list models, on lists of up to K
dates, writes no checkpoint and stores ``rnnkit/results/seq2seq_length_k{K}.json``: accuracy by
k and, for k > 6, how many of the errors leave out exactly one whole date.

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


def sample_list(n, rng, k_max=K_MAX):
    """A batch whose lists all have the same number of dates k (uniform in 1..k_max): the
    decoder loop then runs only as long as this batch needs."""
    k = int(rng.integers(1, k_max + 1))
    return [dates.date_list_pair(k, rng) for _ in range(n)]


SAMPLERS = {"dates": sample_dates, "list": sample_list}


def drops_one_date(pred, target):
    """True if ``pred`` is ``target`` with exactly one of its dates left out."""
    parts = target.split(" ")
    return any(pred == " ".join(parts[:i] + parts[i + 1:]) for i in range(len(parts)))


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def error_kinds(wrong):
    """Counts of the kinds of errors among ``wrong`` = [(source, prediction, target)], and three examples."""
    def n_dates(text):
        return len(text.split(" ")) if text else 0

    same_count = [(p, t) for _, p, t in wrong if n_dates(p) == n_dates(t)]
    return {"errors": len(wrong), "errors_one_date_dropped": sum(drops_one_date(p, t) for _, p, t in wrong),
            "errors_other_count": sum(n_dates(p) != n_dates(t) for _, p, t in wrong),
            "errors_one_date_wrong": sum(sum(a != b for a, b in zip(p.split(" "), t.split(" "))) == 1
                                         for p, t in same_count),
            "examples": [{"source": s, "prediction": p, "target": t} for s, p, t in wrong[:3]]}


def build_and_train(name, command, k_max=K_MAX):
    task, kwargs, steps, lr = MODELS[name]
    torch.manual_seed(SEED)
    model = s2s.Seq2Seq(dates.SOURCE_VOCAB, dates.TARGET_VOCAB, dropout=0.1, **kwargs)
    sample = SAMPLERS[task] if task == "dates" else (lambda n, rng: sample_list(n, rng, k_max))
    t0 = time.perf_counter()
    losses = s2s.train(model, sample, steps, batch_size=64, lr=lr, tf_ratio=1.0, seed=SEED, desc=name)
    seconds = time.perf_counter() - t0
    if task == "dates":
        held_out = dates.date_pairs(2000, seed=HELD_OUT_SEED)
    else:
        held_out = dates.date_list_pairs(2000, 1, k_max, seed=HELD_OUT_SEED)
    acc, _ = s2s.exact_match(model, held_out)
    n_params = sum(p.numel() for p in model.parameters())
    saved = ""
    if k_max == K_MAX:
        path = save_checkpoint(checkpoint_path(name), model, task=task, steps=steps, batch_size=64, lr=lr,
                               tf_ratio=1.0, seed=SEED, held_out_accuracy=acc, command=command)
        saved = f", {path.stat().st_size / 1024:.0f} KiB, sha256 {sha256(path)[:16]}"
    print(f"{name}: {n_params} parameters, {steps} steps in {seconds:.0f} s, held-out exact match {acc:.4f}{saved}")
    every = max(1, steps // 200)
    curve = [round(float(np.mean(losses[i:i + every])), 4) for i in range(0, steps, every)]
    return model, {"task": task, "config": {k: v for k, v in model.config.items() if "chars" not in k},
                   "parameters": n_params, "steps": steps, "batch_size": 64, "lr": lr, "seed": SEED,
                   "train_seconds": round(seconds, 1), "held_out_accuracy": acc,
                   "curve_every": every, "curve": curve}


def by_length(model, n_per_k=500, k_max=K_MAX):
    """Exact match and teacher-forced character accuracy for each number of dates k; for
    k > K_MAX also the number of errors and of those that leave out exactly one date."""
    rows = []
    rng = np.random.default_rng(HELD_OUT_SEED)
    for k in range(1, k_max + 1):
        pairs = [dates.date_list_pair(k, rng) for _ in range(n_per_k)]
        acc, preds = s2s.exact_match(model, pairs)
        rows.append({"k": k, "source_chars": float(np.mean([len(s) for s, _ in pairs])),
                     "exact_match": acc, "teacher_forced_char_acc": s2s.teacher_forced_accuracy(model, pairs)})
        if k > K_MAX:
            rows[-1].update(error_kinds([(s, p, t) for p, (s, t) in zip(preds, pairs) if p != t]))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["dates", "list"], default=None)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--k-max", type=int, default=K_MAX, help="longest list of the list task (not 6: only the "
                    "list models, no checkpoints, results in seq2seq_length_k{K}.json)")
    args = ap.parse_args(argv)
    if args.k_max < 1:
        ap.error(f"--k-max must be at least 1, got {args.k_max}")
    if args.k_max != K_MAX:
        if args.only == "dates":
            ap.error("--k-max changes the list task only; it cannot be combined with --only dates")
        args.only = "list"
    torch.set_num_threads(args.threads)
    command = "python bench/seq2seq_dates.py" + (f" --only {args.only}" if args.only else "")
    if args.k_max != K_MAX:
        command = f"python bench/seq2seq_dates.py --k-max {args.k_max}"
    if args.threads != 1:
        command += f" --threads {args.threads}"
    env = {"torch": torch.__version__, "python": platform.python_version(), "threads": args.threads,
           "machine": platform.machine()}
    print(f"command: {command}\n{env}")
    t_all = time.perf_counter()
    trained = {}
    for name, (task, *_rest) in MODELS.items():
        if args.only in (None, task):
            trained[name] = build_and_train(name, command, args.k_max)
    if args.only in (None, "dates"):
        results.save("seq2seq_dates", {"env": env, "models": {n: trained[n][1] for n in
                                                              ("seq2seq_dates", "seq2seq_dates_attn")}},
                     command=command)
    if args.only in (None, "list"):
        length = {}
        for name in ("seq2seq_datelist", "seq2seq_datelist_attn"):
            length[name] = {**trained[name][1], "by_length": by_length(trained[name][0], k_max=args.k_max)}
            for r in length[name]["by_length"]:
                print(f"  {name:22s} k={r['k']}  chars={r['source_chars']:5.1f}  exact {r['exact_match']:.3f}"
                      f"  teacher-forced chars {r['teacher_forced_char_acc']:.4f}")
        out = "seq2seq_length" if args.k_max == K_MAX else f"seq2seq_length_k{args.k_max}"
        results.save(out, {"env": env, "k_max": args.k_max, "n_per_k": 500, "models": length}, command=command)
    print(f"total {time.perf_counter() - t_all:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
