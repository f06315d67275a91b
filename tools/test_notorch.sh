#!/usr/bin/env bash
# The numpy/torch boundary, proved: a new virtualenv from the system python3 with only
# numpy and pytest (at their requirements.lock versions) and this checkout's rnnkit on
# PYTHONPATH. In it
#   (a) every rnnkit module is imported; those that must work without torch (checks,
#       atomic, scratch.*, data.*, analysis.gradcheck/unroll/bptt/gradflow/gates,
#       charlm.tokens/ngram, which charlm/__init__'s lazy names let import alone,
#       exercises.*) must import, and torch must not have been imported;
#   (b) the rnnkit.scratch tests run, the torch parity files skipping cleanly, and the
#       rnnkit.exercises tests (the checks a Colab reader runs without torch).
#
#   bash tools/test_notorch.sh
#
# pip finds numpy on this machine's local index; pytest at the locked version comes from
# PyPI (pip's download cache is reused).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t0=$SECONDS

echo "==> Without torch: a new virtualenv with numpy and pytest only"
"$PY" -m venv "$tmp/venv"
V="$tmp/venv/bin/python"
"$V" -m pip install -q --disable-pip-version-check -c requirements.lock numpy pytest 2>&1 \
  | { grep -v -e "Running pip as the 'root' user" -e "is ignored: it is neither" || true; }
"$V" -c 'import importlib.metadata as md; print("    " + ", ".join(f"{n} {md.version(n)}" for n in ("numpy", "pytest")))'
export PYTHONPATH="$PWD"
status=0

echo "==> Without torch: importing every rnnkit module"
"$V" - <<'EOF' || status=1
import importlib
import os
import sys
import traceback
from pathlib import Path

import rnnkit

assert rnnkit.__file__.startswith(os.getcwd() + os.sep), f"not this checkout's rnnkit: {rnnkit.__file__}"
MUST = ["rnnkit.checks", "rnnkit.atomic", "rnnkit.scratch", "rnnkit.data",
        "rnnkit.analysis.gradcheck", "rnnkit.analysis.unroll", "rnnkit.analysis.bptt",
        "rnnkit.analysis.gradflow", "rnnkit.analysis.gates",
        "rnnkit.charlm.tokens", "rnnkit.charlm.ngram", "rnnkit.exercises", "rnnkit.spacing",
        "rnnkit.spacing.counts"]
MUST_PACKAGES = ["rnnkit/scratch", "rnnkit/data", "rnnkit/exercises"]   # and every module in them


def chain(exc):
    """The rnnkit lines of the traceback of exc, outermost first: 'charlm/__init__.py:15 -> ...'."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.sep + "rnnkit" + os.sep in f.filename]
    return " -> ".join(f"{os.path.relpath(f.filename, 'rnnkit')}:{f.lineno}" for f in frames) or "?"


def module_name(path):
    parts = list(path.with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


names = sorted(module_name(p) for p in Path("rnnkit").rglob("*.py") if p.name != "__main__.py")
must = set(MUST) | {n for n in names for p in MUST_PACKAGES if n.startswith(p.replace("/", ".") + ".")}
ok, failed = [], {}
for name in names:
    try:
        importlib.import_module(name)
        ok.append(name)
    except Exception as exc:           # noqa: BLE001 - a report, not a handler
        failed[name] = f"{type(exc).__name__}: {exc} (at {chain(exc)})"
print(f"    {len(ok)} of {len(names)} modules import without torch")
missing = sorted(must - set(ok))
for name in sorted(failed):
    mark = "ERROR" if name in must else "     "
    print(f"    {mark} {name}: {failed[name]}")
torch_loaded = sorted(m for m in sys.modules if m == "torch" or m.startswith("torch."))
if torch_loaded:
    print(f"    ERROR: torch was imported: {torch_loaded[:5]}")
if missing:
    print(f"    ERROR: {len(missing)} module(s) that must work without torch do not import: {', '.join(missing)}")
if missing or torch_loaded:
    sys.exit(1)
print(f"    all {len(must)} modules that must work without torch import; 'torch' is not in sys.modules")
EOF

echo "==> Without torch: the rnnkit.scratch and rnnkit.exercises tests"
if "$V" -m pytest tests/scratch tests/exercises -q -p no:cacheprovider -rs > "$tmp/pytest.log" 2>&1; then
  grep -e "^SKIPPED" "$tmp/pytest.log" | sed 's/^/    /' || true
  tail -n 1 "$tmp/pytest.log" | sed 's/^/    /'
else
  tail -n 40 "$tmp/pytest.log"; echo "ERROR: the rnnkit.scratch or rnnkit.exercises tests fail without torch" >&2; status=1
fi
echo "    no-torch check done in $((SECONDS - t0)) s"
exit $status
