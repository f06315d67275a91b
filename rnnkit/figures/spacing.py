"""Chapter 08's figures and widgets: the spacing model's decisions, drawn.

- one line with the probability of a space at each boundary: :func:`boundary_html`
  (a row of characters, each with P(space after it) below, shaded; a predicted space
  is a gap); several lines at once, kernel-free: :func:`examples_html`;
- the live restorer: :func:`spacing_widget` (ipywidgets: a text box, the line spaced);
- how far ahead the model looks: :func:`plot_lookahead` (held-out F1 against d);
- where two models decide differently: :func:`fixed_boundaries` and :func:`compare_html`.

The probabilities come from :func:`rnnkit.spacing.model.line_probabilities`; labels (titles,
messages) are passed in by the caller, so the Korean and English chapters run the same code.
"""
from __future__ import annotations

import html

import numpy as np

from rnnkit.checks import check_int, check_real
from rnnkit.data.spacing import respace, unspace
from rnnkit.spacing.model import line_probabilities

from .style import use_korean_font

MAX_CHARS = 300          # the live restorer reads at most this many characters


def _shade(p):
    """Background colour of a boundary with P(space) = p: white at 0, blue at 1."""
    r, g, b = (int(round(255 - (255 - c) * p)) for c in (41, 98, 255))
    return f"rgb({r},{g},{b})"


def boundary_html(chars, probs, threshold=0.5):
    """HTML of one line: each character with P(space after it) below, shaded; a predicted space is a gap.

    Parameters
    ----------
    chars : str, a line without spaces;  probs : (len(chars),) probabilities
    threshold : a space is predicted where P > threshold

    Returns
    -------
    str, one ``<div>``; the last character has no boundary and no number
    """
    probs = np.asarray(probs, dtype=float)
    if not isinstance(chars, str) or probs.shape != (len(chars),):
        raise ValueError(f"probs must have one value per character, ({len(chars)},), got {probs.shape}")
    threshold = check_real("threshold", threshold, 0.0, 1.0)
    cells = []
    for i, ch in enumerate(chars):
        last = i == len(chars) - 1
        p = 0.0 if last else float(probs[i])
        gap = "1.1em" if not last and p > threshold else "0.1em"
        number = "" if last else f"{p:.2f}"
        colour = "white" if p > 0.6 else "black"
        cells.append(
            f"<span style='display:inline-block;text-align:center;margin-right:{gap};margin-bottom:4px'>"
            f"<span style='display:block;font-size:1.25em'>{html.escape(ch)}</span>"
            f"<span style='display:block;font-size:0.7em;min-width:2.4em;background:{_shade(p)};"
            f"color:{colour}'>{number or '&nbsp;'}</span></span>")
    return "<div style='line-height:1.2;margin:0.3em 0'>" + "".join(cells) + "</div>"


def examples_html(model, vocab, sentences, threshold=0.5):
    """Kernel-free display of several lines: each one spaced by ``model``, then :func:`boundary_html`.

    ``sentences`` may hold spaces (they are removed first). Returns one HTML string.
    """
    if not isinstance(sentences, (list, tuple)) or not sentences:
        raise ValueError("sentences must be a non-empty list of str")
    chars = [unspace(s)[0] for s in sentences]
    parts = []
    for c, p in zip(chars, line_probabilities(model, vocab, chars)):
        parts.append(f"<p style='margin:0.8em 0 0'><b>{html.escape(respace(c, p > threshold))}</b></p>"
                     + boundary_html(c, p, threshold))
    return "<div>" + "".join(parts) + "</div>"


def spacing_widget(model, vocab, labels, *, value="아버지가방에들어가신다", threshold=0.5):
    """ipywidgets: a text box; as the reader types, the line spaced and every boundary's P(space).

    Parameters
    ----------
    model : SpacingModel;  vocab : its Vocab;  value : the initial text
    labels : dict with "text" (the box's description), "empty" (message for an empty box) and
        "long" (message when the text is cut, format with {n})

    Returns
    -------
    ipywidgets.VBox; its ``children[1].value`` is the HTML shown
    """
    import ipywidgets as widgets

    missing = {"text", "empty", "long"} - set(labels)
    if missing:
        raise ValueError(f"labels must have the keys text, empty, long; missing {sorted(missing)}")
    box = widgets.Text(value=value, description=labels["text"], style={"description_width": "initial"},
                       layout=widgets.Layout(width="95%"))
    out = widgets.HTML()

    def update(_=None):
        chars = unspace(box.value.replace("\n", " "))[0]
        if not chars:
            out.value = f"<p>{html.escape(labels['empty'])}</p>"
            return
        note = ""
        if len(chars) > MAX_CHARS:
            chars, note = chars[:MAX_CHARS], f"<p>{html.escape(labels['long'].format(n=MAX_CHARS))}</p>"
        p = line_probabilities(model, vocab, [chars])[0]
        out.value = (note + f"<p><b>{html.escape(respace(chars, p > threshold))}</b></p>"
                     + boundary_html(chars, p, threshold))

    box.observe(update, names="value")
    update()
    return widgets.VBox([box, out])


