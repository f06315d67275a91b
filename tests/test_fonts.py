"""Every rnnkit entry point that draws with matplotlib puts the Korean font in place itself.

Run in a fresh interpreter with matplotlib's own defaults (no ``style.setup()``): drawing
Hangul with DejaVu Sans alone would warn "Glyph ... missing from font(s)" and show boxes.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

CASES = {
    "sequence_task": "from rnnkit.figures.diagrams import sequence_task\n"
                     "ax = sequence_task('many-to-one', title='감성 분석')\n",
    "unrolled_graph": "from rnnkit.figures.diagrams import unrolled_graph\n"
                      "ax = unrolled_graph(3, weight_note='같은 가중치')\n",
    "cell_diagram": "from rnnkit.figures.cells import cell_diagram\n"
                    "ax = cell_diagram('lstm', {'forget': '망각 게이트',\n"
                    "                           'cell_path': r'셀 경로: $\\operatorname{diag}(f_t)$'})\n",
    "plot_attention": "import numpy as np, matplotlib.pyplot as plt\n"
                      "from rnnkit.figures.attention import plot_attention\n"
                      "steps = dict(attention=np.full((2, 3), 1 / 3), source='이천년',\n"
                      "             steps=[dict(char='2'), dict(char='0')])\n"
                      "fig, ax = plt.subplots()\n"
                      "plot_attention(ax, steps, title='주의 가중치')\n",
    "plot_training_log": "import matplotlib.pyplot as plt\n"
                         "from rnnkit.figures.charlm import plot_training_log\n"
                         "fig, ax = plt.subplots()\n"              # the caller's axes, made first
                         "log = [dict(step=s, seconds=s, train_bpc=5 - s, valid_bpc=5.5 - s) for s in (1, 2)]\n"
                         "plot_training_log(ax, log, dict(train='학습', valid='검증', x='단계'),\n"
                         "                  baselines=[('4-그램', 3.9)])\n",
    "GradientExplorer": "from rnnkit.figures.gradient_explorer import GradientExplorer\n"
                        "GradientExplorer('ko', H=8, t_max=20).png()\n",
}


@pytest.mark.parametrize("name", CASES)
def test_hangul_draws_without_setup(name):
    code = ("import warnings, matplotlib\n"
            "matplotlib.use('Agg')\n"
            "warnings.filterwarnings('error', message='Glyph')\n"   # a missing glyph: an exception
            + CASES[name] +
            "import matplotlib.pyplot as plt\n"
            "for n in plt.get_fignums():\n"
            "    plt.figure(n).canvas.draw()\n"
            "print(matplotlib.rcParams['font.family'])\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "NanumGothic" in run.stdout


def test_the_check_fails_without_the_font():
    """The harness can fail: Hangul under matplotlib's defaults does warn."""
    code = ("import warnings, matplotlib\nmatplotlib.use('Agg')\n"
            "warnings.filterwarnings('error', message='Glyph')\n"
            "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.set_title('감성')\n"
            "fig.canvas.draw()\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode != 0 and "missing from font" in run.stderr


MIXED = ("import matplotlib.pyplot as plt\n"
         "from rnnkit.figures.style import setup, use_korean_font\n"
         "setup()\n"
         "fig, ax = plt.subplots()\n"
         "ax.set_xlabel('$W_{hh}$가 쓰인 시점 $k$')\n"
         "ax.plot([1, 2], [1, 2], label='$t = 6$')\n"
         "ax.legend(title='손실 $L_t$')\n"
         "fig.suptitle(r'기울기 $\\Vert \\partial L/\\partial W_{hh} \\Vert_F$의 합')\n")


def _draw_mixed(extra):
    code = ("import matplotlib\nmatplotlib.use('Agg')\n" + MIXED + extra + "fig.canvas.draw()\n"
            "print(sorted({tuple(t.get_fontfamily()) for t in fig.findobj(matplotlib.text.Text)"
            " if '$' in t.get_text()}))\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_mathtext_next_to_hangul():
    """use_korean_font(fig) lets a label mix $...$ and Hangul: no dummy glyphs, NanumGothic first."""
    run = _draw_mixed("use_korean_font(fig)\n")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "glyph" not in run.stderr.lower(), run.stderr[-2000:]
    assert "('NanumGothic', 'DejaVu Sans')" in run.stdout


def test_mathtext_next_to_hangul_fails_without_the_fix():
    run = _draw_mixed("")
    assert run.returncode == 0 and "does not have a glyph" in run.stderr
