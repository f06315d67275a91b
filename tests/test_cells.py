"""Chapter 05's cell diagrams (rnnkit.figures.cell_layouts, rnnkit.figures.cells): the
symbols are the chapter's, the state carried forward runs along one straight additive road,
the gates' paths end where the equations apply them, and no label runs into another."""
from __future__ import annotations

import json
import re
import warnings
from itertools import combinations
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from rnnkit.figures import cell_layouts, cells  # noqa: E402

BOOK = Path(__file__).resolve().parents[1] / "book"
KOREAN = {"input": "입력", "hidden": "은닉 상태", "cell": "셀 상태", "forget": "망각 게이트",
          "input_gate": "입력 게이트", "output": "출력 게이트", "candidate": "후보", "reset": "리셋 게이트",
          "update": "업데이트 게이트",
          "rnn_path": r"매 단계 $\partial h_t/\partial h_{t-1} = \operatorname{diag}(\tanh'(a_t))\,W_{hh}$",
          "cell_path": r"셀 경로: $\partial c_t/\partial c_{t-1} = \operatorname{diag}(f_t)$",
          "gru_path": r"덧셈 경로: $\partial h_t/\partial h_{t-1}$의 항 $\operatorname{diag}(z_t)$"}
SYMBOL = re.compile(r"\\[a-zA-Z]+|[A-Za-z]_\{[^{}]*\}|[A-Za-z]_[A-Za-z0-9]|\+")
# what each cell's equations in chapter 05 are made of (and so what its diagram must show)
EQUATIONS = {
    "rnn": {"x_t", "h_{t-1}", "h_t", "W_{hh}", "W_{xh}", "b_h", "a_t", r"\tanh", "+"},
    "lstm": {"x_t", "h_{t-1}", "c_{t-1}", "c_t", "h_t", "a_t", "W_x", "W_h", "a_i", "a_f", "a_o", "a_g",
             "i_t", "f_t", "o_t", "g_t", r"\sigma", r"\tanh", r"\odot", "+"},
    "gru": {"x_t", "h_{t-1}", "h_t", "r_t", "z_t", "n_t", "W_{xn}", "b_{xn}", "W_{hn}", "b_{hn}",
            r"\sigma", r"\tanh", r"\odot", "+"},
}


def _math(text):
    return " ".join(text.split("$")[1::2])


def _symbols(texts):
    return {s for t in texts for s in SYMBOL.findall(_math(t))}


def _labels(lay):
    return ([n.text for n in lay.nodes.values()] + [e.label[0] for e in lay.edges if e.label]
            + [lay.caption[0]])


def _chapter_math(lang):
    nb = json.loads((BOOK / lang / "05_lstm_gru.ipynb").read_text(encoding="utf-8"))
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    return " ".join(a or b for a, b in re.findall(r"\$\$(.+?)\$\$|\$([^$]+)\$", text, re.S))


@pytest.mark.parametrize("cell", cell_layouts.CELLS)
def test_every_symbol_of_the_equations_is_a_label(cell):
    lay = cell_layouts.layout(cell)
    assert EQUATIONS[cell] <= _symbols(_labels(lay))


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("cell", cell_layouts.CELLS)
def test_every_symbol_of_the_diagram_is_the_chapters(cell, lang):
    chapter = set(SYMBOL.findall(_chapter_math(lang)))
    lay = cell_layouts.layout(cell, KOREAN if lang == "ko" else None)
    missing = _symbols(_labels(lay)) - chapter
    assert not missing, f"symbols in the {cell} diagram that chapter 05 ({lang}) never writes: {missing}"


def _road(lay, straight=True):
    """The road's nodes in order, checking that its edges chain (and lie on one line)."""
    order = [lay.road[0][0]]
    for src, dst in lay.road:
        assert src == order[-1]
        order.append(dst)
    if not straight:
        return order
    ys = {y for e in lay.edges if (e.src, e.dst) in lay.road for _, y in e.points}
    assert len(ys) == 1                                      # one straight horizontal line
    assert ys.pop() == max(n.y for n in lay.nodes.values())   # along the top of the drawing
    return order


