"""What the static site shows, stored deterministically: plotly figures and HTML tables.

**Figures.**

A chapter builds a plotly figure whose slider steps are all precomputed and calls
:func:`show`. The figure then moves in three places without a Python kernel behind it:

- on the built book, whose pages load the site's own copy of plotly.js
  (``window.Plotly`` is defined, nothing is requested from any other host);
- in JupyterLab, through plotly's MIME renderer (the JSON bundle that :func:`show`
  stores beside the HTML);
- in front ends that show the HTML but have no plotly.js (Colab, classic notebook
  viewers): the HTML then loads plotly.js, of the version of the installed ``plotly``
  package, from plotly's CDN, once per page.

Every float a figure stores is rounded to ``SIGNIFICANT_DIGITS`` (3) significant digits,
so that the stored output does not depend on the last bits that the CPU's kernels
produce. The ``div`` id is a hash of the figure's JSON (plus a counter when the same figure is
shown twice in one session), so re-executing a notebook reproduces its outputs byte
for byte and strict nbval can compare them.
**Tables.** The site renders ``text/markdown`` outputs as CommonMark, which has no
tables, so :func:`show_table` shows a table as HTML::

    show_table(["D", "H", "params"], [[4, 3, 27], [10, 20, 640]])

Cells are converted with ``str`` and HTML-escaped; text between backticks becomes
``<code>``. Format (round) numbers before passing them.

**Sliders.** :func:`slider` builds the one kind of plotly slider the book uses: a list
of precomputed steps, each a label and the ``update``/``restyle`` arguments it applies.

**Code.** :func:`source_code` gives a function's source without its docstring and
comments, which are English: a chapter that prints rnnkit's code prints the same lines on
both language pages and explains them in its own prose.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re

DEFAULT_HEIGHT = 450          # px, plotly's own default
CDN_TEMPLATE = "https://cdn.plot.ly/plotly-{version}.min.js"
CONFIG = {"displaylogo": False, "responsive": True}
SIGNIFICANT_DIGITS = 3        # of every float a figure stores: 1 part in 1,000, finer than a screen shows

_CODE = re.compile(r"`([^`]+)`")
_shown: dict[str, int] = {}   # figure hash -> times shown in this session


def plotly_cdn_url() -> str:
    """URL of the plotly.js matching the installed ``plotly`` package (used only as a fallback)."""
    from plotly.offline import get_plotlyjs_version

    return CDN_TEMPLATE.format(version=get_plotlyjs_version())


def _spec(fig) -> dict:
    """``fig`` as a plain ``{"data", "layout", "frames"?}`` dict, validated by plotly."""
    import plotly.graph_objects as go
    import plotly.io as pio

    if not isinstance(fig, (go.Figure, dict)):
        raise ValueError("fig must be a plotly.graph_objects.Figure (or a figure dict), "
                         f"got {type(fig).__name__}")
    return _rounded(json.loads(pio.to_json(fig, validate=True, pretty=False, engine="json")))


def _rounded(obj, digits: int = SIGNIFICANT_DIGITS):
    """``obj`` with every float rounded to ``digits`` significant digits.

    plotly stores numpy arrays as base64 ``{"bdata", "dtype"}`` objects; float ones are
    decoded and written out as plain JSON numbers (NaN and infinities as ``null``, a gap in
    the line, as plotly writes them). A figure cannot show more than a few
    digits, while the last bits of a float depend on the CPU's kernels (the order in which
    a vectorised sum adds its terms): rounded, the stored figure is the same on every
    machine.
    """
    if isinstance(obj, float):
        return float(f"{obj:.{digits}g}") if math.isfinite(obj) else None   # a gap, as plotly does
    if isinstance(obj, list):
        return [_rounded(v, digits) for v in obj]
    if isinstance(obj, dict):
        if isinstance(obj.get("bdata"), str) and isinstance(obj.get("dtype"), str):
            import numpy as np

            dtype = np.dtype(obj["dtype"])
            if dtype.kind != "f":
                return obj
            arr = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=dtype)
            if obj.get("shape"):
                arr = arr.reshape([int(n) for n in str(obj["shape"]).split(",")])
            return _rounded(arr.astype(float).tolist(), digits)
        return {k: _rounded(v, digits) for k, v in obj.items()}
    return obj


def _js_json(obj) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>``, no ``<!--``)."""
    text = json.dumps(obj, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def figure_id(fig, *, _count: bool = False) -> str:
    """Deterministic ``div`` id for ``fig``: ``"fig-"`` and 12 hex digits of the JSON's SHA-1."""
    digest = hashlib.sha1(_js_json(_spec(fig)).encode()).hexdigest()[:12]
    div_id = "fig-" + digest
    if _count:
        n = _shown.get(div_id, 0)
        _shown[div_id] = n + 1
        if n:
            div_id += f"-{n}"
    return div_id


def figure_html(fig, div_id: str | None = None) -> str:
    """HTML that draws ``fig`` with the page's plotly.js, or with plotly.js from its CDN
    when the page has none.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure or dict
        A figure; frames and sliders are kept (nothing is animated on load).
    div_id : str or None
        Id of the ``div`` to draw into; by default :func:`figure_id` of ``fig``.

    Returns
    -------
    str
        A ``<div>`` and a ``<script>``; no plotly.js inlined, no MathJax.
    """
    spec = _spec(fig)
    if div_id is None:
        div_id = figure_id(fig)
    if not isinstance(div_id, str) or not div_id.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"div_id must be letters, digits, '-' or '_', got {div_id!r}")
    height = spec.get("layout", {}).get("height") or DEFAULT_HEIGHT
    payload = {"data": spec.get("data", []), "layout": spec.get("layout", {})}
    if spec.get("frames"):
        payload["frames"] = spec["frames"]
    return f"""<div id="{div_id}" class="plotly-graph-div rnnkit-figure" style="height:{int(height)}px; width:100%;"></div>
<script type="text/javascript">
(function () {{
  var id = {json.dumps(div_id)}, fig = {_js_json(payload)}, config = {_js_json(CONFIG)};
  function draw() {{
    var el = document.getElementById(id);
    if (!el || el.getAttribute("data-drawn")) {{ return; }}
    el.setAttribute("data-drawn", "1");
    window.Plotly.newPlot(el, fig.data, fig.layout, config).then(function () {{
      if (fig.frames) {{ return window.Plotly.addFrames(el, fig.frames); }}
    }});
  }}
  function loadFromCdn() {{
    /* No plotly.js on this page (e.g. Colab): fetch it once, shared by every figure. */
    if (!window.__rnnkitPlotly) {{
      window.__rnnkitPlotly = new Promise(function (resolve, reject) {{
        var s = document.createElement("script");
        s.src = {json.dumps(plotly_cdn_url())};
        s.onload = resolve;
        s.onerror = reject;
        document.head.appendChild(s);
      }});
    }}
    window.__rnnkitPlotly.then(draw);
  }}
  if (window.Plotly) {{ draw(); }}
  else if (document.readyState === "loading") {{
    document.addEventListener("DOMContentLoaded", function () {{
      if (window.Plotly) {{ draw(); }} else {{ loadFromCdn(); }}
    }});
  }}
  else {{ loadFromCdn(); }}
}})();
</script>"""


