"""How far ahead the shipped spacing model looks: held-out F1 when it sees only d characters to the right.

    python bench/spacing_lookahead.py                  # the shipped model, d = 0 1 2 3 4 6 8 all
    python bench/spacing_lookahead.py --no-save

For every boundary of the 399 held-out lines (after c_t), the shipped bidirectional model
reads the line cut after c_{t+d} and decides from P(space after c_t) > 0.5
(:func:`rnnkit.spacing.lookahead.lookahead_probabilities`: one run per prefix of a line gives
every d at once). Each d is then scored like every other row of the chapter
(:func:`rnnkit.data.spacing.score_system`); ``all`` is the ordinary score of the model.

Writes ``rnnkit/results/spacing_lookahead.json`` (``rnnkit.results.load("spacing_lookahead")``).
"""
from __future__ import annotations

import argparse
import platform
import sys
import time

import numpy as np
import torch

from rnnkit import results
from rnnkit.data import load_mujeong
from rnnkit.data.spacing import heldout_lines, respace, score_system, unspace
from rnnkit.spacing.checkpoint import SHIPPED, load_checkpoint
from rnnkit.spacing.lookahead import lookahead_probabilities

DS = (0, 1, 2, 3, 4, 6, 8, None)
SCORES = ("precision", "recall", "f1", "exact", "tp", "fp", "fn", "lines", "boundaries", "spaces")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--no-save", action="store_true", help="print only")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    model, vocab, ckpt = load_checkpoint(SHIPPED)
    lines = heldout_lines(load_mujeong())
    chars = [unspace(line)[0] for line in lines]
    t0 = time.perf_counter()
    probs = lookahead_probabilities(model, vocab, chars, list(DS))
    seconds = time.perf_counter() - t0
    rows = []
    for d in DS:
        table = {c: respace(c, q > 0.5) for c, q in zip(chars, probs[d])}
        s = score_system(lines, lambda c: table[c])
        rows.append({"d": "all" if d is None else d, **{k: s[k] for k in SCORES}})
        print(f"d = {rows[-1]['d']!s:>3}: precision {s['precision']:.4f} recall {s['recall']:.4f} "
              f"F1 {s['f1']:.4f} exact {s['exact']:.4f}", flush=True)
    print(f"{sum(len(c) for c in chars):,} characters, every prefix run once: {seconds:.0f} s")
    data = {"model": "rnnkit/checkpoints/spacing_mujeong.pt", "model_sha256": ckpt["sha256"],
            "protocol": "rnnkit.data.spacing.score_system on heldout_lines(load_mujeong()); the boundary after "
                        "c_t decided on the line cut after c_{t+d} (no closing newline), or on the whole line",
            "env": {"torch": torch.__version__, "python": platform.python_version(), "numpy": np.__version__},
            "threads": args.threads, "seconds": round(seconds, 1), "rows": rows}
    if not args.no_save:
        print("wrote", results.save("spacing_lookahead", data, command="python bench/spacing_lookahead.py"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
