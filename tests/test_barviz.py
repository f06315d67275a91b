import numpy as np
import pytest

from rnnkit.figures import bars

PANELS = [{"title": "h", "categories": ["1", "2", "3"], "range": (-1, 1)},
          {"title": "p", "categories": list("helo"), "range": (0, 1)}]
FRAMES = [[np.array([0.1, -0.2, 0.3]), np.array([0.1, 0.2, 0.3, 0.4])],
          [np.array([0.5, 0.5, -0.5]), np.array([0.7, 0.1, 0.1, 0.1])]]


def test_slider_figure_steps_carry_every_frame():
    fig = bars.slider_figure(FRAMES, PANELS, ["t=1", "t=2"], step_titles=["a", "b"])
    assert [tr.y for tr in fig.data] == [(0.1, -0.2, 0.3), (0.1, 0.2, 0.3, 0.4)]
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == ["t=1", "t=2"]
    assert steps[1].args[0]["y"] == [[0.5, 0.5, -0.5], [0.7, 0.1, 0.1, 0.1]]
    assert steps[1].args[1] == {"title.text": "b"}
    assert tuple(fig.layout.yaxis2.range) == (0, 1)


def test_widgets_build_and_respond():
    pytest.importorskip("ipywidgets")
    import matplotlib
    matplotlib.use("Agg")
    w = bars.slider_widget(FRAMES, PANELS, ["t=1", "t=2"])
    slider = w.children[0]
    slider.value = 1
    assert slider.value == 1
    seen = []

    def compute(active):
        seen.append(active.copy())
        return [active[:3].astype(float), np.ones(4) * active.sum()]

    t = bars.toggle_widget(list("abc") + ["d"], compute, PANELS, initial=[True, False, True, True])
    buttons = t.children[0].children
    buttons[1].value = True
    assert [a.tolist() for a in seen[-2:]] == [[True, False, True, True], [True, True, True, True]]


@pytest.mark.parametrize("frames, labels, match", [
    ([[np.zeros(3)]], ["a"], "one array per panel"),
    ([[np.zeros(2), np.zeros(4)]], ["a"], r"frames\[0\]\[0\] must have shape \(3,\)"),
    (FRAMES, ["a"], "step_labels must have one entry per frame"),
])
def test_bad_frames(frames, labels, match):
    with pytest.raises(ValueError, match=match):
        bars.slider_figure(frames, PANELS, labels)
