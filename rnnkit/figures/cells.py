"""Cell diagrams: one step of the vanilla RNN, the LSTM and the GRU (chapter 05).

- :func:`cell_diagram`: the matplotlib drawing, optionally with one path highlighted.
- :func:`path_figure`: its kernel-free plotly twin, a slider that highlights one path
  at a time (show it with :func:`rnnkit.figures.web.show`).

Both draw :func:`rnnkit.figures.cell_layouts.layout`: the symbols of chapter 05's
equations, the state carried to the next step along the top in a straight line (the
LSTM's cell path, whose Jacobian is ``diag(f_t)``), and words from ``names`` (a dict
overriding ``rnnkit.figures.cell_layouts.NAMES``), so each language draws the same
figure with its own labels.
"""
from __future__ import annotations

import numpy as np

from .cell_layouts import COLORS, OP_RADIUS, PATHS, clip_edge, edge_style, html_label, layout, outline, path_elements
from .style import use_korean_font

SCALE = 0.58             # inches per layout unit: the LSTM is 7 in wide, about the book's column


def _fit(text, width):
    """Shrink ``text``'s font until it is narrower than ``width`` (data units) less a margin."""
    ax = text.axes
    renderer = ax.figure.canvas.get_renderer()
    room = (ax.transData.transform((width - 0.12, 0)) - ax.transData.transform((0, 0)))[0]
    for _ in range(8):
        wide = text.get_window_extent(renderer).width
        if wide <= room:
            return
        text.set_fontsize(max(text.get_fontsize() * room / wide * 0.98, 5.5))


def _draw_node(ax, node, alpha):
    from matplotlib.patches import Circle, FancyBboxPatch

    if node.kind == "dot":
        ax.plot([node.x], [node.y], "o", color=COLORS["line"], ms=4.5, zorder=6, alpha=alpha)
        return
    if node.kind == "op":
        ax.add_patch(Circle((node.x, node.y), OP_RADIUS, facecolor=COLORS["op"], edgecolor=COLORS["line"],
                            lw=1.2, zorder=5, alpha=alpha))
        size = 10 if node.text == "$1-$" else 13
    else:
        ax.add_patch(FancyBboxPatch((node.x - node.w / 2, node.y - node.h / 2), node.w, node.h,
                                    boxstyle="round,pad=0.02,rounding_size=0.08", facecolor=COLORS[node.kind],
                                    edgecolor=COLORS["line"], lw=1.0, zorder=5, alpha=alpha))
        size = 10.5 if node.kind == "affine" else 12
    inside_name = node.kind == "act" and node.name
    _fit(ax.text(node.x, node.y + (0.13 if inside_name else 0), node.text, ha="center", va="center",
                 fontsize=size, zorder=7, alpha=alpha), node.w)
    if inside_name:
        _fit(ax.text(node.x, node.y - 0.2, node.name, ha="center", va="center", fontsize=8, zorder=7,
                     alpha=alpha), node.w)
    elif node.name:                      # a state or an input: its name beside the box
        if node.kind == "input":
            ax.text(node.x + node.w / 2 + 0.1, node.y, node.name, ha="left", va="center", fontsize=8.5,
                    color="#555555", alpha=alpha)
        else:
            above = node.y > 3
            ax.text(node.x, node.y + (0.32 if above else -0.32), node.name, ha="center",
                    va="bottom" if above else "top", fontsize=8.5, color="#555555", alpha=alpha)


