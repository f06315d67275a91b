"""Which stored notebook outputs change with the CPU's kernel path?

    python tools/kernel_paths.py                       # every notebook, every path this CPU has
    python tools/kernel_paths.py book/en/04_*.ipynb    # some notebooks
    python tools/kernel_paths.py --paths machine,avx2-laptop
    python tools/kernel_paths.py --list                # the paths, and what each one sets

numpy, OpenBLAS and PyTorch each pick their SIMD kernels from the processor they run
on, and a reader's laptop is not the machine that stored the outputs. Floating-point
sums done in another order round differently, so a quantity that amplifies rounding
(the exploding regime of chapter 04, say) prints other digits on another machine.

This script re-runs the notebooks under strict nbval once for each kernel path this
CPU can take (environment variables that cap OpenBLAS's core type, numpy's dispatched
SIMD targets, PyTorch's CPU capability and MKL/oneDNN's instruction set, and the
thread counts), then lists every cell whose stored output differs on some path. It
exits 1 when there is one. It takes a few minutes a path on 2 cores.

Chapter 07 needs the novel: set RNNKIT_MUJEONG (see ../shared/data/README.md), or its
notebooks are skipped.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Variables that choose a kernel path or a thread count. Every path starts from an
# environment without them, so that "machine" is what this CPU picks by itself.
KERNEL_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "NPY_DISABLE_CPU_FEATURES",
                    "ATEN_CPU_CAPABILITY", "MKL_ENABLE_INSTRUCTIONS", "DNNL_MAX_CPU_ISA",
                    "ONEDNN_MAX_CPU_ISA", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "MKL_NUM_THREADS")

# numpy >= 2.4 names its x86 dispatch targets by microarchitecture level; older numpy by
# feature group. The AVX-512 ones of either naming:
_NUMPY_AVX512 = re.compile(r"^(X86_V4|AVX512.*)$")


def cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def numpy_dispatch() -> list[str]:
    """numpy's dispatched SIMD targets that this CPU runs (the ones that can be disabled)."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:  # numpy 1.x
        from numpy.core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    return [t for t in __cpu_dispatch__ if __cpu_features__.get(t)]


