#!/usr/bin/env bash
# Installs what the book and its tests need into the active Python (idempotent, quick
# when everything is already there). Use a virtualenv first if you prefer one.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

echo "==> Python packages (requirements.txt, rnnkit in editable mode)"
"$PY" -m pip install -q --disable-pip-version-check -r requirements.txt -e . 2>&1 \
  | { grep -v -e "Running pip as the 'root' user" -e "is ignored: it is neither" || true; }

echo "==> System packages: chromium and fonts-nanum (browser tests), npm (vendoring JavaScript)"
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi nanum || missing+=(fonts-nanum)
command -v npm >/dev/null || [ -f _vendor/.stamp ] || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
  echo "    already installed"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "    installed ${missing[*]}"
else
  echo "    WARNING: missing ${missing[*]} and not root on Debian: install them"
  echo "    (apt-get install -y ${missing[*]}), or the site build or browser tests fail."
fi

bash tools/vendor_js.sh
