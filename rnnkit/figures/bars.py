"""Bar charts that change with a control: kernel-free (plotly) and live (ipywidgets).

Several chapters show a few vectors that change with one choice of the reader: the hidden
state and the next-character distribution at step t, the gradient each weight copy
receives when some losses are switched on. The data are small and precomputed (or cheap
to compute), so the same panels are offered twice:

- :func:`slider_figure`: a plotly figure whose slider swaps the bars. It needs no kernel,
  so it moves on the static site (display it with :func:`rnnkit.figures.web.show`).
- :func:`slider_widget` and :func:`toggle_widget`: ipywidgets controls that redraw
  matplotlib bars in a kernel.

``panels`` everywhere is a list of dicts, one per bar chart::

    {"title": str, "categories": list of str (x labels), "range": (lo, hi) or None,
     "color": a CSS/matplotlib colour (optional)}
"""
from __future__ import annotations

import numpy as np

from .web import slider
from .style import use_korean_font

_DEFAULT_COLORS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52")


def _check(frames, panels, step_labels=None):
    if not panels:
        raise ValueError("panels must hold at least one panel")
    for p in panels:
        if "title" not in p or "categories" not in p:
            raise ValueError(f"each panel needs 'title' and 'categories', got keys {sorted(p)}")
    if step_labels is not None and len(frames) != len(step_labels):
        raise ValueError(f"step_labels must have one entry per frame ({len(frames)}), "
                         f"got {len(step_labels)}")
    for i, fr in enumerate(frames):
        if len(fr) != len(panels):
            raise ValueError(f"frames[{i}] must hold one array per panel ({len(panels)}), got {len(fr)}")
        for j, (v, p) in enumerate(zip(fr, panels)):
            if np.shape(v) != (len(p["categories"]),):
                raise ValueError(f"frames[{i}][{j}] must have shape ({len(p['categories'])},) "
                                 f"to match panel {j}'s categories, got {np.shape(v)}")


def _color(p, j):
    return p.get("color", _DEFAULT_COLORS[j % len(_DEFAULT_COLORS)])


def slider_figure(frames, panels, step_labels, slider_prefix="", step_titles=None,
                  height=340, decimals=3):
    """A plotly figure: one bar chart per panel, a slider over ``frames``.

    Parameters
    ----------
    frames : list over slider positions of lists over panels of 1-D arrays
    panels : list of panel dicts (see the module docstring)
    step_labels : list of str, the slider's tick labels
    slider_prefix : str shown before the current label
    step_titles : list of str or None, figure title at each position
    height : int, pixels
    decimals : values are rounded to this many decimals (small, reproducible HTML)

    Returns
    -------
    plotly.graph_objects.Figure, showing ``frames[0]`` until the slider moves
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    _check(frames, panels, step_labels)
    if step_titles is not None and len(step_titles) != len(frames):
        raise ValueError(f"step_titles must have one entry per frame ({len(frames)}), got {len(step_titles)}")
    rnd = lambda v: [round(float(a), decimals) for a in v]  # noqa: E731
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[p["title"] for p in panels])
    for j, p in enumerate(panels):
        fig.add_trace(go.Bar(x=list(p["categories"]), y=rnd(frames[0][j]), marker_color=_color(p, j),
                             showlegend=False, hovertemplate="%{x}: %{y}<extra></extra>"), row=1, col=j + 1)
        if p.get("range") is not None:
            fig.update_yaxes(range=list(p["range"]), row=1, col=j + 1)
    args = [[{"y": [rnd(v) for v in frames[i]]}, {"title.text": step_titles[i]} if step_titles else {}]
            for i in range(len(step_labels))]
    fig.update_layout(
        height=height, margin={"l": 40, "r": 20, "t": 70 if step_titles else 50, "b": 40},
        title={"text": step_titles[0]} if step_titles else None,
        sliders=[slider(step_labels, args, prefix=slider_prefix, pad={"t": 40})],
        template="plotly_white")
    return fig


def _draw(out, panels, values, suptitle=None):
    use_korean_font()
    import matplotlib.pyplot as plt
    from IPython.display import display

    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 2.8), squeeze=False)
    for j, (ax, p, v) in enumerate(zip(axes[0], panels, values)):
        ax.bar(range(len(v)), v, color=_color(p, j))
        ax.set_xticks(range(len(v)), list(p["categories"]))
        ax.set_title(p["title"], fontsize=10)
        if p.get("range") is not None:
            ax.set_ylim(*p["range"])
        ax.axhline(0, color="#333333", lw=0.6)
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    use_korean_font(fig)                      # titles that mix $...$ and Hangul
    fig.tight_layout()
    with out:
        out.clear_output(wait=True)
        display(fig)
    plt.close(fig)


def slider_widget(frames, panels, step_labels, description="", step_titles=None):
    """ipywidgets: a slider over precomputed ``frames``, redrawing matplotlib bars.

    Same arguments as :func:`slider_figure`. Returns a ``VBox`` (slider, output); the
    callback only draws, so moving the slider is fast.
    """
    import ipywidgets as widgets

    _check(frames, panels, step_labels)
    slider = widgets.SelectionSlider(options=list(zip(step_labels, range(len(frames)))),
                                     value=0, description=description,
                                     continuous_update=True,
                                     style={"description_width": "initial"})
    out = widgets.Output()

    def redraw(change=None):
        i = slider.value
        _draw(out, panels, frames[i], step_titles[i] if step_titles else None)

    slider.observe(redraw, names="value")
    redraw()
    return widgets.VBox([slider, out])


def toggle_widget(labels, compute, panels, description="", initial=None):
    """ipywidgets: one toggle button per label; ``compute(active)`` gives the bars.

    Parameters
    ----------
    labels : list of str, one toggle each
    compute : callable taking a bool array ``active`` (one entry per label) and
        returning a list of 1-D arrays, one per panel
    panels : list of panel dicts
    description : str, shown before the toggles
    initial : bool sequence or None (all on)

    Returns
    -------
    ipywidgets.VBox (toggles, output)
    """
    import ipywidgets as widgets

    initial = [True] * len(labels) if initial is None else list(initial)
    if len(initial) != len(labels):
        raise ValueError(f"initial must have one entry per label ({len(labels)}), got {len(initial)}")
    _check([compute(np.array(initial, dtype=bool))], panels)
    buttons = [widgets.ToggleButton(value=bool(v), description=lab,
                                    layout=widgets.Layout(width="auto"))
               for lab, v in zip(labels, initial)]
    out = widgets.Output()

    def redraw(change=None):
        active = np.array([b.value for b in buttons], dtype=bool)
        _draw(out, panels, compute(active))

    for b in buttons:
        b.observe(redraw, names="value")
    redraw()
    head = [widgets.Label(description)] if description else []
    return widgets.VBox([widgets.HBox(head + buttons), out])
