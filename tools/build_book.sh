#!/usr/bin/env bash
# Sets up everything and builds the static site from the notebooks' stored outputs.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
bash tools/setup.sh
echo "==> Building the book"
t0=$EPOCHREALTIME
"$PY" -c "from jupyter_book.cli.main import main; main()" build . -W -n --keep-going
echo "Built $(find _build/html -name '*.html' -not -path '*/_static/*' | wc -l) pages in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s."
echo "Open $(pwd)/_build/html/index.html in a browser,"
echo "or serve it: $PY -m http.server -d _build/html 8000  (then http://127.0.0.1:8000)"
