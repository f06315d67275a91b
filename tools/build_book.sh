#!/usr/bin/env bash
# Sets up everything and builds the static site from the notebooks' stored outputs.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
bash tools/setup.sh
echo "==> Building the book"
t0=$(date +%s)
"$PY" -m jupyter_book build . -W -n --keep-going
echo "Built in $(( $(date +%s) - t0 )) s."
echo "Open $(pwd)/_build/html/index.html in a browser,"
echo "or serve it: $PY -m http.server -d _build/html 8000  (then http://127.0.0.1:8000)"
