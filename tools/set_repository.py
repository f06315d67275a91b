"""Point the book at another GitHub repository (for a fork).

    python tools/set_repository.py https://github.com/OWNER/REPO

Rewrites the one ``repository: url:`` line of ``_config.yml`` (the Colab and Binder
buttons on every chapter page are built from it) and the ``REPO = "..."`` line of every
notebook's Colab bootstrap cell (the first code cell, which installs rnnkit from that
repository on Colab). Only those lines change; everything else in the files is kept byte
for byte. Run the tests afterwards (tests/site/test_bootstrap.py checks both agree).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
URL = re.compile(r"^https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
CONFIG_URL = re.compile(r"^(repository:[ \t]*\n(?:[ \t]+.*\n)*?[ \t]+url:[ \t]*)(\S+)", re.M)
# Inside the notebook's JSON the cell line is stored as  "REPO = \"https://...\"\n",
NB_REPO = re.compile(r'("REPO = \\")([^"\\]*)(\\")')


def set_config(path: Path, url: str) -> bool:
    text = path.read_text(encoding="utf-8")
    new, n = CONFIG_URL.subn(lambda m: m.group(1) + url, text, count=1)
    if n != 1:
        raise SystemExit(f"{path}: no `repository:` block with a `url:` line")
    path.write_text(new, encoding="utf-8")
    return new != text


def first_code_cell(nb: dict) -> str:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            src = cell.get("source", "")
            return "".join(src) if isinstance(src, list) else src
    return ""


def set_notebook(path: Path, url: str) -> bool:
    text = path.read_text(encoding="utf-8")
    cell = first_code_cell(json.loads(text))
    if not re.search(r'^REPO = "[^"]*"$', cell, re.M):
        raise SystemExit(f"{path}: the first code cell has no `REPO = \"...\"` line "
                         "(see docs/AUTHORING.md, cell 1)")
    new, n = NB_REPO.subn(lambda m: m.group(1) + url + m.group(3), text, count=1)
    if n != 1 or first_code_cell(json.loads(new)).count(f'REPO = "{url}"') != 1:
        raise SystemExit(f"{path}: could not rewrite the bootstrap cell's REPO line")
    path.write_text(new, encoding="utf-8")
    return new != text


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("url", help="https://github.com/OWNER/REPO")
    ap.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    url = args.url.rstrip("/")
    if url.endswith(".git"):
        url = url[:-4]
    if not URL.match(url):
        ap.error(f"url must look like https://github.com/OWNER/REPO, got {args.url!r}")
    changed = []
    if set_config(args.root / "_config.yml", url):
        changed.append("_config.yml")
    for nb in sorted((args.root / "book").glob("*/*.ipynb")):
        if set_notebook(nb, url):
            changed.append(nb.relative_to(args.root).as_posix())
    print(f"repository set to {url}; changed {len(changed)} file(s)")
    for c in changed:
        print("  " + c)
    return 0


if __name__ == "__main__":
    sys.exit(main())
