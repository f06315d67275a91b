"""The cell diagrams of chapter 05 as data: nodes, edges and named paths.

:func:`layout` gives one step of the vanilla RNN, the LSTM or the GRU as plain data, which
:mod:`rnnkit.figures.cells` draws (matplotlib and plotly) and tests read as a graph.

The symbols are those of chapter 05's equations: the LSTM's
``a_t = W_x x_t + W_h h_{t-1} + b`` split into ``i_t, f_t, o_t`` (σ) and ``g_t`` (tanh),
``c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t``, ``h_t = o_t ⊙ tanh(c_t)``; PyTorch's GRU,
``n_t = tanh(W_xn x_t + b_xn + r_t ⊙ (W_hn h_{t-1} + b_hn))``,
``h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}``. The state that a cell carries forward
(``c`` for the LSTM, ``h`` for the GRU) runs along the top in one straight line through a
single ``⊙`` and a single ``+``: the additive road whose Jacobian is ``diag(f_t)``
(``diag(z_t)`` for the GRU). Words (gate names, path captions) come from ``names``, so
each language draws the same figure with its own labels.
"""
from __future__ import annotations

import re
from collections import namedtuple

import numpy as np

CELLS = ("rnn", "lstm", "gru")
PATHS = {"rnn": ("hidden",), "lstm": ("cell", "f", "i", "g", "o"), "gru": ("hidden", "r", "z", "n")}
NAMES = {   # English defaults; a chapter passes its own language's words
    "input": "input", "hidden": "hidden state", "cell": "cell state",
    "forget": "forget gate", "input_gate": "input gate", "output": "output gate", "candidate": "candidate",
    "reset": "reset gate", "update": "update gate",
    "rnn_path": r"every step: $\partial h_t/\partial h_{t-1} = \operatorname{diag}(\tanh'(a_t))\,W_{hh}$",
    "cell_path": r"cell path: $\partial c_t/\partial c_{t-1} = \operatorname{diag}(f_t)$",
    "gru_path": r"additive road: the term $\operatorname{diag}(z_t)$ of $\partial h_t/\partial h_{t-1}$",
}
COLORS = {"state": "#a8dba8", "input": "#f6b3ae", "act": "#f7dc8c", "affine": "#d9d2e9", "op": "#ffffff",
          "road": "#2e8b57", "chain": "#8e44ad", "line": "#333333", "highlight": "#c0392b", "dim": "#cccccc"}
OP_RADIUS = 0.22

Node = namedtuple("Node", "kind x y text w h name")   # name: a word from ``names`` or None
Edge = namedtuple("Edge", "src dst points label")       # label: (text, x, y, ha) or None
Layout = namedtuple("Layout", "cell nodes edges paths road caption")


def _n(kind, x, y, text, w=0.0, h=0.0, name=None):
    if kind == "op":
        w = h = 2 * OP_RADIUS
    return Node(kind, x, y, text, w, h, name)


def _rnn_layout(names):
    nodes = {
        "h_prev": _n("state", 0.0, 1.2, "$h_{t-1}$", 0.9, 0.5, names["hidden"]),
        "x": _n("input", 2.65, -0.5, "$x_t$", 0.7, 0.5, names["input"]),
        "aff": _n("affine", 2.65, 1.2, "$W_{hh}h_{t-1} + W_{xh}x_t + b_h$", 3.3, 0.55),
        "act": _n("act", 2.65, 2.7, r"$\tanh$", 0.9, 0.55),
        "h": _n("state", 5.0, 2.7, "$h_t$", 0.8, 0.5),
    }
    edges = [Edge("h_prev", "aff", [(0.0, 1.2), (2.65, 1.2)], None),
             Edge("x", "aff", [(2.65, -0.5), (2.65, 1.2)], None),
             Edge("aff", "act", [(2.65, 1.2), (2.65, 2.7)], ("$a_t$", 2.75, 1.95, "left")),
             Edge("act", "h", [(2.65, 2.7), (5.0, 2.7)], None)]
    road = [("h_prev", "aff"), ("aff", "act"), ("act", "h")]
    return Layout("rnn", nodes, edges, {"hidden": road}, road, (names["rnn_path"], 2.5, 3.45))


