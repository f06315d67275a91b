"""requirements.lock: one exact version per package, agreeing with requirements.txt and
pyproject.toml, and installed as locked wherever the README's commands set things up."""
from __future__ import annotations

import importlib.metadata as md
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def requirement_lines(path: Path) -> list[str]:
    lines = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            lines.append(line)
    return lines


def locked() -> dict[str, str]:
    pins = {}
    for line in requirement_lines(ROOT / "requirements.lock"):
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)==([A-Za-z0-9_.!+-]+)", line)
        assert m, f"requirements.lock: not an exact pin: {line!r}"
        name = canonicalize_name(m.group(1))
        assert name not in pins, f"requirements.lock pins {name} twice"
        pins[name] = m.group(2)
    return pins


def test_every_requirement_is_locked_within_its_range():
    pins = locked()
    for line in requirement_lines(ROOT / "requirements.txt"):
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is in requirements.txt but not locked: run bash tools/lock.sh"
        assert req.specifier.contains(pins[name], prereleases=True), \
            f"{req.name}=={pins[name]} in the lock is outside requirements.txt's {req.specifier}"


def test_rnnkit_dependencies_are_ranges_that_the_lock_satisfies():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = locked()
    for dep in deps:
        req = Requirement(dep)
        assert not any(s.operator in ("==", "===") for s in req.specifier), \
            f"pyproject.toml pins {dep}: rnnkit as a library keeps ranges (Colab has its own versions)"
        assert any(s.operator == ">=" for s in req.specifier), \
            f"pyproject.toml: {dep} needs a lower bound (tools/test_lowest.sh tests it)"
        assert req.specifier.contains(pins[canonicalize_name(req.name)], prereleases=True)


def test_torch_is_pinned_exactly_and_without_a_local_label():
    assert locked()["torch"] == "2.13.0"


def test_binder_installs_the_lock():
    assert "-r ../requirements.lock" in (ROOT / "binder" / "requirements.txt").read_text().splitlines()


def test_everything_locked_is_installed_at_its_locked_version():
    """The README's commands install the lock; this checks that the tests run on it."""
    wrong = []
    for name, version in sorted(locked().items()):
        try:
            installed = md.version(name)
        except md.PackageNotFoundError:
            installed = "nothing"
        if installed.split("+")[0] != version:
            wrong.append(f"{name}: {installed} installed, {version} locked")
    assert not wrong, "run bash tools/setup.sh; " + "; ".join(wrong)
