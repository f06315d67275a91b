"""Chapter 07's figures and widgets: the character LM of 『무정』, drawn.

- the batching picture: :func:`plot_stream_batches`;
- training and results: :func:`plot_training_log`, :func:`plot_bench_curves`;
- temperature: :func:`plot_temperature_bars` (matplotlib), :func:`temperature_figure`
  (kernel-free plotly slider over τ, with one sample per τ; text by :func:`sample_html`);
- the live sampler: :func:`sampler_widget` (ipywidgets);
- units that mean something: :func:`plot_unit_scores` (every unit's held-out score for one
  property, :mod:`rnnkit.charlm.units`).

The numbers come from :mod:`rnnkit.charlm.stats`; this module only draws them. Labels
(axis titles, legends, messages) are always passed in by the caller, so the Korean and
the English chapter run the same code with different strings.
"""
from __future__ import annotations

import html
import itertools

import numpy as np

from rnnkit.charlm.stats import (bench_curves, check_model, check_temperatures, sampler_text, show_char,
                                 top_next_chars)
from rnnkit.checks import check_choice, check_int
from rnnkit.data import StreamBatches

from .style import use_korean_font
from .web import slider

BASELINE_DASHES = ("--", "-.", ":", (0, (6, 2, 1, 2, 1, 2)))     # the count models of plot_bench_curves

#: Fill colours of the windows in :func:`plot_stream_batches`, cycled.
WINDOW_COLORS = ("#cfe2f3", "#fce5cd", "#d9ead3", "#ead1dc", "#fff2cc", "#d0e0e3")


def _check_labels(labels, keys):
    """``labels`` if it is a dict with every key of ``keys``; ValueError naming the missing ones."""
    if not isinstance(labels, dict):
        raise ValueError(f"labels must be a dict with keys {sorted(keys)}, got {type(labels).__name__}")
    missing = sorted(set(keys) - set(labels))
    if missing:
        raise ValueError(f"labels lacks the key(s) {missing}; expected keys {sorted(keys)}")
    return labels


def _tau_label(t, labels):
    """How a temperature is written: ``labels["greedy"]`` for 0, else ``f"{t:g}"``."""
    return labels["greedy"] if t == 0 else f"{t:g}"


# -- the batching picture --------------------------------------------------------------