def show(fig) -> None:
    """Display ``fig`` as HTML (book, Colab) plus plotly's JSON bundle (JupyterLab).

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        Precompute every slider step in the figure (``restyle`` steps or frames): on the
        static site no Python runs when the reader moves the slider.
    """
    from IPython.display import display

    spec = _spec(fig)
    bundle = {
        "text/html": figure_html(fig, figure_id(fig, _count=True)),
        "application/vnd.plotly.v1+json": spec,
    }
    display(bundle, raw=True)


# -- sliders ---------------------------------------------------------------------------
def slider(labels, args, *, method="update", prefix="", active=0, **options) -> dict:
    """A plotly slider whose step ``k`` is labelled ``labels[k]`` and applies ``args[k]``.

    Parameters
    ----------
    labels : sequence of str, one per step
    args : sequence, one per step: the argument list of ``method`` (for ``"update"``,
        ``[data_update, layout_update]``; for ``"restyle"``, ``[data_update]``)
    method : "update" or "restyle"
    prefix : text shown before the current step's label
    active : index of the step shown first
    options : further slider attributes (``pad``, ``len``, ...)

    Returns
    -------
    dict, one entry of ``layout.sliders``
    """
    if method not in ("update", "restyle"):
        raise ValueError(f"method must be 'update' or 'restyle', got {method!r}")
    labels, args = list(labels), list(args)
    if not labels or len(labels) != len(args):
        raise ValueError(f"labels and args must be non-empty and of one length, got "
                         f"{len(labels)} and {len(args)}")
    if not 0 <= active < len(labels):
        raise ValueError(f"active must be a step index in [0, {len(labels)}), got {active!r}")
    steps = [{"method": method, "label": str(lab), "args": list(a)} for lab, a in zip(labels, args)]
    return {"active": active, "steps": steps, "currentvalue": {"prefix": prefix}, **options}


