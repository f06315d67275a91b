"""How long one update of the chapter 04 explorer takes (goal: under 50 ms).

The widget callback is GradientExplorer.update (recompute the curves in log space and
move the lines) followed by GradientExplorer.png (blit the lines onto the cached
background and encode the PNG the ipywidgets.Image shows). This script calls exactly
that, headless, over random slider settings and prints the median and maximum, both
as wall-clock time and as this process's CPU time (on a shared, busy machine the wall
time includes waiting for a core; the CPU time is what the update itself costs).

    python bench/explorer_speed.py [--n 300]
"""
from __future__ import annotations

import argparse
import os
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from rnnkit.analysis import gradflow  # noqa: E402
from rnnkit.figures.gradient_explorer import CLIP_OPTIONS, GradientExplorer  # noqa: E402
from rnnkit.figures.style import setup  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300, help="number of random settings")
    args = ap.parse_args()
    setup()
    ex = GradientExplorer("ko")
    rng = np.random.default_rng(0)
    settings = [dict(rho=float(np.round(rng.uniform(0, 3.5), 2)), T=int(rng.integers(1, 201)),
                     activation=str(rng.choice(gradflow.ACTIVATIONS)),
                     init=str(rng.choice(gradflow.INITS)),
                     clip=CLIP_OPTIONS[rng.integers(len(CLIP_OPTIONS))])
                for _ in range(args.n)]
    # the worst case the sliders allow: longest sequence, clipping on (loss gradients too)
    worst = dict(rho=3.5, T=200, activation="relu", init="gaussian", clip=1.0)
    for s in settings[:5]:                       # warm up caches and the renderer
        ex.update(**s)
        ex.png()
    parts = {"update": [], "png": [], "total": [], "total (CPU)": []}
    for s in settings + [worst] * 20:
        c0 = time.process_time()
        t0 = time.perf_counter()
        ex.update(**s)
        t1 = time.perf_counter()
        ex.png()
        t2 = time.perf_counter()
        c2 = time.process_time()
        parts["update"].append(1e3 * (t1 - t0))
        parts["png"].append(1e3 * (t2 - t1))
        parts["total"].append(1e3 * (t2 - t0))
        parts["total (CPU)"].append(1e3 * (c2 - c0))
    print(f"{len(settings)} random settings + 20 x the worst one; os.getloadavg() = "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for name, ms in parts.items():
        ms = np.array(ms)
        print(f"{name:>11}: median {np.median(ms):5.1f} ms   p95 {np.percentile(ms, 95):5.1f} ms"
              f"   max {ms.max():5.1f} ms")
    worst_ms = np.median(parts["total"][-20:])
    print(f"worst setting {worst}: median {worst_ms:.1f} ms")
    for name in ("total", "total (CPU)"):
        print(f"goal 50 ms, {name}: median/goal = {np.median(parts[name]) / 50:.2f}, "
              f"max/goal = {np.max(parts[name]) / 50:.2f}")


if __name__ == "__main__":
    main()