def _lstm_layout(names):
    gw, gh = 1.35, 0.75                                   # gate boxes
    nodes = {
        "c_prev": _n("state", 0.0, 5.0, "$c_{t-1}$", 0.9, 0.5, names["cell"]),
        "h_prev": _n("state", 0.0, 1.2, "$h_{t-1}$", 0.9, 0.5, names["hidden"]),
        "x": _n("input", 4.95, -0.5, "$x_t$", 0.7, 0.5, names["input"]),
        "aff": _n("affine", 4.95, 1.2, "$a_t = W_x x_t + W_h h_{t-1} + b$", 5.6, 0.55),
        "sf": _n("act", 2.7, 2.7, r"$\sigma$", gw, gh, names["forget"]),
        "si": _n("act", 4.2, 2.7, r"$\sigma$", gw, gh, names["input_gate"]),
        "tg": _n("act", 5.7, 2.7, r"$\tanh$", gw, gh, names["candidate"]),
        "so": _n("act", 7.2, 2.7, r"$\sigma$", gw, gh, names["output"]),
        "mf": _n("op", 2.7, 5.0, r"$\odot$"), "mi": _n("op", 5.7, 4.1, r"$\odot$"),
        "add": _n("op", 5.7, 5.0, "$+$"), "tc": _n("act", 8.7, 4.1, r"$\tanh$", 0.9, 0.5),
        "mo": _n("op", 8.7, 2.7, r"$\odot$"), "dot": _n("dot", 8.7, 5.0, ""),
        "c": _n("state", 10.6, 5.0, "$c_t$", 0.8, 0.5), "h": _n("state", 10.6, 1.2, "$h_t$", 0.8, 0.5),
    }
    edges = [Edge("c_prev", "mf", [(0.0, 5.0), (2.7, 5.0)], None),
             Edge("mf", "add", [(2.7, 5.0), (5.7, 5.0)], None),
             Edge("add", "dot", [(5.7, 5.0), (8.7, 5.0)], None),
             Edge("dot", "c", [(8.7, 5.0), (10.6, 5.0)], None),
             Edge("h_prev", "aff", [(0.0, 1.2), (4.95, 1.2)], None),
             Edge("x", "aff", [(4.95, -0.5), (4.95, 1.2)], None)]
    for gate, node, x in (("f", "sf", 2.7), ("i", "si", 4.2), ("g", "tg", 5.7), ("o", "so", 7.2)):
        edges.append(Edge("aff", node, [(x, 1.2), (x, 2.7)], (f"$a_{gate}$", x + 0.08, 1.88, "left")))
    edges += [Edge("sf", "mf", [(2.7, 2.7), (2.7, 5.0)], ("$f_t$", 2.8, 3.9, "left")),
              Edge("si", "mi", [(4.2, 2.7), (4.2, 4.1), (5.7, 4.1)], ("$i_t$", 4.3, 3.55, "left")),
              Edge("tg", "mi", [(5.7, 2.7), (5.7, 4.1)], ("$g_t$", 5.8, 3.55, "left")),
              Edge("mi", "add", [(5.7, 4.1), (5.7, 5.0)], None),
              Edge("dot", "tc", [(8.7, 5.0), (8.7, 4.1)], None),
              Edge("tc", "mo", [(8.7, 4.1), (8.7, 2.7)], None),
              Edge("so", "mo", [(7.2, 2.7), (8.7, 2.7)], ("$o_t$", 8.17, 2.8, "center")),
              Edge("mo", "h", [(8.7, 2.7), (8.7, 1.2), (10.6, 1.2)], None)]
    road = [("c_prev", "mf"), ("mf", "add"), ("add", "dot"), ("dot", "c")]
    reads = [("h_prev", "aff"), ("x", "aff")]                # every gate reads x_t and h_{t-1}
    paths = {"cell": road,
             "f": reads + [("aff", "sf"), ("sf", "mf"), ("mf", "add")],
             "i": reads + [("aff", "si"), ("si", "mi"), ("mi", "add")],
             "g": reads + [("aff", "tg"), ("tg", "mi"), ("mi", "add")],
             "o": reads + [("aff", "so"), ("so", "mo"), ("mo", "h")]}
    return Layout("lstm", nodes, edges, paths, road, (names["cell_path"], 4.2, 5.3))