def cell_diagram(cell, names=None, ax=None, highlight=None, title=None):
    """Draw one step of ``cell`` (matplotlib).

    Parameters
    ----------
    cell : "rnn", "lstm" or "gru"
    names : dict or None, words overriding ``cell_layouts.NAMES``
    ax : Axes or None (a new figure sized to the drawing)
    highlight : None, or a path of ``PATHS[cell]`` to draw in red over a greyed cell
    title : str or None

    Returns
    -------
    ax
    """
    import matplotlib.pyplot as plt
    import matplotlib.patheffects as pe
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    use_korean_font()
    lay = layout(cell, names)
    on_edges, on_nodes = path_elements(lay, highlight)
    xs = [n.x + s * n.w / 2 for n in lay.nodes.values() for s in (-1, 1)]
    ys = [n.y + s * n.h / 2 for n in lay.nodes.values() for s in (-1, 1)]
    box = (min(xs) - 0.5, max(xs) + 0.4, min(ys) - 0.3, max(ys) + 0.75)
    if ax is None:
        w, h = SCALE * (box[1] - box[0]), SCALE * (box[3] - box[2])
        extra = 0.35 if title else 0.0                     # room for the title above the drawing
        fig, ax = plt.subplots(figsize=(w, h + extra))
        fig.subplots_adjust(0, 0, 1, h / (h + extra))
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_aspect("equal")
    ax.axis("off")
    ax.apply_aspect()
    for edge in lay.edges:
        color, lw, z = edge_style(lay, highlight, edge)
        pts = clip_edge(edge.points, lay.nodes[edge.src], lay.nodes[edge.dst])
        arrow = "-" if lay.nodes[edge.dst].kind == "dot" else "-|>"
        ax.add_patch(FancyArrowPatch(path=Path(pts), arrowstyle=arrow, mutation_scale=12, color=color, lw=lw,
                                     zorder=z, joinstyle="miter", capstyle="butt",
                                     path_effects=[pe.withStroke(linewidth=lw + 4, foreground="white")]))
        if edge.label:
            text, x, y, ha = edge.label
            ax.text(x, y, text, ha=ha, va="center" if ha == "left" else "bottom", fontsize=11.5,
                    color=color if highlight else "#222222", zorder=7)
    for key, node in lay.nodes.items():
        _draw_node(ax, node, 1.0 if key in on_nodes else 0.35)
    text, x, y = lay.caption
    ax.text(x, y, text, ha="center", va="bottom", fontsize=9.5, zorder=7,
            color=COLORS["chain" if cell == "rnn" else "road"] if highlight in (None, PATHS[cell][0]) else "#999999")
    if title:
        ax.set_title(title, fontsize=11)
    use_korean_font(ax)
    return ax


def _plotly_traces(lay):
    """(traces, owner of each trace): an edge's line and label belong to the edge, a node's
    outline and texts to the node; the road's caption is its own ("caption", None)."""
    import plotly.graph_objects as go

    traces, owners = [], []

    def text(x, y, s, size, owner, color="#222222", position="middle center"):
        traces.append(go.Scatter(x=[x], y=[y], mode="text", text=[html_label(s)], hoverinfo="skip",
                                 textposition=position,
                                 textfont=dict(size=size, color=color), showlegend=False))
        owners.append(owner)
    for e in lay.edges:
        pts = np.array(clip_edge(e.points, lay.nodes[e.src], lay.nodes[e.dst]))
        head = lay.nodes[e.dst].kind != "dot"
        if head:                                    # the arrow marker is centred on its point
            d = pts[-1] - pts[-2]
            pts[-1] -= 0.1 * d / np.linalg.norm(d)
        traces.append(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="lines+markers", hoverinfo="skip",
                                 marker=dict(symbol="arrow", angleref="previous",
                                             size=[0] * (len(pts) - 1) + [13 if head else 0], line=dict(width=0)),
                                 showlegend=False))
        owners.append(("edge", (e.src, e.dst)))
        if e.label:
            t, x, y, ha = e.label
            text(x, y + (0.12 if ha == "center" else 0), t, 15, ("edge", (e.src, e.dst)), "#222222",
                 "middle right" if ha == "left" else "middle center")
    for key, n in lay.nodes.items():
        if n.kind == "dot":
            traces.append(go.Scatter(x=[n.x], y=[n.y], mode="markers", hoverinfo="skip", showlegend=False,
                                     marker=dict(size=6, color=COLORS["line"])))
            owners.append(("node", key))
            continue
        x, y = outline(n)
        traces.append(go.Scatter(x=x, y=y, mode="lines", fill="toself", fillcolor=COLORS[n.kind],
                                 line=dict(color=COLORS["line"], width=1), hoverinfo="skip", showlegend=False))
        owners.append(("node", key))
        inside = n.kind == "act" and n.name
        text(n.x, n.y + (0.14 if inside else 0), n.text, 15 if n.kind != "affine" else 13, ("node", key))
        if inside:
            text(n.x, n.y - 0.2, n.name, 9.5, ("node", key))
        elif n.name and n.kind == "input":                 # beside the box, as in cell_diagram
            text(n.x + n.w / 2 + 0.05, n.y, n.name, 11, ("node", key), "#555555", "middle right")
        elif n.name:
            text(n.x, n.y + (0.45 if n.y > 3 else -0.45), n.name, 11, ("node", key), "#555555")
    t, x, y = lay.caption
    text(x, y + 0.2, t, 12, ("caption", None), COLORS["chain" if lay.cell == "rnn" else "road"])
    return traces, owners