def _gate_into(lay, node):
    """Label of the edge that brings the other factor into ``node`` (through branch dots)."""
    (edge,) = [e for e in lay.edges if e.dst == node and (e.src, e.dst) not in lay.road]
    while edge.label is None:
        (edge,) = [e for e in lay.edges if e.dst == edge.src]
    return edge.label[0]


@pytest.mark.parametrize("cell, state, gate", [("lstm", "c", "$f_t$"), ("gru", "h", "$z_t$")])
def test_the_additive_road_has_one_product_with_the_gate_and_one_sum(cell, state, gate):
    lay = cell_layouts.layout(cell)
    order = _road(lay)
    assert lay.nodes[order[0]].text == f"${state}_{{t-1}}$" and lay.nodes[order[-1]].text == f"${state}_t$"
    inner = [lay.nodes[k] for k in order[1:-1] if lay.nodes[k].kind != "dot"]
    assert [n.text for n in inner] == [r"$\odot$", "$+$"]    # no matrix, no tanh on the road
    product = next(k for k in order if lay.nodes[k].text == r"$\odot$")
    assert _gate_into(lay, product) == gate                    # d(state_t)/d(state_{t-1}) = diag(gate)


def test_the_rnn_chain_passes_the_matrix_and_the_tanh():
    lay = cell_layouts.layout("rnn")
    kinds = [lay.nodes[k].kind for k in _road(lay, straight=False)]
    assert kinds == ["state", "affine", "act", "state"]


def test_the_gru_reset_gate_acts_after_the_product_as_pytorch_does():
    lay = cell_layouts.layout("gru")
    into = {e.dst: [] for e in lay.edges}
    for e in lay.edges:
        into[e.dst].append(e.src)
    (product,) = [k for k in into if lay.nodes[k].text == r"$\odot$" and "sr" in into[k]]
    assert sorted(lay.nodes[k].text for k in into[product]) == [r"$W_{hn}h_{t-1} + b_{hn}$", r"$\sigma$"]
    (plus,) = [k for k, src in into.items() if product in src]
    assert sorted(lay.nodes[k].text for k in into[plus]) == [r"$W_{xn}x_t + b_{xn}$", r"$\odot$"]


@pytest.mark.parametrize("cell", cell_layouts.CELLS)
def test_paths_are_chains_of_edges_of_the_cell(cell):
    lay = cell_layouts.layout(cell)
    edges = {(e.src, e.dst) for e in lay.edges}
    assert tuple(lay.paths) == cell_layouts.PATHS[cell]
    for name, path in lay.paths.items():
        assert set(path) <= edges, name


def _segments(ax, lay):
    for e in lay.edges:
        pts = ax.transData.transform(cell_layouts.clip_edge(e.points, lay.nodes[e.src], lay.nodes[e.dst]))
        yield from zip(pts[:-1], pts[1:])


def _crosses(box, p, q):
    (x0, y0), (x1, y1) = sorted([tuple(p), tuple(q)])
    return not (max(x0, x1) < box.x0 or min(x0, x1) > box.x1
                or max(y0, y1) < box.y0 or min(y0, y1) > box.y1)


@pytest.mark.parametrize("names", [None, KOREAN], ids=["en", "ko"])
@pytest.mark.parametrize("cell", cell_layouts.CELLS)
def test_no_label_overlaps_another_or_a_line(cell, names):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Glyph")      # a missing glyph fails here
        ax = cells.cell_diagram(cell, names, title="제목")
        ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    texts = [t for t in ax.texts if t.get_text()]
    boxes = [t.get_window_extent(renderer).shrunk(0.98, 0.9) for t in texts]
    for (a, ta), (b, tb) in combinations(zip(boxes, texts), 2):
        assert not a.overlaps(b), (ta.get_text(), tb.get_text())
    lay = cell_layouts.layout(cell, names)
    for box, t in zip(boxes, texts):
        for p, q in _segments(ax, lay):
            assert not _crosses(box, p, q), t.get_text()
    frame = ax.get_window_extent(renderer)
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 for b in boxes)
    plt.close("all")


