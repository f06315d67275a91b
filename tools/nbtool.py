"""Refresh the stored outputs of the book's notebooks.

    python tools/nbtool.py execute book/ko/01_rnn_basics.ipynb [...]   # run in place
    python tools/nbtool.py execute --all                               # every chapter
    python tools/nbtool.py check                                       # parity + executed

Notebooks are executed top to bottom with nbclient in their own folder, with widget
state stored (so ipywidgets render on the static site) and without timing metadata
(so re-running changes nothing when the results do not change). Each notebook's wall
time is printed; the book's bar is 60 s on 2 cores.
"""
from __future__ import annotations

import argparse
import glob
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def execute(path: Path, timeout: int = 600) -> float:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    env_before = os.environ.get("PYDEVD_DISABLE_FILE_VALIDATION")
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            store_widget_state=True, record_timing=False)
    t0 = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - t0
    if env_before is None:
        os.environ.pop("PYDEVD_DISABLE_FILE_VALIDATION", None)
    # Keep the stored notebook free of kernel-version noise.
    nb.metadata.pop("widgets", None) if not _has_widgets(nb) else None
    tmp = path.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, path)
    return elapsed


def _has_widgets(nb) -> bool:
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    return bool(state.get("state"))


def all_notebooks() -> list[Path]:
    return sorted(Path(p) for p in glob.glob(str(ROOT / "book" / "*" / "*.ipynb")))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("execute", help="execute notebooks in place")
    ex.add_argument("paths", nargs="*", type=Path)
    ex.add_argument("--all", action="store_true")
    ex.add_argument("--timeout", type=int, default=600)
    sub.add_parser("check", help="Korean/English parity and stored outputs")
    args = ap.parse_args(argv)
    if args.cmd == "execute":
        paths = all_notebooks() if args.all else args.paths
        if not paths:
            ap.error("give notebook paths or --all")
        for p in paths:
            t = execute(p.resolve(), args.timeout)
            print(f"{t:7.1f} s  {p}", flush=True)
        return 0
    sys.path.insert(0, str(ROOT / "tests"))
    from notebook_checks import problems  # noqa: E402
    found = problems(all_notebooks())
    print("\n".join(found) if found else "all notebooks ok")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