def plot_lookahead(ax, rows, labels, *, references=()):
    """Held-out F1 against the lookahead d (the rows of ``spacing_lookahead.json``).

    Parameters
    ----------
    ax : matplotlib Axes
    rows : list of dicts with "d" (int, or "all" for the whole line) and "f1"
    labels : dict with "x", "y", "model" (the curve's legend) and "all" (tick label of the whole line)
    references : (label, F1) pairs drawn as horizontal lines
    """
    finite = [r for r in rows if r["d"] != "all"]
    whole = [r for r in rows if r["d"] == "all"]
    if not finite or len(whole) != 1:
        raise ValueError("rows must hold some integer d and exactly one d = 'all'")
    use_korean_font()
    ds = [r["d"] for r in finite]
    x_all = max(ds) + 2
    xs, ys = ds + [x_all], [r["f1"] for r in finite] + [whole[0]["f1"]]
    ax.plot(xs[:-1], ys[:-1], "o-", color="C0", label=labels["model"])
    ax.plot(xs[-2:], ys[-2:], "o:", color="C0")
    for x, y in zip(xs, ys):
        ax.annotate(f"{y:.3f}", (x, y), textcoords="offset points", xytext=(0, -14), ha="center", fontsize=8)
    styles = ("--", "-.", ":", (0, (6, 2, 1, 2)))
    for k, (name, f1) in enumerate(references):
        ax.axhline(f1, color=f"C{k + 1}", linestyle=styles[k % len(styles)], linewidth=1, label=name)
    ax.set_xticks(xs, [str(d) for d in ds] + [labels["all"]])
    ax.set_xlabel(labels["x"])
    ax.set_ylabel(labels["y"])
    ax.margins(y=0.12)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    use_korean_font(ax.figure)


def fixed_boundaries(truth, a, b):
    """Boundaries (line j, position i) where ``a`` is wrong and ``b`` right.

    Parameters
    ----------
    truth, a, b : lists of '0'/'1' strings, one per line (the true and two predicted labels
        of every boundary, as ``spacing_models.json`` stores them)
    """
    if not len(truth) == len(a) == len(b):
        raise ValueError(f"truth, a and b must have one string per line, got {len(truth)}, {len(a)}, {len(b)}")
    out = []
    for j, (t, x, y) in enumerate(zip(truth, a, b)):
        if not len(t) == len(x) == len(y):
            raise ValueError(f"line {j}: the strings must have one label per boundary, got "
                             f"{len(t)}, {len(x)}, {len(y)}")
        out += [(j, i) for i in range(len(t)) if x[i] != t[i] and y[i] == t[i]]
    return out


def compare_html(chars, truth, predictions, names, *, start=0, stop=None):
    """HTML rows: a stretch of one line as each system spaced it, wrong boundaries marked in red.

    Parameters
    ----------
    chars : the line without spaces;  truth : its true '0'/'1' boundary string
    predictions : list of '0'/'1' strings;  names : the row titles (the first is the truth's)
    start, stop : the characters shown
    """
    if len(names) != len(predictions) + 1:
        raise ValueError("names must hold one title for the truth and one per prediction")
    stop = len(chars) if stop is None else check_int("stop", stop, 1, len(chars))
    start = check_int("start", start, 0, stop - 1)
    rows = []
    for name, s in zip(names, [truth, *predictions]):
        if len(s) != len(chars) - 1:
            raise ValueError(f"{name}: one label per boundary, {len(chars) - 1}, got {len(s)}")
        out = []
        for i in range(start, stop):
            out.append(html.escape(chars[i]))
            if i < min(stop - 1, len(s)):
                wrong = s[i] != truth[i]
                mark = "&nbsp;" if s[i] == "1" else ("|" if wrong else "")
                out.append(f"<span style='background:#f4a6a6'>{mark}</span>" if wrong else mark)
        rows.append(f"<tr><td style='padding-right:1em'>{html.escape(name)}</td>"
                    f"<td style='font-size:1.15em'>{''.join(out)}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"