def test_a_gates_name_is_shrunk_to_fit_its_box():
    ax = cells.cell_diagram("gru", KOREAN)
    ax.figure.canvas.draw()
    text = next(t for t in ax.texts if t.get_text() == KOREAN["update"])
    node = cell_layouts.layout("gru").nodes["sz"]
    width = ax.transData.transform((node.w, 0))[0] - ax.transData.transform((0, 0))[0]
    assert text.get_fontsize() < 8 and text.get_window_extent().width < width
    plt.close("all")


def test_highlight_reddens_the_path_and_greys_the_rest():
    ax = cells.cell_diagram("lstm", highlight="f")
    lay = cell_layouts.layout("lstm")
    red = cell_layouts.COLORS["highlight"]
    arrows = [p for p in ax.patches if type(p).__name__ == "FancyArrowPatch"]
    assert len(arrows) == len(lay.edges)
    colours = {(e.src, e.dst): matplotlib.colors.to_hex(a.get_edgecolor()) for e, a in zip(lay.edges, arrows)}
    assert {k for k, c in colours.items() if c == red} == set(lay.paths["f"])
    plt.close("all")


def test_html_label():
    assert cell_layouts.html_label("$h_{t-1}$") == "h<sub>t−1</sub>"
    assert cell_layouts.html_label("$1-z_t$") == "1 − z<sub>t</sub>"
    assert cell_layouts.html_label(r"셀 경로: $\operatorname{diag}(f_t)$") == "셀 경로: diag(f<sub>t</sub>)"
    assert cell_layouts.html_label("$a_t = W_x x_t + b$") == "a<sub>t</sub> = W<sub>x</sub>x<sub>t</sub> + b"
    with pytest.raises(ValueError, match="matched"):
        cell_layouts.html_label("$x_t")


def test_path_figure_steps_highlight_one_path_each():
    steps = [("all", None), ("cell", "cell"), ("f", "f"), ("o", "o")]
    fig = cells.path_figure("lstm", steps, prefix="path: ")
    (slider,) = fig.layout.sliders
    assert [s.label for s in slider.steps] == ["all", "cell", "f", "o"]
    n = len(fig.data)
    lay = cell_layouts.layout("lstm")
    lines = [j for j, t in enumerate(fig.data) if t.mode == "lines+markers"]
    assert len(lines) == len(lay.edges)
    for step, (_, path) in zip(slider.steps, steps):
        (args,) = step.args
        assert all(len(v) == n for v in args.values())
        colours = [args["line.color"][j] for j in lines]
        red = {(e.src, e.dst) for e, c in zip(lay.edges, colours) if c == cell_layouts.COLORS["highlight"]}
        assert red == (set(lay.paths[path]) if path else set())
        assert (min(args["opacity"]) == 1.0) == (path is None)
    assert fig.data[lines[0]].line.color == cell_layouts.COLORS["road"]     # shown first: the plain diagram


def test_bad_input():
    with pytest.raises(ValueError, match="cell must be one of"):
        cell_layouts.layout("rnn2")
    with pytest.raises(ValueError, match="names has unknown keys"):
        cell_layouts.layout("lstm", {"forgett": "x"})
    with pytest.raises(ValueError, match="highlight must be None or one of"):
        cells.cell_diagram("gru", highlight="f")
    with pytest.raises(ValueError, match="steps must name"):
        cells.path_figure("lstm", [])
    with pytest.raises(ValueError, match="highlight must be None or one of"):
        cells.path_figure("lstm", [("x", "z")])
    plt.close("all")
