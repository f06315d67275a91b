"""Speed of the numpy LSTM (rnnkit.scratch) against torch.nn.LSTM on the CPU.

Both run forward + backward in float32 on the same data and weights, in the same
process, with the same number of threads (numpy's BLAS setting, or --threads). Prints
the time of each and the ratio scratch / torch (goal: at most 1.5).

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

from rnnkit.scratch import lstm_backward, lstm_forward, params_from_torch


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
    print(f"agreement (max|diff| / max|torch|): h {scaled_error(h, out.detach().numpy()):.1e}, "
          f"dx {scaled_error(dx, xt.grad.numpy()):.1e}")

    (t_torch, best_torch, cpu_torch), (t_scratch, best_scratch, cpu_scratch) = interleaved_times(
        [reference, scratch], args.repeats)
    print(f"N={N} T={T} D={D} H={H} float32, forward+backward, {threads} thread(s); "
          f"numpy {np.__version__} (BLAS kernels: {kernel}), torch {torch.__version__}")
    print("                wall median    wall best    CPU median")
    for name, (m, b, c) in [("torch.nn.LSTM ", (t_torch, best_torch, cpu_torch)),
                            ("rnnkit.scratch", (t_scratch, best_scratch, cpu_scratch))]:
        print(f"{name}  {m * 1e3:8.1f} ms  {b * 1e3:8.1f} ms  {c * 1e3:8.1f} ms")
    print(f"ratio scratch / torch: wall median {t_scratch / t_torch:.2f}, wall best "
          f"{best_scratch / best_torch:.2f}, CPU median {cpu_scratch / cpu_torch:.2f}   (goal <= 1.5)")
    if kernel == "Haswell" and "avx512f" in _cpu_flags():
        print("note: numpy's OpenBLAS runs its AVX2 (Haswell) kernels on this AVX-512 CPU; torch's "
              "oneDNN uses AVX-512. Compare with OPENBLAS_CORETYPE=SkylakeX set in the shell.")

if __name__ == "__main__":
    main()