def kernel_paths() -> dict[str, dict[str, str]]:
    """Name -> environment variables, for every kernel path this machine can take."""
    flags = cpu_flags()
    avx512 = "avx512f" in flags
    avx2 = "avx2" in flags and "fma" in flags
    dispatch = numpy_dispatch()
    numpy_no512 = " ".join(t for t in dispatch if _NUMPY_AVX512.match(t))
    paths: dict[str, dict[str, str]] = {"machine": {}}
    if avx512:
        paths["openblas-skylakex"] = {"OPENBLAS_CORETYPE": "SkylakeX"}
    if avx2:
        paths["openblas-haswell"] = {"OPENBLAS_CORETYPE": "Haswell"}
    if "avx" in flags:
        paths["openblas-sandybridge"] = {"OPENBLAS_CORETYPE": "Sandybridge"}
    if numpy_no512:
        paths["numpy-avx2"] = {"NPY_DISABLE_CPU_FEATURES": numpy_no512}
    if dispatch:
        paths["numpy-baseline"] = {"NPY_DISABLE_CPU_FEATURES": " ".join(dispatch)}
    if avx512:
        paths["torch-avx2"] = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2",
                               "DNNL_MAX_CPU_ISA": "AVX2"}
    if avx2:
        paths["torch-default"] = {"ATEN_CPU_CAPABILITY": "default",
                                  "MKL_ENABLE_INSTRUCTIONS": "SSE4_2", "DNNL_MAX_CPU_ISA": "SSE41"}
    for n in (1, 4):
        paths[f"threads-{n}"] = {v: str(n) for v in
                                 ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    if avx512 and avx2:  # the common reader's laptop: AVX2 everywhere
        paths["avx2-laptop"] = {**paths["openblas-haswell"], **paths.get("numpy-avx2", {}),
                                **paths["torch-avx2"]}
    return paths


def path_environment(settings: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in KERNEL_VARIABLES}
    env.update(settings)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


_FAILED = re.compile(r"^FAILED (\S+\.ipynb)::(Cell \d+)")
_SUMMARY = re.compile(r"^=*\s*(\d+ (passed|failed|skipped|error).*?) in [\d.]+s")


def run_nbval(notebooks: list[str], settings: dict[str, str], workers: int,
              log: Path | None = None) -> tuple[set[tuple[str, str]], str, int]:
    """(failed cells, pytest's summary line, return code) for one kernel path; pytest's
    whole output (with the differences nbval found) goes to ``log``."""
    cmd = [sys.executable, "-m", "pytest", *notebooks, "--nbval", "--nbval-current-env",
           "-q", "-rf", "-p", "no:cacheprovider", "--rootdir", str(ROOT)]
    if workers > 1:
        cmd += ["-n", str(workers), "--dist", "loadfile"]
    proc = subprocess.run(cmd, cwd=ROOT, env=path_environment(settings), capture_output=True, text=True)
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(proc.stdout + proc.stderr)
    failed, summary = set(), ""
    for line in proc.stdout.splitlines():
        m = _FAILED.match(line)
        if m:
            failed.add((m.group(1), m.group(2)))
        m = _SUMMARY.match(line)
        if m:
            summary = m.group(1)
    if proc.returncode not in (0, 1):  # 1 = some test failed; anything else = pytest itself broke
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
    return failed, summary, proc.returncode


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="*", help="notebooks to run (default: book/*/*.ipynb)")
    ap.add_argument("--paths", help="comma-separated kernel paths (default: all that this CPU offers)")
    ap.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (default 2)")
    ap.add_argument("--logs", type=Path, default=ROOT / "_build" / "kernel_paths",
                    help="folder for each path's pytest output (default _build/kernel_paths)")
    ap.add_argument("--list", action="store_true", help="print the kernel paths and exit")
    args = ap.parse_args(argv)

    available = kernel_paths()
    if args.list:
        for name, settings in available.items():
            print(f"{name:22s} {' '.join(f'{k}={v!r}' for k, v in settings.items()) or '(as the CPU chooses)'}")
        return 0
    names = list(available) if not args.paths else [p.strip() for p in args.paths.split(",") if p.strip()]
    unknown = [n for n in names if n not in available]
    if unknown:
        ap.error(f"--paths: unknown or not offered by this CPU: {', '.join(unknown)} "
                 f"(this CPU offers: {', '.join(available)})")
    notebooks = args.notebooks or sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("book/*/*.ipynb"))
    missing = [n for n in notebooks if not (ROOT / n).is_file() and not Path(n).is_file()]
    if missing:
        ap.error(f"notebooks: no such file: {', '.join(missing)}")
    if not os.environ.get("RNNKIT_MUJEONG"):
        print("note: RNNKIT_MUJEONG is not set; chapter 07 is skipped where the novel cannot be found.")

    differing: dict[tuple[str, str], list[str]] = {}
    broken = []
    for name in names:
        t0 = time.perf_counter()
        failed, summary, code = run_nbval(notebooks, available[name], args.workers,
                                          args.logs / f"{name}.log")
        print(f"{name:22s} {summary or f'pytest exited with {code}'}  ({time.perf_counter() - t0:.0f} s)", flush=True)
        if code not in (0, 1):
            broken.append(name)
        for cell in sorted(failed):
            differing.setdefault(cell, []).append(name)

    print()
    if not differing and not broken:
        print(f"No stored output differs on any of the {len(names)} kernel paths.")
        return 0
    if differing:
        print("Stored outputs that differ (cell: kernel paths where nbval failed):")
        for (nb, cell), where in sorted(differing.items()):
            print(f"  {nb}::{cell}: {', '.join(where)}")
    if broken:
        print(f"pytest did not run properly on: {', '.join(broken)}")
    print(f"nbval's differences, path by path: {args.logs}/")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
