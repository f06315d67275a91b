"""Chapter 06's pictures of a decoder: attention maps, a slider through the decoding steps,
and a widget that translates what the reader types.

All three read :func:`rnnkit.models.seq2seq.decode_steps` results::

    r = decode_steps(model, "26년 1월 2일 (금)")
    plot_attention(ax, r)                                  # matplotlib heatmap
    show(attention_steps_figure([r, ...], labels))         # plotly, no kernel needed
    explorer(model, labels, initial="2026년 11월 25일 (수)")  # ipywidgets

Rows are decoder steps (the character written), columns source characters; the end of
sequence is shown as ``EOS`` and a space as ``␣``.
"""
from __future__ import annotations

import html

import numpy as np

from rnnkit.figures.style import use_korean_font
from rnnkit.figures.web import html_table, slider
from rnnkit.models.seq2seq import decode_steps


def _show(c):
    return {"<eos>": "EOS", " ": "␣"}.get(c, c)


def plot_attention(ax, steps, title=None, colorbar=True):
    """Heatmap of ``steps["attention"]`` (a :func:`~rnnkit.models.seq2seq.decode_steps` result)
    on ``ax``: rows are decoder steps (the emitted character), columns source characters."""
    att = steps["attention"]
    if att is None:
        raise ValueError("steps must come from a model with attention (steps['attention'] is None)")
    im = ax.imshow(att, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(steps["source"])), [_show(c) for c in steps["source"]])
    ax.set_yticks(range(len(steps["steps"])), [_show(s["char"]) for s in steps["steps"]])
    ax.tick_params(length=0)
    ax.grid(False)
    if title:
        ax.set_title(title, fontsize=10)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, shrink=0.8)
    use_korean_font(ax)
    return im


def _step_update(e, i, t, title):
    """The slider's ``[data, layout]`` update for step ``t`` of example ``i`` (rows after t empty)."""
    att = np.asarray(e["attention"], dtype=np.float64)
    z = [[round(float(v), 3) for v in row] if r <= t else [None] * att.shape[1] for r, row in enumerate(att)]
    rows = [f"{r + 1}: {_show(s['char'])}" for r, s in enumerate(e["steps"])]
    cols = list(range(len(e["source"])))
    so_far = "".join(s["char"] for s in e["steps"][:t + 1] if s["char"] != "<eos>")
    title = title.format(i=i + 1, t=t + 1, n=len(e["steps"]), src="".join(e["source"]), out=so_far,
                         char=_show(e["steps"][t]["char"]), prob=e["steps"][t]["prob"])
    data = {"z": [z], "x": [cols], "y": [rows]}
    layout = {"title.text": title, "xaxis.tickvals": cols, "xaxis.ticktext": [_show(c) for c in e["source"]],
              "yaxis.range": [len(rows) - 0.5, -0.5]}
    return [data, layout]


def attention_steps_figure(examples, labels, height=420):
    """Kernel-free plotly figure: a slider walks through the decoder steps of several
    examples; at each position the attention rows decoded so far are shown.

    Parameters
    ----------
    examples : list of :func:`~rnnkit.models.seq2seq.decode_steps` results (from a model
        with attention)
    labels : dict with "x", "y" (axis titles), "step" (slider prefix) and "title" (a
        format string with fields {i} example number, {t} step, {n} steps, {src} source,
        {out} output so far, {char} this step's character, {prob} its probability)
    height : figure height in pixels
    """
    import plotly.graph_objects as go

    if not examples:
        raise ValueError("examples must hold at least one decode_steps result")
    for e in examples:
        if e.get("attention") is None:
            raise ValueError("examples must come from a model with attention")
    positions = [(i, t) for i, e in enumerate(examples) for t in range(len(e["steps"]))]
    updates = [_step_update(examples[i], i, t, labels["title"]) for i, t in positions]
    data, layout = updates[0]
    fig = go.Figure(go.Heatmap(z=data["z"][0], x=data["x"][0], y=data["y"][0], zmin=0, zmax=1,
                               colorscale="Viridis", hoverongaps=False,
                               colorbar={"thickness": 12, "len": 0.8}))
    fig.update_layout(
        height=height, margin={"l": 60, "r": 20, "t": 60, "b": 90},
        title={"text": layout["title.text"], "font": {"size": 13}},
        xaxis={"title": labels["x"], "tickvals": layout["xaxis.tickvals"],
               "ticktext": layout["xaxis.ticktext"], "tickangle": 0},
        yaxis={"title": labels["y"], "range": layout["yaxis.range"], "type": "category"},
        sliders=[slider([f"{i + 1}·{t + 1}" for i, t in positions], updates, prefix=labels["step"],
                        pad={"t": 45})])
    return fig


def explorer(model, labels, initial, max_len=40):
    """ipywidgets: type a source string, see the greedy decoding step by step and (with
    attention) the attention heatmap.

    labels : dict with "input", "output", "step", "char", "prob", "top", "bad" (message
        for text the model cannot read; format field {error}: the characters outside the
        vocabulary, or what else is wrong), "title"
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import HTML, display

    box = widgets.Text(value=initial, description=labels["input"], continuous_update=False,
                       layout=widgets.Layout(width="420px"), style={"description_width": "initial"})
    out = widgets.Output()

    def redraw(change=None):
        with out:
            out.clear_output(wait=True)
            text = box.value.strip()
            try:
                r = decode_steps(model, text, max_len)
            except ValueError as e:
                unknown = sorted(set(text).difference(model.src_vocab.index))
                error = " ".join(unknown) if unknown else str(e)
                display(HTML(f"<p>{html.escape(labels['bad'].format(error=error))}</p>"))
                return
            display(HTML(f"<p><b>{labels['output']}</b> <code>{r['output']}</code></p>"))
            rows = [[t + 1, _show(s["char"]), f"{s['prob']:.3f}",
                     "  ".join(f"{_show(c)} {p:.2f}" for c, p in s["top"])] for t, s in enumerate(r["steps"])]
            display(HTML(html_table([labels["step"], labels["char"], labels["prob"], labels["top"]], rows)))
            if r["attention"] is not None:
                fig, ax = plt.subplots(figsize=(0.32 * len(r["source"]) + 2.5, 0.28 * len(r["steps"]) + 1.4))
                plot_attention(ax, r, title=labels["title"])
                fig.tight_layout()
                display(fig)
                plt.close(fig)

    box.observe(redraw, names="value")
    redraw()
    return widgets.VBox([box, out])
