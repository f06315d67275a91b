"""rnnkit.figures.gradient_explorer: the live callback at every slider extreme, and the kernel-free figure."""
import itertools
import json
import warnings

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from rnnkit.analysis import gradflow as gf  # noqa: E402
from rnnkit.figures.gradient_explorer import CLIP_OPTIONS, GradientExplorer, static_figure  # noqa: E402


@pytest.fixture(scope="module")
def explorer():
    return GradientExplorer("ko", t_max=200)


EXTREMES = list(itertools.product((0.0, 0.05, 1.0, 3.5), (1, 2, 200), gf.ACTIVATIONS,
                                  gf.INITS, (None, 0.01, 100.0)))


def test_callback_at_every_extreme_is_finite_and_silent(explorer):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            for rho, T, act, init, clip in EXTREMES:
                r = explorer.update(rho, T, act, init, clip)
                png = explorer.png()
                assert png[:8] == b"\x89PNG\r\n\x1a\n"
                for line in (explorer.jac_line, explorer.bound_line, explorer.clip_line):
                    y = np.asarray(line.get_ydata(), dtype=float)
                    assert np.isfinite(y).all(), (rho, T, act, init, clip)
                np.testing.assert_array_equal(explorer.jac_line.get_xdata(), r.distance)
                assert r.distance[-1] == T and r.distance[0] == 0
                if clip is None:
                    assert len(explorer.clip_line.get_xdata()) == 0
                else:
                    assert r.clip_factor <= 0


def test_callback_draws_the_numbers_of_gradient_flow(explorer):
    r = explorer.update(3.0, 200, "relu", "gaussian", 1.0)
    ref = gf.gradient_flow("relu", 3.0, 200, "gaussian", H=32, clip=1.0, seed=0, every=2)
    np.testing.assert_array_equal(explorer.jac_line.get_ydata(), ref.jacobian)
    np.testing.assert_allclose(explorer.clip_line.get_ydata(), ref.dh + ref.clip_factor)
    assert r.grad_norm > 20 and ref.jacobian[-1] > 20       # explodes; clipping is active
    # rho = 0: everything beyond one step is an exact zero, drawn far below the axis
    explorer.update(0.0, 50, "tanh", "orthogonal", None)
    y = explorer.jac_line.get_ydata()
    assert y[0] == 0.0 and (y[1:] < -1000).all()


def test_widget_redraws_when_a_slider_moves():
    pytest.importorskip("ipywidgets")
    ex = GradientExplorer("en", t_max=200)
    box = ex.widget(rho=1.0, T=50)
    controls, image = box.children
    before = image.value
    controls.children[0].value = 2.5               # rho slider
    assert image.value != before
    assert ex.result.rho == 2.5 and ex.result.distance[-1] == 50
    controls.children[4].value = CLIP_OPTIONS[3]    # clip = 1.0
    assert ex.result.clip_factor < 0


def test_bad_arguments(explorer):
    with pytest.raises(ValueError, match="T"):
        explorer.update(1.0, 201)
    with pytest.raises(ValueError, match="lang"):
        GradientExplorer("fr")
    with pytest.raises(ValueError, match="rhos"):
        static_figure(rhos=[-1.0])


def test_static_figure_is_small_and_holds_the_precomputed_curves():
    fig = static_figure("en", T=200)
    spec = json.loads(fig.to_json())
    assert len(fig.to_json()) < 1_000_000
    steps = spec["layout"]["sliders"][0]["steps"]
    assert len(steps) == 31 and steps[10]["label"] == "1.0"
    assert len(spec["data"]) == 12                          # 8 curves + 4 bounds
    # step for rho = 2.0, trace (gaussian, tanh), compared with gradient_flow
    ys = steps[20]["args"][0]["y"]
    ref = gf.gradient_flow("tanh", 2.0, 200, "gaussian", loss=False, every=2)
    np.testing.assert_allclose(ys[0], np.round(ref.jacobian, 2))
    # the dashed bounds: (gamma lambda_1)^k from 0 to T, gamma = 1 then 1/4, Gaussian panel first
    lam1 = gf.largest_singular_value(gf.recurrent_matrix(32, 2.0, "gaussian", seed=0))
    assert ys[8] == [0.0, round(200 * np.log10(lam1), 2)]
    assert ys[9] == [0.0, round(200 * np.log10(lam1 / 4), 2)]
    # rho = 0: exact zeros are gaps (None), never NaN, and a note in the plot says why
    assert steps[0]["args"][0]["y"][0][1:] == [None] * 100
    (key, text), = steps[0]["args"][1].items()
    assert key == "annotations[3].text" and spec["layout"]["annotations"][3]["text"] == ""
    assert text.startswith("ρ = 0 means W<sub>hh</sub> = 0") and "exactly 0" in text
    assert all(step["args"][1] == {"annotations[3].text": ""} for step in steps[1:])


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_static_figure_layout_holds_at_phone_width(lang):
    """At 390 px the two panels' x-axis titles overlapped and the wrapped legend covered
    the slider's readout: one centred x title, the legend above the panels (growing
    upwards), the slider below the x title."""
    fig = static_figure(lang, rhos=[0.5, 1.0])
    layout = fig.layout
    assert not any(ax.title.text for ax in (layout.xaxis, layout.xaxis2)), "one x title for both panels"
    x_titles = [a for a in layout.annotations if a.text == "거리 k = T − t (몇 단계 거슬러 올라갔나)"
                or a.text == "distance k = T − t (steps travelled back)"]
    assert len(x_titles) == 1 and x_titles[0].x == 0.5 and x_titles[0].yanchor == "top"
    assert layout.legend.yanchor == "bottom" and layout.legend.y >= 1.0
    assert layout.sliders[0].pad.t >= 40
    # each panel title fits a panel ~140 px wide at 13 px (about 7 px a character)
    panel_titles = [a.text for a in layout.annotations if a is not x_titles[0] and a.text]
    assert len(panel_titles) == 2 and all(len(t) <= 18 for t in panel_titles), panel_titles