def plot_stream_batches(ax, text, batch_size, seq_len, labels):
    """Draw how :class:`~rnnkit.data.StreamBatches` cuts ``text`` into B rows and T-wide windows.

    Each cell is one input character ``x[b, t]``; cells of the same window share a colour,
    and the row of window k + 1 continues the row of window k. Targets are the same grid
    shifted one place to the left.

    Parameters
    ----------
    ax : matplotlib Axes
    text : str of 2 to 200 characters (more, and the cells become unreadable)
    batch_size, seq_len : B >= 1 streams, T >= 1 steps per window
    labels : dict with "row" (format with {b}), "window" (format with {k}), "title"

    Returns
    -------
    StreamBatches over ``range(len(text))`` (ids are character positions; ``xs`` is (B, L))
    """
    use_korean_font()
    from matplotlib.patches import Rectangle

    _check_labels(labels, {"row", "window", "title"})
    if not isinstance(text, str) or not 2 <= len(text) <= 200:
        raise ValueError(f"text must be a str of 2 to 200 characters, got {text!r:.40}")
    sb = StreamBatches(np.arange(len(text)), batch_size, seq_len)
    B, L, T = sb.batch_size, sb.stream_length, sb.seq_len
    for b in range(B):
        for j in range(L):
            color = WINDOW_COLORS[(j // T) % len(WINDOW_COLORS)]
            ax.add_patch(Rectangle((j, b), 1, 1, facecolor=color, edgecolor="white", lw=1.5))
            ax.text(j + 0.5, b + 0.5, show_char(text[sb.xs[b, j]]), ha="center", va="center", fontsize=11)
    for k in range(len(sb)):
        x0, x1 = k * T, min(L, k * T + T)
        ax.text((x0 + x1) / 2, -0.25, labels["window"].format(k=k + 1), ha="center", va="bottom", fontsize=10)
        if k:
            ax.axvline(x0, color="0.3", lw=1.5)
    ax.set_xlim(0, L)
    ax.set_ylim(B, -0.9)
    ax.set_yticks(np.arange(B) + 0.5, [labels["row"].format(b=b + 1) for b in range(B)])
    ax.set_xticks([])
    ax.grid(False)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title(labels["title"], pad=14)
    use_korean_font(ax)
    return sb


# -- training log and results ----------------------------------------------------------

def plot_training_log(ax, log, labels, *, x="step", baselines=()):
    """Training and held-out bits per token from a checkpoint's ``log``.

    Parameters
    ----------
    ax : matplotlib Axes
    log : non-empty list of dicts with step, seconds, train_bpc, valid_bpc (as ``ckpt["log"]``;
        valid_bpc may be missing or None in some records)
    labels : dict with "train", "valid", "x"
    x : "step" or "minutes" (training time)
    baselines : iterable of (name, bpc), drawn as dashed horizontal lines
    """
    use_korean_font()
    _check_labels(labels, {"train", "valid", "x"})
    check_choice("x", x, ("step", "minutes"))
    if not isinstance(log, list) or not log:
        raise ValueError("log must be a list of at least one record (dicts with step, seconds, train_bpc)")
    xs = [r["step"] if x == "step" else r["seconds"] / 60 for r in log]
    ax.plot(xs, [r["train_bpc"] for r in log], "o-", ms=3, label=labels["train"])
    valid = [(a, r["valid_bpc"]) for a, r in zip(xs, log) if r.get("valid_bpc") is not None]
    if valid:
        ax.plot(*zip(*valid), "s-", ms=3, label=labels["valid"])
    for i, (name, bpc) in enumerate(baselines):
        ax.axhline(bpc, ls="--", lw=1, color=f"C{i + 2}")
        ax.annotate(name, (1.0, bpc), xycoords=("axes fraction", "data"), xytext=(-4, 2),
                    textcoords="offset points", ha="right", va="bottom", fontsize=8, color=f"C{i + 2}")
    ax.set_xlabel(labels["x"])
    ax.legend(loc="upper right", fontsize=9)
    use_korean_font(ax)


def plot_unit_scores(ax, found, labels, *, bins=40):
    """Histogram of every unit's held-out score for one property, best and random unit marked.

    Parameters
    ----------
    ax : matplotlib Axes
    found : one property's record of ``rnnkit/results/charlm_units.json`` (or the dict of
        :func:`rnnkit.charlm.units.find_units`): ``kind``, ``chance``, ``test_scores`` (U,),
        ``best`` and ``random`` with ``name`` and ``test``
    labels : dict with "title", "x" (the score's name), "y", "best", "random", "chance";
        "best" and "random" are formatted with {name} and {score}
    bins : number of histogram bins
    """
    use_korean_font()
    _check_labels(labels, {"title", "x", "y", "best", "random", "chance"})
    for key in ("kind", "chance", "test_scores", "best", "random"):
        if not isinstance(found, dict) or key not in found:
            raise ValueError(f"found must be a dict from find_units with key {key!r}")
    scores = np.asarray(found["test_scores"], dtype=float)
    ax.hist(scores, bins=check_int("bins", bins, 1), color="0.75", edgecolor="white", log=True)
    ax.axvline(found["chance"], color="0.3", ls=":", lw=1, label=labels["chance"])
    for key, colour in (("best", "C3"), ("random", "C0")):
        unit = found[key]
        ax.axvline(unit["test"], color=colour, lw=1.6,
                   label=labels[key].format(name=unit["name"], score=unit["test"]))
    ax.set_ylim(top=ax.get_ylim()[1] * 8)           # room for the legend above the bars (log scale)
    ax.set_title(labels["title"], fontsize=10)
    ax.set_xlabel(labels["x"])
    ax.set_ylabel(labels["y"])
    ax.legend(loc="upper right", fontsize=8, framealpha=0.9)
    use_korean_font(ax)


def plot_bench_curves(ax, bench, labels, *, baselines=True):
    """Held-out bits per character against training minutes for every run of the benchmark.

    The curves are :func:`rnnkit.charlm.stats.bench_curves` (자모 runs rescaled to bits per
    character); a mixture run is one black star at its final number. The best runs get the
    strong colours of matplotlib's "tab20" and are drawn last.

    Parameters
    ----------
    ax : matplotlib Axes
    bench : ``rnnkit.results.load("charlm_bench")``
    labels : dict with "x", "y"
    baselines : draw the count models of ``bench["ngrams"]`` below 6 bpc as grey horizontal
        lines, each with its own dash pattern (``BASELINE_DASHES``) and its name in the legend

    Returns
    -------
    dict run name -> (minutes, bpc), float64 arrays (n,) as drawn
    """
    use_korean_font()
    import matplotlib

    _check_labels(labels, {"x", "y"})
    curves = bench_curves(bench)
    lines = [c["name"] for c in curves if not c["mixture"]]
    tab20 = matplotlib.colormaps["tab20"].colors
    palette = tab20[::2] + tab20[1::2]
    color = {name: palette[(len(lines) - 1 - i) % len(palette)] for i, name in enumerate(lines)}
    for c in curves:
        if c["mixture"]:
            ax.plot(c["minutes"], c["bpc"], "*", ms=12, color="k", label=c["name"])
        else:
            ax.plot(c["minutes"], c["bpc"], "o-", ms=3, lw=1.3, label=c["name"], color=color[c["name"]])
    if baselines:    # in the legend, one dash pattern each: a label on the line would sit under the curves
        shown = [g for g in bench.get("ngrams") or [] if g["heldout_bpc"] < 6]
        for g, dashes in zip(shown, itertools.cycle(BASELINE_DASHES)):
            ax.axhline(g["heldout_bpc"], ls=dashes, lw=1.2, color="0.45", label=g["name"])
    ax.set_xlabel(labels["x"])
    ax.set_ylabel(labels["y"])
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)   # beside the axes, off the curves
    use_korean_font(ax)
    return {c["name"]: (c["minutes"], c["bpc"]) for c in curves}


# -- temperature -----------------------------------------------------------------------

def plot_temperature_bars(axes, model, vocab, prompt, temperatures, labels, *, top=15, tokens="syllable"):
    """One bar chart per temperature: the ``top`` likeliest next characters after ``prompt``.

    Parameters
    ----------
    axes : sequence (or array) of K matplotlib Axes, one per temperature
    model : CharLM;  vocab : its Vocab;  prompt : str of known characters
    temperatures : sequence of K numbers >= 0 (0 = greedy)
    labels : dict with "title" (format with {tau} and {rest}: the probability of all the
        other characters), "greedy" (what to write for τ = 0), "y"

    Returns
    -------
    probs : float64 array (K, top), the bar heights (:func:`rnnkit.charlm.stats.top_next_chars`)
    """
    use_korean_font()
    _check_labels(labels, {"title", "greedy", "y"})
    axes = list(np.ravel(axes))
    temperatures = check_temperatures(temperatures)
    if len(axes) != len(temperatures):
        raise ValueError(f"axes must hold one Axes per temperature: {len(axes)} axes, "
                         f"{len(temperatures)} temperatures")
    ids, probs = top_next_chars(model, vocab, prompt, temperatures, top=top, tokens=tokens)
    names = [show_char(vocab.chars[i]) for i in ids]
    for ax, t, p in zip(axes, temperatures, probs):
        ax.bar(range(len(ids)), p, color="C0" if t else "C3")
        ax.set_xticks(range(len(ids)), names)
        ax.set_ylim(0, max(1e-3, float(p.max())) * 1.1)
        ax.set_title(labels["title"].format(tau=_tau_label(t, labels), rest=max(0.0, 1 - p.sum())), fontsize=10)
        ax.set_ylabel(labels["y"])
    for ax in axes:
        use_korean_font(ax)
    return probs


def sample_html(text, wrap=40):
    """``text`` for a plotly annotation: HTML-escaped, newlines shown as ↵ and kept,
    long lines broken every ``wrap`` (int >= 1) characters with ``<br>``."""
    wrap = check_int("wrap", wrap, 1)
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    parts, lines = text.split("\n"), []
    for i, line in enumerate(parts):
        line = line + ("↵" if i < len(parts) - 1 else "")
        pieces = [line[j:j + wrap] for j in range(0, len(line), wrap)] or [""]
        lines.extend(html.escape(p, quote=False) for p in pieces)
    return "<br>".join(lines)


def temperature_steps(model, vocab, prompt, temperatures, labels, *, length=150, seed=0, top=15,
                      tokens="syllable", wrap=48):
    """The slider steps of :func:`temperature_figure`, one ``update`` per temperature.

    Returns
    -------
    names : list of the ``top`` bar labels (characters made visible by ``show_char``)
    steps : list of K ``[data_update, layout_update]`` pairs: the bar heights (rounded to
        4 decimals), the title, the sample as annotation text and a y range of its own
    """
    temperatures = check_temperatures(temperatures)
    ids, probs = top_next_chars(model, vocab, prompt, temperatures, top=top, tokens=tokens)
    steps = []
    for t, p in zip(temperatures, probs):
        text = sampler_text(model, vocab, prompt, temperature=t, top_k=0, seed=seed, length=length, tokens=tokens)
        title = labels["title"].format(prompt=html.escape(prompt), tau=_tau_label(t, labels),
                                       rest=max(0.0, 1 - float(p.sum())))
        y = [round(float(v), 4) for v in p]
        top_range = [0, round(1.15 * max(max(y), 1e-3), 4)]     # each τ on its own scale
        steps.append([{"y": [y]}, {"title.text": title, "annotations[0].text": sample_html(text, wrap),
                                   "yaxis.range": top_range}])
    return [show_char(vocab.chars[i]) for i in ids], steps


def temperature_figure(model, vocab, prompt, temperatures, labels, *, length=150, seed=0, top=15,
                       tokens="syllable", wrap=48, height=560):
    """Kernel-free plotly figure: a slider over τ switches the next-character bars and a sample.

    For each temperature the figure holds, precomputed (:func:`temperature_steps`), the
    probabilities of the ``top`` likeliest characters after ``prompt`` (the same characters
    at every τ: temperature does not change their order) and ``prompt`` continued by
    ``length`` tokens sampled at that τ with ``seed`` (the same seed for every τ), shown
    under the bars.

    Parameters
    ----------
    model : CharLM;  vocab : its Vocab;  prompt : str of known characters
    temperatures : non-empty sequence of K numbers >= 0 (0 = greedy)
    labels : dict with "x", "y", "step" (slider prefix), "greedy" (name of τ = 0) and
        "title" (format with {prompt}, {tau}, {rest}: probability outside the bars)
    length : int >= 1;  wrap : sample characters per line;  height : pixels

    Returns
    -------
    plotly.graph_objects.Figure with one bar trace, one annotation (the sample) and K
    slider steps (method "update"; each step also rescales the y axis); show it with
    :func:`rnnkit.figures.web.show`
    """
    import plotly.graph_objects as go

    _check_labels(labels, {"x", "y", "step", "greedy", "title"})
    check_model(model, vocab)
    temperatures = check_temperatures(temperatures)
    check_int("length", length, 1)
    names, steps = temperature_steps(model, vocab, prompt, temperatures, labels, length=length, seed=seed,
                                     top=top, tokens=tokens, wrap=wrap)
    data, layout = steps[0]
    fig = go.Figure(go.Bar(x=names, y=data["y"][0], marker_color="#4C78A8",
                           hovertemplate="%{x}: %{y:.3f}<extra></extra>"))
    fig.update_layout(
        height=height, margin={"l": 60, "r": 20, "t": 60, "b": 40},
        title={"text": layout["title.text"], "font": {"size": 14}},
        xaxis={"title": labels["x"], "type": "category", "tickfont": {"size": 14}},
        yaxis={"title": labels["y"], "range": layout["yaxis.range"], "domain": [0.48, 1.0]},
        annotations=[{"text": layout["annotations[0].text"], "xref": "paper", "yref": "paper", "x": 0,
                      "y": 0.33, "xanchor": "left", "yanchor": "top", "align": "left", "showarrow": False,
                      "font": {"size": 14}}],
        sliders=[slider([_tau_label(t, labels) for t in temperatures], steps, prefix=labels["step"],
                        y=0.0, yanchor="top", pad={"t": 10})])
    return fig


# -- the live sampler ------------------------------------------------------------------

def sampler_widget(model, vocab, labels, *, prompt="형식은", tokens="syllable", length=200):
    """ipywidgets: temperature, top-k, prompt, seed and length, a button that samples.

    Each click shows :func:`rnnkit.charlm.stats.sampler_text` for the current controls.

    Parameters
    ----------
    model : CharLM;  vocab : its Vocab;  prompt : the initial prompt
    labels : dict with "temperature", "top_k", "prompt", "seed", "length", "button" and
        "bad" (message for a prompt the model cannot read; format with {error})
    length : int in [20, 600], the initial length

    Returns
    -------
    ipywidgets.VBox; it shows one sample at once.
    """
    import ipywidgets as widgets

    from rnnkit.charlm.sample import MAX_SEED

    _check_labels(labels, {"temperature", "top_k", "prompt", "seed", "length", "button", "bad"})
    check_model(model, vocab)
    length = check_int("length", length, 20, 600)
    style = {"description_width": "initial"}
    tau = widgets.FloatSlider(value=0.8, min=0.0, max=2.0, step=0.1, description=labels["temperature"],
                              style=style)
    top_k = widgets.IntSlider(value=0, min=0, max=50, description=labels["top_k"], style=style)
    box = widgets.Text(value=prompt, description=labels["prompt"], style=style)
    seed = widgets.BoundedIntText(value=0, min=0, max=MAX_SEED, description=labels["seed"], style=style,
                                  layout=widgets.Layout(width="200px"))
    n = widgets.IntSlider(value=length, min=20, max=600, step=20, description=labels["length"], style=style)
    button = widgets.Button(description=labels["button"], button_style="primary")
    bar = widgets.IntProgress(value=0, min=0, max=length, layout=widgets.Layout(visibility="hidden"))
    out = widgets.HTML()

    def show_progress(k):
        if k % 10 == 0 or k == bar.max:          # a message to the page every 10 characters
            bar.value = k

    def run(_=None):
        button.disabled, bar.value, bar.max, bar.layout.visibility = True, 0, n.value, "visible"
        try:
            text = sampler_text(model, vocab, box.value, temperature=tau.value, top_k=top_k.value,
                                seed=seed.value, length=n.value, tokens=tokens, progress=show_progress)
            out.value = f"<pre style='white-space: pre-wrap'>{html.escape(text)}</pre>"
        except ValueError as err:
            out.value = f"<p>{html.escape(labels['bad'].format(error=err))}</p>"
        finally:
            button.disabled, bar.layout.visibility = False, "hidden"

    button.on_click(run)
    run()
    return widgets.VBox([widgets.HBox([box, seed]), widgets.HBox([tau, top_k]), n,
                         widgets.HBox([button, bar]), out])
