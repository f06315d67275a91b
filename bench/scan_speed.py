"""The linear recurrence h_t = a_t ⊙ h_{t-1} + b_t in numpy: a loop over t against the scan.

    python bench/scan_speed.py            # N = 8, H = 64, T = 64 ... 4096, forward + backward

``rnnkit.scratch.linear_scan_forward`` / ``linear_scan_backward`` with method="sequential"
(T dependent steps, each a small vectorised operation over N x H) and method="parallel"
(⌈log2 T⌉ rounds, each one operation over all N x T x H, but O(T log T) work in all).
On a CPU the gain, where there is one, is fewer Python-level steps, not parallel
hardware. Milliseconds are the best of --repeats runs in this process.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from rnnkit.scratch import linear_scan_backward, linear_scan_forward


def best_ms(fn, repeats):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return 1000 * best


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--N", type=int, default=8)
    ap.add_argument("--H", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    print(f"N = {args.N}, H = {args.H}, float64; forward + backward, best of {args.repeats}")
    print(f"{'T':>6} {'sequential ms':>14} {'parallel ms':>12} {'ratio':>7}  max |difference|")
    for T in (64, 256, 1024, 4096):
        a = rng.uniform(0.5, 1.0, (args.N, T, args.H))
        b = rng.standard_normal((args.N, T, args.H))
        h0 = np.zeros((args.N, args.H))
        dh = np.ones_like(b)

        def run(method):
            h, cache = linear_scan_forward(a, b, h0, method=method)
            return h, linear_scan_backward(dh, cache)
        seq, par = best_ms(lambda: run("sequential"), args.repeats), best_ms(lambda: run("parallel"), args.repeats)
        diff = np.abs(run("sequential")[0] - run("parallel")[0]).max()
        print(f"{T:>6} {seq:>14.2f} {par:>12.2f} {seq / par:>7.2f}  {diff:.1e}")


if __name__ == "__main__":
    main()
