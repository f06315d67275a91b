#!/usr/bin/env bash
# rnnkit at the lowest versions its pyproject.toml allows: a new virtualenv gets each of
# rnnkit's dependencies at the lower end of its range (uv's --resolution lowest-direct),
# then runs the rnnkit.scratch tests and executes chapter 01 (ko, en) top to bottom.
# Outputs are not compared: other versions may print other digits; what must hold is
# that everything runs and the tests' values pass. When this fails, raise the bound in
# pyproject.toml (and say why in the commit).
#
#   bash tools/test_lowest.sh        # needs uv (in requirements.lock) on PATH
#
# torch is not one of rnnkit's dependencies; it is installed with pip at the locked
# version (only pip finds this machine's CPU build), as are pytest, nbclient and ipykernel.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
UV=${UV:-$(command -v uv || true)}
[ -n "$UV" ] || { echo "ERROR: uv not found; run tools/setup.sh first (uv is in requirements.lock)." >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t0=$SECONDS

echo "==> Lowest versions: a new virtualenv"
"$PY" -m venv "$tmp/venv"
V="$tmp/venv/bin/python"
"$V" -m pip install -q --disable-pip-version-check -c requirements.lock torch pytest nbclient ipykernel 2>&1 \
  | { grep -v -e "Running pip as the 'root' user" -e "is ignored: it is neither" || true; }
"$UV" pip install -q --python "$V" --resolution lowest-direct -r pyproject.toml
"$UV" pip install -q --python "$V" --no-deps -e .
"$V" - <<'EOF'
import importlib.metadata as md
import re
import tomllib

deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]
names = [re.match(r"[A-Za-z0-9_.-]+", d).group(0) for d in deps]
print("    " + ", ".join(f"{n} {md.version(n)}" for n in names) + f"; torch {md.version('torch')}")
EOF

echo "==> Lowest versions: the rnnkit.scratch tests"
if ! "$V" -m pytest tests/scratch -q --tb=short > "$tmp/pytest.log" 2>&1; then
  tail -n 60 "$tmp/pytest.log"; echo "ERROR: rnnkit.scratch fails at the lowest versions" >&2; exit 1
fi
tail -n 1 "$tmp/pytest.log"

echo "==> Lowest versions: chapter 01 top to bottom"
"$V" - <<'EOF'
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
for path in (Path("book/ko/01_rnn_basics.ipynb"), Path("book/en/01_rnn_basics.ipynb")):
    nb = nbformat.read(path, as_version=4)
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    print(f"    {path}: {sum(c.cell_type == 'code' for c in nb.cells)} code cells ran without error "
          f"in {time.perf_counter() - t0:.1f} s")
EOF
echo "    lowest-version check done in $((SECONDS - t0)) s"
