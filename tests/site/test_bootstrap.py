"""Every chapter's first code cell: installs rnnkit from the book's repository on Colab
only, and is a no-op anywhere else; tools/set_repository.py rewrites it for a fork."""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "book").glob("*/*.ipynb"))
REAL_FIND_SPEC = importlib.util.find_spec


def first_code_cell(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    raise AssertionError(f"{path} has no code cell")


def authoring_cell() -> str:
    """The bootstrap cell as docs/AUTHORING.md prescribes it."""
    text = (ROOT / "docs" / "AUTHORING.md").read_text(encoding="utf-8")
    m = re.search(r"## Cell 1.*?```python\n(.*?)```", text, re.S)
    assert m, "docs/AUTHORING.md has no Cell 1 code block"
    return m.group(1)


def config_repository(root: Path = ROOT) -> str:
    text = (root / "_config.yml").read_text(encoding="utf-8")
    m = re.search(r"^repository:\s*\n(?:\s+.*\n)*?\s+url:\s*(\S+)", text, re.M)
    assert m, "_config.yml has no repository url"
    return m.group(1).strip("\"'")


def run_cell(source: str, monkeypatch, *, colab: bool, rnnkit_installed: bool):
    """Execute ``source`` with a fake ``google.colab`` (or none) and subprocess.run recorded."""
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append((a, k)))
    if colab:
        google = types.ModuleType("google")
        google.colab = types.ModuleType("google.colab")
        monkeypatch.setitem(sys.modules, "google", google)
        monkeypatch.setitem(sys.modules, "google.colab", google.colab)
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: (REAL_FIND_SPEC(name, *a) if rnnkit_installed or name != "rnnkit" else None))
    namespace: dict = {}
    exec(compile(source, "<bootstrap cell>", "exec"), namespace)
    return calls, namespace


CELLS = [pytest.param(authoring_cell, id="docs/AUTHORING.md")] + [
    pytest.param(lambda p=p: first_code_cell(p), id=p.relative_to(ROOT).as_posix()) for p in NOTEBOOKS]


@pytest.mark.parametrize("cell", CELLS)
def test_bootstrap_is_a_no_op_off_colab(cell, monkeypatch):
    for installed in (True, False):
        calls, _ = run_cell(cell(), monkeypatch, colab=False, rnnkit_installed=installed)
        assert calls == []


@pytest.mark.parametrize("cell", CELLS)
def test_bootstrap_installs_from_the_configured_repository_on_colab(cell, monkeypatch):
    repo = config_repository()
    calls, ns = run_cell(cell(), monkeypatch, colab=True, rnnkit_installed=False)
    assert ns["REPO"] == repo
    assert calls == [(([sys.executable, "-m", "pip", "install", "-q", f"rnnkit @ git+{repo}"],),
                      {"check": True})]
    # On a Colab runtime where rnnkit is already installed it does nothing.
    calls, _ = run_cell(cell(), monkeypatch, colab=True, rnnkit_installed=True)
    assert calls == []


def test_set_repository_rewrites_config_and_every_bootstrap_cell(tmp_path, monkeypatch):
    (tmp_path / "book" / "ko").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    nbs = NOTEBOOKS[:2]
    if not nbs:   # no chapter yet: a minimal notebook holding the AUTHORING.md cell
        nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# t"]},
                        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                         "source": authoring_cell().splitlines(keepends=True)}],
              "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        (tmp_path / "book" / "ko" / "t.ipynb").write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    for p in nbs:
        (tmp_path / "book" / p.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy(p, tmp_path / "book" / p.parent.name / p.name)
    before = {p: p.read_text(encoding="utf-8") for p in tmp_path.rglob("*") if p.is_file()}
    new = "https://github.com/someone/my-rnn-book"
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "set_repository.py"), new + ".git",
                          "--root", str(tmp_path)], capture_output=True, text=True, check=True)
    assert "repository set to " + new in out.stdout
    assert config_repository(tmp_path) == new
    for p, old in before.items():
        now = p.read_text(encoding="utf-8")
        diff = [(a, b) for a, b in zip(old.splitlines(), now.splitlines()) if a != b]
        assert len(old.splitlines()) == len(now.splitlines())
        assert len(diff) == 1, f"{p.name}: exactly one line must change, got {diff}"
        if p.suffix == ".ipynb":
            calls, ns = run_cell(first_code_cell(p), monkeypatch, colab=True, rnnkit_installed=False)
            assert ns["REPO"] == new
            assert calls[0][0][0][-1] == f"rnnkit @ git+{new}"


def test_set_repository_rejects_a_non_github_url(tmp_path):
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "set_repository.py"), "ftp://x/y",
                        "--root", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode != 0 and "https://github.com/OWNER/REPO" in r.stderr
    assert (tmp_path / "_config.yml").read_text() == (ROOT / "_config.yml").read_text()
