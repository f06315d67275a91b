#!/usr/bin/env bash
# Refreshes requirements.lock: resolves requirements.txt in a new, empty virtualenv made
# from the system python3 and writes down the exact version of every package installed.
#
#   bash tools/lock.sh          # then re-execute the notebooks and run the tests
#
# The lock is what tools/setup.sh, binder/ and CI install, so every machine that builds
# or tests the book runs the same versions. It is resolved by pip itself (not by uv or
# pip-compile) because only pip reads this machine's pip configuration, which is where the
# CPU build of torch==2.13.0 is found; the local label (+cpu) is dropped so the same line
# also matches the CPU index Binder uses. rnnkit's own dependencies stay ranges in
# pyproject.toml (tools/test_lowest.sh checks their lower ends).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "==> Resolving requirements.txt in a new virtualenv ($("$PY" --version))"
"$PY" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check -r requirements.txt 2>&1 \
  | { grep -v -e "Running pip as the 'root' user" -e "is ignored: it is neither" || true; }

{
  echo "# Exact versions of everything the book, its build and its tests install."
  echo "# Made by \`bash tools/lock.sh\` from requirements.txt; do not edit by hand."
  echo "# Resolved with $("$tmp/venv/bin/python" --version) on $(uname -s) $(uname -m)."
  "$tmp/venv/bin/python" -m pip freeze --disable-pip-version-check --exclude-editable \
    | LC_ALL=C sort -f | sed -E 's/^(torch==[^+]+)\+cpu$/\1/'
} > requirements.lock.tmp
mv requirements.lock.tmp requirements.lock
echo "    $(grep -vc '^#' requirements.lock) packages in requirements.lock"
git diff --stat -- requirements.lock 2>/dev/null || true
