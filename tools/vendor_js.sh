#!/usr/bin/env bash
# Copies every JavaScript file the built site needs into _vendor/, so that a page of the
# book requests nothing from any host but the site itself:
#   MathJax 3 (npm, pinned, checked against its sha512)       -> _vendor/mathjax/
#   @jupyter-widgets/html-manager embed.js (npm, pinned)      -> _vendor/embed.js + its fonts
#   plotly.min.js from the installed plotly Python package    -> _vendor/plotly.min.js
# _config.yml serves _vendor/ as a static path. The folder is not committed (_vendor/.gitignore).
# Idempotent: does nothing when the stamp file says the same versions are already there.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
OUT=_vendor

MATHJAX=3.2.2
MATHJAX_SHA512=Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==
HTML_MANAGER=1.0.15
HTML_MANAGER_SHA512=5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==

PLOTLY_JS=$("$PY" -c "import os, plotly; print(os.path.join(os.path.dirname(plotly.__file__), 'package_data', 'plotly.min.js'))")
PLOTLY_VERSION=$("$PY" -c "import plotly; print(plotly.__version__)")
STAMP="mathjax=$MATHJAX html-manager=$HTML_MANAGER plotly=$PLOTLY_VERSION"

if [ -f "$OUT/.stamp" ] && [ "$(cat "$OUT/.stamp")" = "$STAMP" ] \
   && [ -f "$OUT/mathjax/tex-mml-chtml.js" ] && [ -f "$OUT/embed.js" ] && [ -f "$OUT/plotly.min.js" ]; then
  echo "==> Vendored JavaScript is up to date ($STAMP)"
  exit 0
fi

echo "==> Vendoring JavaScript into $OUT/ ($STAMP)"
command -v npm >/dev/null || { echo "ERROR: npm is needed once to fetch MathJax and the widget embedder (apt-get install -y npm)." >&2; exit 1; }
[ -f "$PLOTLY_JS" ] || { echo "ERROR: $PLOTLY_JS not found; install plotly (pip install -r requirements.txt)." >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fetch() {  # fetch NAME VERSION SHA512 -> unpacks into $tmp/NAME-dir
  local name=$1 version=$2 sha=$3 tgz
  tgz=$(cd "$tmp" && npm pack --silent "$name@$version" 2>/dev/null | tail -n 1)
  local got
  got=$(openssl dgst -sha512 -binary "$tmp/$tgz" | base64 -w0)
  if [ "$got" != "$sha" ]; then
    echo "ERROR: $name@$version: sha512 mismatch (got $got)" >&2; exit 1
  fi
  mkdir -p "$tmp/${name//\//_}"
  tar xzf "$tmp/$tgz" -C "$tmp/${name//\//_}"
}
fetch mathjax "$MATHJAX" "$MATHJAX_SHA512"
fetch @jupyter-widgets/html-manager "$HTML_MANAGER" "$HTML_MANAGER_SHA512"

rm -rf "$OUT.new"
mkdir -p "$OUT.new/mathjax/output"
# MathJax: the combined TeX/MathML -> CommonHTML entry point plus what it loads on demand
# (TeX extensions, CHTML fonts, the menu, accessibility and speech rules).
mj="$tmp/mathjax/package/es5"
cp "$mj/tex-mml-chtml.js" "$OUT.new/mathjax/"
cp -r "$mj/input" "$mj/a11y" "$mj/ui" "$mj/sre" "$mj/adaptors" "$OUT.new/mathjax/"
cp -r "$mj/output/chtml" "$OUT.new/mathjax/output/"
cp "$tmp/mathjax/package/LICENSE" "$OUT.new/mathjax/LICENSE"
# Widget embedder (non-AMD build: needs no RequireJS) and the icon fonts it references
# relative to its own URL.
hm="$tmp/@jupyter-widgets_html-manager/package/dist"
cp "$hm/embed.js" "$hm/embed.js.LICENSE.txt" "$OUT.new/"
find "$hm" -maxdepth 1 -type f \( -name '*.woff2' -o -name '*.woff' -o -name '*.ttf' -o -name '*.eot' -o -name '*.svg' \) \
  -exec cp {} "$OUT.new/" \;
cp "$PLOTLY_JS" "$OUT.new/plotly.min.js"

printf '*\n' > "$OUT.new/.gitignore"
printf '%s\n' "$STAMP" > "$OUT.new/.stamp"
rm -rf "$OUT"
mv "$OUT.new" "$OUT"
echo "    $(du -sh "$OUT" | cut -f1) in $OUT/"
