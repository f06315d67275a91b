#!/usr/bin/env bash
# Installs what the book and its tests need into the active Python: the exact versions
# of requirements.lock, rnnkit from this checkout, Chromium and a Korean font, and the
# site's JavaScript. Idempotent, and quick when everything is already there. Use a
# virtualenv first (python3 -m venv v && . v/bin/activate) to keep it apart.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

quiet_pip() {  # pip without its root and local-index chatter
  "$PY" -m pip install -q --disable-pip-version-check "$@" 2>&1 \
    | { grep -v -e "Running pip as the 'root' user" -e "is ignored: it is neither" || true; }
}
t0=$SECONDS
echo "==> Python packages: the exact versions of requirements.lock (a few minutes the first time)"
quiet_pip -r requirements.lock
echo "==> rnnkit from this checkout (editable)"
quiet_pip --no-deps -e .
echo "    done in $((SECONDS - t0)) s ($("$PY" -m pip --disable-pip-version-check list 2>/dev/null | tail -n +3 | wc -l) packages in $("$PY" -c 'import sys; print(sys.prefix)'))"

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