def _gru_nodes(names):
    gw, gh = 1.35, 0.75
    return {
        "h_prev": _n("state", 0.0, 5.0, "$h_{t-1}$", 0.9, 0.5, names["hidden"]),
        "x": _n("input", 1.0, -0.9, "$x_t$", 0.7, 0.5, names["input"]),
        "a": _n("dot", 1.0, 5.0, ""), "j": _n("dot", 1.0, 1.0, ""), "xb": _n("dot", 1.0, 0.1, ""),
        "tap": _n("dot", 1.0, 3.9, ""), "bus": _n("dot", 2.3, 1.0, ""),
        "sz": _n("act", 2.3, 2.3, r"$\sigma$", gw, gh, names["update"]),
        "sr": _n("act", 3.8, 2.3, r"$\sigma$", gw, gh, names["reset"]),
        "bh": _n("affine", 5.6, 3.9, "$W_{hn}h_{t-1} + b_{hn}$", 2.3, 0.5),
        "mr": _n("op", 5.6, 3.0, r"$\odot$"), "an": _n("op", 5.6, 2.1, "$+$"),
        "bx": _n("affine", 5.6, 1.0, "$W_{xn}x_t + b_{xn}$", 2.1, 0.5),
        "tn": _n("act", 7.1, 2.1, r"$\tanh$", gw, gh, names["candidate"]),
        "zd": _n("dot", 2.3, 4.45, ""), "om": _n("act", 8.7, 3.3, "$1-$", 0.62, 0.42),
        "mn": _n("op", 8.7, 2.1, r"$\odot$"), "mz": _n("op", 2.3, 5.0, r"$\odot$"),
        "add": _n("op", 9.7, 5.0, "$+$"), "h": _n("state", 11.0, 5.0, "$h_t$", 0.8, 0.5),
    }


def _gru_layout(names):
    nodes = _gru_nodes(names)
    edges = [Edge(s, d, pts, lab) for s, d, pts, lab in (
        ("h_prev", "a", [(0.0, 5.0), (1.0, 5.0)], None),
        ("a", "mz", [(1.0, 5.0), (2.3, 5.0)], None),
        ("mz", "add", [(2.3, 5.0), (9.7, 5.0)], None),
        ("add", "h", [(9.7, 5.0), (11.0, 5.0)], None),
        ("a", "tap", [(1.0, 5.0), (1.0, 3.9)], None),
        ("tap", "j", [(1.0, 3.9), (1.0, 1.0)], None),
        ("x", "xb", [(1.0, -0.9), (1.0, 0.1)], None),
        ("xb", "j", [(1.0, 0.1), (1.0, 1.0)], None),
        ("j", "bus", [(1.0, 1.0), (2.3, 1.0)], None),
        ("bus", "sz", [(2.3, 1.0), (2.3, 2.3)], None),
        ("bus", "sr", [(2.3, 1.0), (3.8, 1.0), (3.8, 2.3)], None),
        ("tap", "bh", [(1.0, 3.9), (5.6, 3.9)], None),
        ("xb", "bx", [(1.0, 0.1), (5.6, 0.1), (5.6, 1.0)], None),
        ("sz", "zd", [(2.3, 2.3), (2.3, 4.45)], ("$z_t$", 2.4, 3.35, "left")),
        ("zd", "mz", [(2.3, 4.45), (2.3, 5.0)], None),
        ("zd", "om", [(2.3, 4.45), (8.7, 4.45), (8.7, 3.3)], ("$z_t$", 8.8, 3.95, "left")),
        ("sr", "mr", [(3.8, 2.3), (3.8, 3.0), (5.6, 3.0)], ("$r_t$", 4.6, 3.08, "center")),
        ("bh", "mr", [(5.6, 3.9), (5.6, 3.0)], None),
        ("mr", "an", [(5.6, 3.0), (5.6, 2.1)], None),
        ("bx", "an", [(5.6, 1.0), (5.6, 2.1)], None),
        ("an", "tn", [(5.6, 2.1), (7.1, 2.1)], None),
        ("tn", "mn", [(7.1, 2.1), (8.7, 2.1)], ("$n_t$", 8.12, 2.18, "center")),
        ("om", "mn", [(8.7, 3.3), (8.7, 2.1)], ("$1-z_t$", 8.8, 2.7, "left")),
        ("mn", "add", [(8.7, 2.1), (9.7, 2.1), (9.7, 5.0)], None))]
    road = [("h_prev", "a"), ("a", "mz"), ("mz", "add"), ("add", "h")]
    reads = [("h_prev", "a"), ("a", "tap"), ("tap", "j"), ("x", "xb"), ("xb", "j"), ("j", "bus")]
    paths = {"hidden": road,
             "r": reads + [("bus", "sr"), ("sr", "mr"), ("mr", "an"), ("an", "tn")],
             "z": reads + [("bus", "sz"), ("sz", "zd"), ("zd", "mz"), ("zd", "om"), ("om", "mn")],
             "n": [("h_prev", "a"), ("a", "tap"), ("tap", "bh"), ("bh", "mr"), ("mr", "an"), ("x", "xb"),
                   ("xb", "bx"), ("bx", "an"), ("an", "tn"), ("tn", "mn"), ("mn", "add")]}
    return Layout("gru", nodes, edges, paths, road, (names["gru_path"], 6.0, 5.3))