def _restyle(lay, traces, owners, highlight):
    """The restyle arguments that draw ``highlight`` (None: the plain diagram)."""
    on_edges, on_nodes = path_elements(lay, highlight)
    opacity, color, width = [], [], []
    for trace, (kind, key) in zip(traces, owners):
        if kind == "caption":                          # the road's caption: lit with the road
            on = highlight in (None, PATHS[lay.cell][0])
        else:
            on = key in (on_edges if kind == "edge" else on_nodes)
        opacity.append(1.0 if on or highlight is None else 0.25)
        if kind == "edge" and trace.mode == "lines+markers":
            edge = lay.edges[[(e.src, e.dst) for e in lay.edges].index(key)]
            c, w, _ = edge_style(lay, highlight, edge)
            color.append(c)
            width.append(w)
        else:
            color.append(COLORS["line"])
            width.append(1.0)
    return {"opacity": opacity, "line.color": color, "line.width": width, "marker.color": color}


def path_figure(cell, steps, names=None, prefix="", title=None, height=500):
    """The kernel-free twin of :func:`cell_diagram`: a slider that highlights one path at a time.

    Parameters
    ----------
    cell : "rnn", "lstm" or "gru"
    steps : sequence of (slider label, path) pairs, path None (the plain diagram) or a name
        of ``PATHS[cell]``
    names : dict or None, as for :func:`cell_diagram`
    prefix : text before the slider's current label
    title : str or None

    Returns
    -------
    plotly.graph_objects.Figure; show it with :func:`rnnkit.figures.web.show`
    """
    import plotly.graph_objects as go

    from .web import slider

    lay = layout(cell, names)
    steps = list(steps)
    if not steps:
        raise ValueError("steps must name at least one (label, path) pair")
    for _, path in steps:
        path_elements(lay, path)                       # raises on an unknown path
    traces, owners = _plotly_traces(lay)
    fig = go.Figure(traces)
    first = _restyle(lay, traces, owners, steps[0][1])
    for j, trace in enumerate(fig.data):
        trace.opacity = first["opacity"][j]
        trace.line.color, trace.line.width = first["line.color"][j], first["line.width"][j]
        trace.marker.color = first["marker.color"][j]
    xs = [n.x + s * n.w / 2 for n in lay.nodes.values() for s in (-1, 1)]
    ys = [n.y + s * n.h / 2 for n in lay.nodes.values() for s in (-1, 1)]
    fig.update_layout(
        title=dict(text=title, x=0.5) if title else None, height=height, plot_bgcolor="white",
        xaxis=dict(visible=False, range=[min(xs) - 0.6, max(xs) + 0.5]),
        yaxis=dict(visible=False, range=[min(ys) - 0.3, max(ys) + 0.8], scaleanchor="x"),
        margin=dict(l=10, r=10, t=40 if title else 10, b=10),
        sliders=[slider([lab for lab, _ in steps],
                         [[_restyle(lay, traces, owners, path)] for _, path in steps],
                         method="restyle", prefix=prefix, pad={"t": 10}, x=0.08, len=0.84)])
    return fig
