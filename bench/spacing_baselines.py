"""Baselines of chapter 08's word-spacing task on 『무정』, measured by the one protocol.

    python bench/spacing_baselines.py           # finds the text as rnnkit.data.load_mujeong does
    python bench/spacing_baselines.py --no-save # print only

Every row: the 399 held-out lines of the standard split (the last 10 % of the novel),
each given without its spaces; a boundary after every character but the last of a line;
precision, recall, F1 of the predicted spaces and the share of lines restored exactly
(:func:`rnnkit.data.spacing.score_system`).

- no space at all;
- the count model :class:`rnnkit.spacing.counts.CountSpacer`, its window size k and
  strength β chosen on a development split of the *training* text (its own last 10 %,
  counted from the first 90 %), then counted on the whole training text;
- Kiwi (``kiwipiepy``, ``Kiwi().space(line, reset_whitespace=True)``), if installed. Kiwi
  sometimes changes characters, not only spaces; those lines cannot be scored and are
  left out (their number is recorded), and every row is also scored on the lines Kiwi kept.

Writes ``rnnkit/results/spacing_baselines.json`` (``rnnkit.results.load("spacing_baselines")``).
"""
from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from rnnkit import results
from rnnkit.data import load_mujeong, split_text
from rnnkit.data.spacing import heldout_lines, respace, score_system, unspace
from rnnkit.spacing.counts import CountSpacer

KS = (1, 2, 3, 4)
STRENGTHS = (0.1, 0.5, 1.0, 2.0)
METRICS = ("precision", "recall", "f1", "exact")


def count_system(model):
    return lambda chars: respace(chars, model.predict(chars))


def select_counts(train_text):
    """Grid of dev F1 over (k, β); the best (ties: smaller k, then smaller β) and the grid."""
    dev_train, dev_lines = split_text(train_text)[0], heldout_lines(train_text)
    full = CountSpacer(k=max(KS)).fit(dev_train)
    grid = []
    for k in KS:
        for beta in STRENGTHS:
            s = score_system(dev_lines, count_system(full.with_settings(k, beta)))
            grid.append({"k": k, "strength": beta, "dev_f1": s["f1"], "dev_exact": s["exact"]})
    best = max(grid, key=lambda r: (round(r["dev_f1"], 12), -r["k"], -r["strength"]))
    return best, grid, len(dev_lines)


def kiwi_system():
    """Kiwi's spacing as a system, or None if kiwipiepy is not installed."""
    try:
        from kiwipiepy import Kiwi
    except ImportError:
        return None, None
    import kiwipiepy

    kiwi = Kiwi()
    return (lambda chars: kiwi.space(chars, reset_whitespace=True)), kiwipiepy.__version__


def row(name, scores, seconds, **extra):
    out = {"name": name, **{m: scores[m] for m in METRICS},
           **{k: scores[k] for k in ("tp", "fp", "fn", "lines", "boundaries", "spaces")},
           "seconds": round(seconds, 2)}
    return out | extra


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-save", action="store_true", help="print the table, do not write the results file")
    args = parser.parse_args()

    text = load_mujeong()
    train_text = split_text(text)[0]
    lines = heldout_lines(text)
    print(f"held-out lines: {len(lines)}")
    systems, rows = {}, []

    t0 = time.perf_counter()
    systems["no space"] = lambda chars: chars
    rows.append(row("no space", score_system(lines, systems["no space"]), time.perf_counter() - t0))

    t0 = time.perf_counter()
    best, grid, n_dev = select_counts(train_text)
    t_select = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = CountSpacer(best["k"], best["strength"]).fit(train_text)
    systems["counts"] = count_system(model)
    rows.append(row("counts", score_system(lines, systems["counts"]), time.perf_counter() - t0,
                    k=best["k"], strength=best["strength"], selection_seconds=round(t_select, 2)))

    t0 = time.perf_counter()
    kiwi, kiwi_version = kiwi_system()
    t_load = time.perf_counter() - t0
    kiwi_lines = None
    if kiwi is None:
        print("kiwipiepy is not installed: no Kiwi row")
    else:
        t0 = time.perf_counter()
        s = score_system(lines, kiwi, skip_changed=True)
        excluded = s["excluded"]
        examples = [{"line": lines[j], "kiwi": kiwi(unspace(lines[j])[0])}
                    for j in excluded[:3]]
        rows.append(row("Kiwi", s, time.perf_counter() - t0, excluded_lines=len(excluded),
                        excluded_examples=examples, version=kiwi_version,
                        load_seconds=round(t_load, 2)))
        kiwi_lines = [line for j, line in enumerate(lines) if j not in set(excluded)]

    if kiwi_lines is not None:                  # every row again, on the lines Kiwi left unchanged
        for r in rows:
            s = score_system(kiwi_lines, systems.get(r["name"], kiwi))
            r["on_kiwi_lines"] = {m: s[m] for m in METRICS} | {"lines": s["lines"]}

    print("(seconds: fitting and spacing the held-out lines, on a shared 2-core machine)")
    print(f"{'system':10s} {'precision':>9s} {'recall':>7s} {'F1':>7s} {'exact':>6s} {'seconds':>8s}"
          + ("   F1 on Kiwi's lines" if kiwi_lines else ""))
    for r in rows:
        extra = f"   {r['on_kiwi_lines']['f1']:.4f}" if "on_kiwi_lines" in r else ""
        print(f"{r['name']:10s} {r['precision']:9.4f} {r['recall']:7.4f} {r['f1']:7.4f} {r['exact']:6.3f}"
              f" {r['seconds']:8.2f}{extra}")
    print(f"counts: k = {best['k']}, strength = {best['strength']} (dev F1 {best['dev_f1']:.4f} on {n_dev} lines)")
    if kiwi_lines is not None:
        print(f"Kiwi changed the characters of {len(lines) - len(kiwi_lines)} of {len(lines)} lines (left out)")

    data = {"env": {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine()},
            "protocol": "rnnkit.data.spacing.score_system on heldout_lines(load_mujeong())",
            "heldout_lines": len(lines), "rows": rows,
            "counts_selection": {"dev_lines": n_dev, "grid": grid, "chosen": best}}
    if not args.no_save:
        print("wrote", results.save("spacing_baselines", data, command="python bench/spacing_baselines.py"))


if __name__ == "__main__":
    main()
