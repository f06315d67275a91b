"""Speed of the numpy LSTM (rnnkit.scratch) against torch.nn.LSTM on the CPU.

Both run forward + backward in float32 on the same data and weights, in the same
process, with the same number of BLAS threads. Prints the median time of each and
the ratio scratch / torch (goal: at most 1.5).

    python bench/lstm_speed.py [--repeats 15] [--N 32 --T 128 --D 128 --H 256]

Not a test: timings depend on the machine and on what else is running.
"""
from __future__ import annotations

import argparse
import ctypes
import os
import statistics
import time

import numpy as np
import torch

from rnnkit.scratch import lstm_backward, lstm_forward, params_from_torch, rel_error


def numpy_blas_threads():
    """Number of threads numpy's BLAS uses, or None if it cannot be determined."""
    try:
        import threadpoolctl
        for info in threadpoolctl.threadpool_info():
            if info.get("user_api") == "blas":
                return info["num_threads"]
    except ImportError:
        pass
    # Without threadpoolctl: ask the OpenBLAS that numpy has loaded.
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return None
    for path in paths:
        lib = ctypes.CDLL(path)
        for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                     "openblas_get_num_threads"):
            if hasattr(lib, name):
                return int(getattr(lib, name)())
    return None


def median_time(fn, repeats, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--N", type=int, default=32)
    parser.add_argument("--T", type=int, default=128)
    parser.add_argument("--D", type=int, default=128)
    parser.add_argument("--H", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    N, T, D, H = args.N, args.T, args.D, args.H

    threads = numpy_blas_threads() or os.cpu_count()
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)

    lstm = torch.nn.LSTM(D, H, batch_first=True)             # float32
    p = params_from_torch(lstm)
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    h0 = np.zeros((N, H), np.float32)
    dh = rng.standard_normal((N, T, H)).astype(np.float32)

    def scratch():
        h, cache = lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"])
        return h, lstm_backward(dh, cache)

    xt = torch.from_numpy(x).requires_grad_()
    h0t = torch.zeros(1, N, H, requires_grad=True)
    c0t = torch.zeros(1, N, H)
    dht = torch.from_numpy(dh)

    def reference():
        for t in (xt, h0t, *lstm.parameters()):
            t.grad = None
        out, _ = lstm(xt, (h0t, c0t))
        out.backward(dht)
        return out

    # Same numbers before timing anything (float32, so agreement to ~1e-6 only).
    h, (dx, *_) = scratch()
    out = reference()
    print(f"agreement: h rel_error {rel_error(h, out.detach().numpy()):.1e}, "
          f"dx rel_error {rel_error(dx, xt.grad.numpy()):.1e}")

    t_torch, best_torch = median_time(reference, args.repeats)
    t_scratch, best_scratch = median_time(scratch, args.repeats)
    print(f"N={N} T={T} D={D} H={H} float32, forward+backward, {threads} BLAS thread(s) "
          f"(torch {torch.__version__}, numpy {np.__version__})")
    print(f"torch.nn.LSTM   median {t_torch * 1e3:7.1f} ms   best {best_torch * 1e3:7.1f} ms")
    print(f"rnnkit.scratch  median {t_scratch * 1e3:7.1f} ms   best {best_scratch * 1e3:7.1f} ms")
    print(f"ratio scratch / torch: median {t_scratch / t_torch:.2f}   best {best_scratch / best_torch:.2f}"
          "   (goal <= 1.5)")


if __name__ == "__main__":
    main()
