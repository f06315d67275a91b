"""Stored results of runs too long for a notebook (benchmarks under ``bench/``).

Each result is a JSON file in this folder, written by the bench script named in its
``"command"`` field, so a notebook can plot it on Colab too (the files ship with the
package). ``load("name")`` reads ``name.json``; ``save`` writes it through :func:`rnnkit.atomic.atomic_file`.
"""
from __future__ import annotations

import json
from pathlib import Path

from rnnkit.atomic import atomic_file

HERE = Path(__file__).resolve().parent


def path(name: str) -> Path:
    """Path of the stored result ``name`` (without ``.json``)."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"name must be a plain result name like 'lstm_memory_task', got {name!r}")
    return HERE / f"{name}.json"


def load(name: str) -> dict:
    """Read the stored result ``name``; raises FileNotFoundError naming the bench to run."""
    p = path(name)
    if not p.exists():
        have = sorted(q.stem for q in HERE.glob("*.json"))
        raise FileNotFoundError(f"no stored result {name!r} in {HERE}; available: {have}")
    return json.loads(p.read_text(encoding="utf-8"))


def save(name: str, data: dict, *, command: str) -> Path:
    """Write ``data`` (JSON-serialisable) with the command that reproduces it, atomically."""
    if not isinstance(data, dict):
        raise ValueError(f"data must be a dict, got {type(data).__name__}")
    if not command:
        raise ValueError("command must say how to reproduce the result")
    p = path(name)
    payload = {"command": command, **data}
    with atomic_file(p, "w") as f:          # mode 0644; on an error the old file stays
        json.dump(payload, f, ensure_ascii=False, indent=1)
        f.write("\n")
    return p