# -- tables ----------------------------------------------------------------------------
def _cell(value, tag):
    text = _CODE.sub(r"<code>\1</code>", html.escape(str(value), quote=False))
    return f"<{tag}>{text}</{tag}>"


def html_table(header, rows):
    """HTML for a table with one header row.

    Parameters
    ----------
    header : sequence of column titles
    rows : sequence of rows, each a sequence with one value per column

    Returns
    -------
    str, a ``<table>`` element
    """
    header = list(header)
    if not header:
        raise ValueError("header must name at least one column")
    lines = ["<table>", "<thead><tr>" + "".join(_cell(h, "th") for h in header) + "</tr></thead>", "<tbody>"]
    for i, row in enumerate(rows):
        row = list(row)
        if len(row) != len(header):
            raise ValueError(f"rows[{i}] must have {len(header)} values (one per column), got {len(row)}")
        lines.append("<tr>" + "".join(_cell(v, "td") for v in row) + "</tr>")
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines)


def show_table(header, rows):
    """Display :func:`html_table` (in a notebook)."""
    from IPython.display import HTML, display

    display(HTML(html_table(header, rows)))


def source_code(func) -> str:
    """The source of ``func`` without its docstring and its comments.

    Comment-only lines are dropped, trailing comments cut off (with the spaces before
    them), and runs of blank lines left behind shrink to one. String literals that
    contain ``#`` are untouched (comments are found with the standard library's
    ``tokenize``). The ``def`` line and decorators stay; the indentation is that of the
    source file, dedented.
    """
    import ast
    import inspect
    import io
    import textwrap
    import tokenize

    if not (inspect.isfunction(func) or inspect.ismethod(func)):
        raise ValueError(f"func must be a Python function or method (its source is read from its file), "
                         f"got {type(func).__name__}")
    src = textwrap.dedent(inspect.getsource(func))
    node = ast.parse(src).body[0]
    drop, first = set(), node.body[0].lineno
    if ast.get_docstring(node, clean=False) is not None:
        doc = node.body[0]
        drop = set(range(doc.lineno, doc.end_lineno + 1))
        first = node.body[1].lineno if len(node.body) > 1 else doc.end_lineno + 1
    comments = {tok.start[0]: tok.start[1]
                for tok in tokenize.generate_tokens(io.StringIO(src).readline)
                if tok.type == tokenize.COMMENT}
    out = []
    for i, line in enumerate(src.splitlines(), start=1):
        if i in drop:
            continue
        if i in comments:
            line = line[:comments[i]].rstrip()
            if not line:
                continue
        if not line.strip() and (i < first or not out or not out[-1].strip()):
            continue
        out.append(line.rstrip())
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)
