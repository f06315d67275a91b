"""Forward + backward time against the sequence length: nn.LSTM, minGRU as a loop, minGRU as a scan.

    nice python bench/recurrence_speed.py            # N = 8, D = H = 64, T = 64 ... 4096

Four ways to run a recurrent layer over T steps and back-propagate through it, in torch
on the CPU (float32):

- ``lstm``: ``torch.nn.LSTM``, whose time loop runs in C++ (T dependent steps);
- ``mingru_loop``: minGRU (:class:`rnnkit.models.minrnn.MinLayer`) with its input
  projections computed for all steps at once, then h_t = a_t ⊙ h_{t-1} + b_t as a Python
  loop over the steps of ``a.unbind(1)`` (T dependent steps, each a handful of small torch
  operations; its backward pass is O(T) work in all);
- ``mingru_loop_index``: the same loop written with ``a[:, t]``, ``b[:, t]``. Autograd's
  backward of each such index fills a zero tensor of the whole (N, T, H) shape and adds it
  up, so the backward pass does O(T²) work: a common way to make a loop look slower than
  it is (kept to show the effect);
- ``mingru_scan``: the same layer through :func:`rnnkit.models.minrnn.scan`, ⌈log2 T⌉
  rounds of operations over the whole (N, T, H) tensor (O(T log T) work in all).

Each time is the best of --repeats runs (the methods taking turns) of ``(out * g).sum().backward()`` for a fixed
random ``g``, in milliseconds. The machine the stored results come from is recorded in
``machine``; when it is shared with other jobs the absolute times are inflated (the ratios
less so). Writes rnnkit/results/recurrence_speed.json with the exact command.
"""
from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
import time
from functools import partial

import torch

from rnnkit import results
from rnnkit.models.minrnn import MinLayer

LENGTHS = (64, 128, 256, 512, 1024, 2048, 4096)
METHODS = ("lstm", "mingru_loop", "mingru_scan", "mingru_loop_index")


def mingru_loop(layer, x):
    a, b = layer.coefficients(x)
    h, out = torch.zeros_like(a[:, 0]), []
    for a_t, b_t in zip(a.unbind(1), b.unbind(1)):       # one backward node for all the steps
        h = a_t * h + b_t
        out.append(h)
    return torch.stack(out, 1)


def mingru_loop_index(layer, x):
    a, b = layer.coefficients(x)
    h, out = torch.zeros_like(a[:, 0]), []
    for t in range(x.shape[1]):
        h = a[:, t] * h + b[:, t]                         # backward: a full (N, T, H) zero tensor per index
        out.append(h)
    return torch.stack(out, 1)


def best_ms(fns, repeats):
    """{name: best time in ms} of the callables ``fns``, run in turn ``repeats`` times.

    Interleaving the methods, rather than timing one and then the next, spreads a shared
    machine's bursts of load over all of them.
    """
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return {name: 1000 * t for name, t in best.items()}


def measure(T, N, H, repeats):
    """{method: ms} for one length, and the largest difference between the minGRU outputs of the three ways."""
    torch.manual_seed(T)
    x = torch.randn(N, T, H)
    g = torch.randn(N, T, H)
    lstm, layer = torch.nn.LSTM(H, H, batch_first=True), MinLayer("mingru", H, H)
    run = {"lstm": lambda: lstm(x)[0], "mingru_loop": lambda: mingru_loop(layer, x),
           "mingru_scan": lambda: layer(x), "mingru_loop_index": lambda: mingru_loop_index(layer, x)}

    def step(name):
        lstm.zero_grad()
        layer.zero_grad()
        (run[name]() * g).sum().backward()
    ms = {name: round(t, 2) for name, t in best_ms({name: partial(step, name) for name in METHODS}, repeats).items()}
    with torch.no_grad():
        scan_out = run["mingru_scan"]()
        diff = max((run[name]() - scan_out).abs().max().item() for name in ("mingru_loop", "mingru_loop_index"))
    return ms, diff


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--N", type=int, default=8)
    ap.add_argument("--H", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lengths", type=int, nargs="+", default=list(LENGTHS))
    ap.add_argument("--note", default="2 CPU cores shared with about five other jobs: absolute times inflated")
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    t_all, cpu_all, load_before = time.perf_counter(), time.process_time(), os.getloadavg()
    print(f"N = {args.N}, D = H = {args.H}, float32, {args.threads} threads; forward + backward, "
          f"best of {args.repeats} (ms)")
    print(f"{'T':>6}" + "".join(f"{m:>19}" for m in METHODS) + "   loop/scan  max |loop - scan|")
    rows = []
    for T in args.lengths:
        ms, diff = measure(T, args.N, args.H, args.repeats)
        rows.append({"T": T, "ms": ms, "max_abs_difference": float(f"{diff:.2g}")})
        print(f"{T:>6}" + "".join(f"{ms[m]:>19.2f}" for m in METHODS)
              + f"   {ms['mingru_loop'] / ms['mingru_scan']:>9.1f}  {diff:.1e}", flush=True)
    if not args.no_save:
        command = "python bench/recurrence_speed.py" + "".join(" " + shlex.quote(a) for a in (argv or sys.argv[1:]))
        data = {"settings": {"N": args.N, "D": args.H, "H": args.H, "dtype": "float32", "threads": args.threads,
                             "repeats": args.repeats, "methods": list(METHODS)},
                "machine": {"torch": torch.__version__, "python": platform.python_version(),
                            "cpus": os.cpu_count(), "note": args.note,
                            "load_average": {"before": round(load_before[0], 1), "after": round(os.getloadavg()[0], 1)}},
                "time": {"wall_seconds": round(time.perf_counter() - t_all),
                         "cpu_seconds": round(time.process_time() - cpu_all)},
                "rows": rows}
        print("wrote", results.save("recurrence_speed", data, command=command))


if __name__ == "__main__":
    main()
