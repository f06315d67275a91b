#!/usr/bin/env bash
# Sets up everything and builds the static site from the notebooks' stored outputs.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
bash tools/setup.sh
echo "==> Building the book"
t0=$EPOCHREALTIME
mkdir -p _build
log=_build/build.log
# -q: Sphinx prints only warnings, and -W turns each into a failure; Jupyter Book's own
# banner goes to the log with them.
if ! "$PY" -c "from jupyter_book.cli.main import main; main()" build . -W -n --keep-going -q >"$log" 2>&1; then
  grep -v -e '^=*$' -e '^\s*$' "$log" | tail -n 40 >&2
  echo "ERROR: the site build failed; the whole log is $log" >&2
  exit 1
fi
echo "Built $(find _build/html -name '*.html' -not -path '*/_static/*' | wc -l) pages in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s."
echo "Open $(pwd)/_build/html/index.html in a browser,"
echo "or serve it: $PY -m http.server -d _build/html 8000  (then http://127.0.0.1:8000)"
