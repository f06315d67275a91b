"""Tests of rnnkit.figures.spacing: chapter 08's boundary display, live restorer and lookahead plot."""
from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnnkit.data.spacing import respace, unspace
from rnnkit.figures import spacing as fs
from rnnkit.spacing.model import SpacingModel, line_probabilities, spacing_vocab

LABELS = {"text": "text", "empty": "nothing", "long": "cut at {n}"}


@pytest.fixture
def spacer():
    import torch

    vocab = spacing_vocab("아버지가 방에 들어가신다\n형식은 학교에 갔다.")
    torch.manual_seed(0)
    return SpacingModel(len(vocab), embed=4, hidden=4, num_layers=1).eval(), vocab


def _numbers(markup):
    return re.findall(r">(\d\.\d\d)<", markup)


def test_boundary_html_has_one_number_per_boundary_and_gaps_where_spaces_are():
    h = fs.boundary_html("가나다", [0.91, 0.2, 0.7])
    assert _numbers(h) == ["0.91", "0.20"]                      # no number after the last character
    assert [m for m in re.findall(r"margin-right:([\d.]+em)", h)] == ["1.1em", "0.1em", "0.1em"]
    assert "rgb(255,255,255)" in fs.boundary_html("가나", [0.0, 0.0])   # P = 0: white
    assert fs._shade(1.0) == "rgb(41,98,255)"
    with pytest.raises(ValueError, match="one value per character"):
        fs.boundary_html("가나", [0.5])


def test_examples_and_widget_show_the_model_s_spacing(spacer):
    model, vocab = spacer
    c = "아버지가방에들어가신다"
    p = line_probabilities(model, vocab, [c])[0]
    h = fs.examples_html(model, vocab, ["아버지가 방에 들어가신다", "형식은"])
    assert f"<b>{respace(c, p > 0.5)}</b>" in h and _numbers(h)[:10] == [f"{q:.2f}" for q in p[:-1]]
    w = fs.spacing_widget(model, vocab, LABELS, value="아버지 가방에")
    box, out = w.children
    assert out.value.startswith("<p><b>") and len(_numbers(out.value)) == len("아버지가방에") - 1
    box.value = "형식은학교에"                                  # typing updates the display
    assert len(_numbers(out.value)) == 5
    box.value = "  "
    assert out.value == "<p>nothing</p>"
    box.value = "가" * (fs.MAX_CHARS + 5)
    assert out.value.startswith(f"<p>cut at {fs.MAX_CHARS}</p>") and len(_numbers(out.value)) == fs.MAX_CHARS - 1
    with pytest.raises(ValueError, match="labels"):
        fs.spacing_widget(model, vocab, {"text": "t"})


def test_plot_lookahead_draws_every_d_and_the_references():
    rows = [{"d": d, "f1": f} for d, f in [(0, 0.5), (1, 0.8), (2, 0.9), ("all", 0.97)]]
    fig, ax = plt.subplots()
    fs.plot_lookahead(ax, rows, {"x": "d", "y": "F1", "model": "bi", "all": "전체"}, references=[("uni", 0.6)])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2", "전체"]
    assert list(ax.lines[0].get_ydata()) == [0.5, 0.8, 0.9]
    assert list(ax.lines[1].get_xdata()) == [2, 4]                     # dotted to "all", placed at max d + 2
    assert ax.lines[2].get_ydata()[0] == 0.6
    plt.close(fig)
    with pytest.raises(ValueError, match="exactly one"):
        fs.plot_lookahead(ax, rows[:3], {"x": "", "y": "", "model": "", "all": ""})


def test_fixed_boundaries_and_compare_html():
    truth, a, b = ["0101", "1"], ["0001", "0"], ["0100", "1"]
    assert fs.fixed_boundaries(truth, a, b) == [(0, 1), (1, 0)]
    with pytest.raises(ValueError, match="one label per boundary"):
        fs.fixed_boundaries(["01"], ["0"], ["01"])
    h = fs.compare_html("가나다라마", "0101", ["0001", "0100"], ["truth", "a", "b"])
    rows = re.findall(r"<tr>(.*?)</tr>", h)
    assert len(rows) == 3 and rows[0].count("&nbsp;") == 2 and "f4a6a6" not in rows[0]
    assert rows[1].count("f4a6a6") == 1 and rows[2].count("f4a6a6") == 1       # one wrong boundary each
    assert unspace(re.sub("<[^>]+>", "", rows[0].split("</td>")[1]).replace("&nbsp;", " "))[0] == "가나다라마"
