#!/usr/bin/env bash
# Runs every test: rnnkit's unit tests, every notebook under strict nbval, the site
# build and the browser tests, in one pytest run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
# Test this checkout's rnnkit (also inside notebook kernels), whatever else is installed.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
bash tools/build_book.sh
echo "==> Tests"
exec "$PY" -m pytest tests book --nbval --nbval-current-env -n 2 --dist loadfile -q -rfEs "$@"
