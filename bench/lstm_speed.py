"""Speed of the numpy LSTMs (rnnkit.scratch) against torch.nn.LSTM on the CPU.

Three versions run forward + backward in float32 on the same data and weights, in the
same process, with the same number of threads (numpy's BLAS setting, or --threads):
torch.nn.LSTM, the fused kernels of rnnkit.scratch.fast (lstm_forward_fast /
lstm_backward_fast) and the literal loops over the step functions (lstm_forward /
lstm_backward, written to be read, not to be fast). Prints the time of each and the
ratios fast / torch (goal: at most 1.5) and literal / fast.

    python bench/lstm_speed.py [--threads 1] [--repeats 15] [--N 32 --T 128 --D 128 --H 256]

On a busy machine use --threads 1 and read the CPU-time ratio. numpy's OpenBLAS picks
its kernels from the CPU model; on CPUs it does not know (e.g. AMD Zen 5) it falls back
to AVX2 ("Haswell") kernels, about half the speed of AVX-512 for these matmuls. The
script prints the kernel name; OPENBLAS_CORETYPE=SkylakeX in the shell overrides it.

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

from rnnkit.scratch import lstm_backward, lstm_backward_fast, lstm_forward, lstm_forward_fast, params_from_torch


def _openblas():
    """The OpenBLAS library numpy has loaded (ctypes handle, symbol suffix), or None."""
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower()})
    except OSError:
        return None
    for path in paths:
        lib = ctypes.CDLL(path)
        for prefix, suffix in (("scipy_openblas_", "64_"), ("openblas_", "64_"), ("openblas_", "")):
            if hasattr(lib, f"{prefix}get_num_threads{suffix}"):
                return lambda name, lib=lib, p=prefix, s=suffix: getattr(lib, f"{p}{name}{s}")
    return None


def numpy_blas_info(threads=None):
    """(threads, kernel name) of numpy's BLAS; sets its thread count first if ``threads``."""
    try:
        import threadpoolctl
        if threads:
            threadpoolctl.threadpool_limits(threads, user_api="blas")
        for info in threadpoolctl.threadpool_info():
            if info.get("user_api") == "blas":
                return info["num_threads"], info.get("architecture", "?")
    except ImportError:
        pass
    fn = _openblas()                     # without threadpoolctl: ask OpenBLAS directly
    if fn is None:
        return (threads or os.cpu_count()), "?"
    if threads:
        fn("set_num_threads")(threads)
    corename = fn("get_corename")
    corename.restype = ctypes.c_char_p
    return int(fn("get_num_threads")()), corename().decode()


def interleaved_times(fns, repeats, warmup=3):
    """Median wall-clock time, best wall-clock time and median CPU time of each function,
    run in turns (A, B, A, B, ...) so that a change in the load from other processes
    affects all of them alike. With one thread the CPU time hardly depends on that load;
    with several it also counts the time BLAS threads spend spinning."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    wall = [[] for _ in fns]
    cpu = [[] for _ in fns]
    for _ in range(repeats):
        for fn, w, c in zip(fns, wall, cpu):
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            w.append(time.perf_counter() - w0)
            c.append(time.process_time() - c0)
    return [(statistics.median(w), min(w), statistics.median(c)) for w, c in zip(wall, cpu)]


def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            return next((line for line in f if line.startswith("flags")), "")
    except OSError:
        return ""


def scaled_error(a, b):
    """max |a - b| / max |b|: float32 results agree to ~1e-6 of their scale."""
    return float(np.abs(a - b).max() / np.abs(b).max())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--N", type=int, default=32)
    parser.add_argument("--T", type=int, default=128)
    parser.add_argument("--D", type=int, default=128)
    parser.add_argument("--H", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for both libraries (default: numpy's BLAS setting)")
    args = parser.parse_args()
    N, T, D, H = args.N, args.T, args.D, args.H

    threads, kernel = numpy_blas_info(args.threads)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)

    lstm = torch.nn.LSTM(D, H, batch_first=True)             # float32
    p = params_from_torch(lstm)
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    h0 = np.zeros((N, H), np.float32)
    dh = rng.standard_normal((N, T, H)).astype(np.float32)

    def fast():
        h, cache = lstm_forward_fast(x, h0, p["Wx"], p["Wh"], p["b"])
        return h, lstm_backward_fast(dh, cache)

    def literal():
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
    out = reference().detach().numpy()
    for name, fn in [("fast", fast), ("literal", literal)]:
        h, (dx, *_) = fn()
        print(f"agreement of {name:<7} (max|diff| / max|torch|): h {scaled_error(h, out):.1e}, "
              f"dx {scaled_error(dx, xt.grad.numpy()):.1e}")

    times = interleaved_times([reference, fast, literal], args.repeats)
    print(f"N={N} T={T} D={D} H={H} float32, forward+backward, {threads} thread(s); "
          f"numpy {np.__version__} (BLAS kernels: {kernel}), torch {torch.__version__}")
    print_times(times)
    if kernel == "Haswell" and "avx512f" in _cpu_flags():
        print("note: numpy's OpenBLAS runs its AVX2 (Haswell) kernels on this AVX-512 CPU; torch's "
              "oneDNN uses AVX-512. Compare with OPENBLAS_CORETYPE=SkylakeX set in the shell.")


def print_times(times):
    """The table of (wall median, wall best, CPU median) of torch, fast and literal, and their ratios."""
    print("                                  wall median    wall best    CPU median")
    names = ["torch.nn.LSTM", "rnnkit.scratch fast (fused)", "rnnkit.scratch literal (steps)"]
    for name, (m, b, c) in zip(names, times):
        print(f"{name:<31} {m * 1e3:8.1f} ms  {b * 1e3:8.1f} ms  {c * 1e3:8.1f} ms")
    for label, (num, den) in [("fast / torch", (times[1], times[0])), ("literal / torch", (times[2], times[0])),
                              ("literal / fast", (times[2], times[1]))]:
        goal = "   (goal <= 1.5)" if label == "fast / torch" else ""
        print(f"ratio {label:<16} wall median {num[0] / den[0]:.2f}, wall best {num[1] / den[1]:.2f}, "
              f"CPU median {num[2] / den[2]:.2f}{goal}")

if __name__ == "__main__":
    main()
