#!/usr/bin/env bash
# Installs what the book and its tests need into the active Python (idempotent, quick
# when everything is already there). Use a virtualenv first if you prefer one.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

echo "==> Python packages (requirements.txt, rnnkit in editable mode)"
"$PY" -m pip install -q --disable-pip-version-check -r requirements.txt -e . 2>&1 \
  | { grep -v -e "Running pip as the 'root' user" -e "is ignored: it is neither" || true; }