def layout(cell, names=None):
    """The diagram of ``cell`` as data.

    Parameters
    ----------
    cell : "rnn", "lstm" or "gru"
    names : dict or None, words that override ``NAMES`` (gate and state names,
        path captions); unknown keys raise ValueError

    Returns
    -------
    Layout(cell, nodes, edges, paths, road, caption): ``nodes`` maps a node id to
    ``Node(kind, x, y, text, w, h, name)`` (kind "state", "input", "affine", "act", "op"
    or "dot"); ``edges`` is a list of ``Edge(src, dst, points, label)``; ``paths`` maps
    each name of ``PATHS[cell]`` to its (src, dst) edges; ``road`` the edges of the state
    carried to the next step (the RNN's chain, the LSTM's cell path, the GRU's direct
    path); ``caption`` (text, x, y) the road's caption.
    """
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
    names = dict(NAMES, **_checked_names(names))
    return {"rnn": _rnn_layout, "lstm": _lstm_layout, "gru": _gru_layout}[cell](names)


def _checked_names(names):
    if names is None:
        return {}
    if not isinstance(names, dict):
        raise ValueError(f"names must be a dict of words, got {type(names).__name__}")
    unknown = sorted(set(names) - set(NAMES))
    if unknown:
        raise ValueError(f"names has unknown keys {unknown}; known keys: {sorted(NAMES)}")
    return names


def clip_edge(points, src, dst):
    """Points of an edge, its ends moved from the node centres to the node outlines."""
    pts = [np.array(p, dtype=float) for p in points]
    for end, node, inner in ((0, src, 1), (-1, dst, -2)):
        d = pts[inner] - pts[end]
        d /= np.linalg.norm(d)
        if node.kind == "op":
            reach = OP_RADIUS
        elif node.kind == "dot":
            reach = 0.0
        else:                              # a box: the edges meet it straight on
            reach = node.w / 2 if abs(d[0]) > abs(d[1]) else node.h / 2
        pts[end] = pts[end] + reach * d
    return [tuple(p) for p in pts]


def path_elements(lay, highlight):
    """(edges, nodes) of the highlighted path; everything when ``highlight`` is None."""
    if highlight is None:
        return {(e.src, e.dst) for e in lay.edges}, set(lay.nodes)
    if highlight not in lay.paths:
        raise ValueError(f"highlight must be None or one of {tuple(lay.paths)}, got {highlight!r}")
    edges = set(lay.paths[highlight])
    return edges, {n for e in edges for n in e}


def edge_style(lay, highlight, edge):
    """(colour, line width, zorder) of an edge."""
    on_edges, _ = path_elements(lay, highlight)
    key = (edge.src, edge.dst)
    if highlight is not None:
        return (COLORS["highlight"], 3.0, 4) if key in on_edges else (COLORS["dim"], 1.2, 2)
    if key in lay.road:
        return COLORS["chain" if lay.cell == "rnn" else "road"], 3.2, 3
    return COLORS["line"], 1.3, 2


_MATH = [(r"\operatorname{diag}", "diag"), (r"\odot", "⊙"), (r"\sigma", "σ"), (r"\tanh", "tanh"),
         (r"\partial", "∂"), (r"\,", "\u2009"), ("'", "′"), ("-", "−")]


def html_label(text):
    r"""A mathtext label as plotly's HTML: ``"$h_{t-1}$"`` -> ``"h<sub>t−1</sub>"``.

    Knows the few commands the cell diagrams use (``\odot``, ``\sigma``, ``\tanh``,
    ``\partial``, ``\operatorname{diag}``, ``\,``) and one level of subscripts.
    """
    parts = text.split("$")
    if len(parts) % 2 == 0:
        raise ValueError(f"text must have matched $...$ pairs, got {text!r}")
    out = []
    for k, part in enumerate(parts):
        if k % 2:
            for tex, plain in _MATH:
                part = part.replace(tex, plain)
            part = re.sub(r"_\{([^{}]*)\}", r"<sub>\1</sub>", part)
            part = re.sub(r"_(\w)", r"<sub>\1</sub>", part)
            part = part.replace(" ", "")
            part = re.sub(r"(?<=[^(<])([+=])(?=[^>])", r" \1 ", part)
            part = re.sub(r"(?<=\d)−(?=\w)", " − ", part)
        out.append(part)
    return "".join(out)


def outline(node):
    """(x, y) of a node's outline, closed: a circle for an op node, a rectangle otherwise."""
    if node.kind == "op":
        a = np.linspace(0, 2 * np.pi, 25)
        return node.x + OP_RADIUS * np.cos(a), node.y + OP_RADIUS * np.sin(a)
    x0, x1, y0, y1 = node.x - node.w / 2, node.x + node.w / 2, node.y - node.h / 2, node.y + node.h / 2
    return np.array([x0, x1, x1, x0, x0]), np.array([y0, y0, y1, y1, y0])
