"""The API reference pages follow the package: every public module is on both pages once."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "book" / lang / "api.md" for lang in ("ko", "en")]
# Packages whose __init__ only lists their modules; the modules are documented instead.
LISTING_PACKAGES = {"rnnkit", "rnnkit.analysis", "rnnkit.models", "rnnkit.figures", "rnnkit.charlm",
                    "rnnkit.data", "rnnkit.spacing"}


def public_modules():
    names = set()
    for path in (ROOT / "rnnkit").rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__main__" or any(p.startswith("_") and p != "__init__" for p in parts):
            continue
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join(parts)
        # rnnkit.scratch re-exports its layers, rnnkit.exercises its checks: the package
        # section documents them
        if name.startswith("rnnkit.scratch.") and name != "rnnkit.scratch.fast" \
                or name.startswith("rnnkit.exercises."):
            continue
        if name not in LISTING_PACKAGES:
            names.add(name)
    return names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.parent.name)
def test_every_public_module_is_documented_once(page):
    documented = re.findall(r"^\.\. automodule:: (\S+)", page.read_text(encoding="utf-8"), flags=re.M)
    dupes = sorted({m for m in documented if documented.count(m) > 1})
    assert not dupes, f"{page.name} documents {dupes} more than once"
    expected = public_modules()
    assert set(documented) == expected, (
        f"missing: {sorted(expected - set(documented))}; not modules: {sorted(set(documented) - expected)}")
