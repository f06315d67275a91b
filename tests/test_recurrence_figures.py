"""Chapter 09's figures: the scan tree, the two-slider impulse response and the stored speed results."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnnkit import results  # noqa: E402
from rnnkit.figures.recurrence import PHASES, RADII, impulse_figure, scan_tree, speed_figure  # noqa: E402
from rnnkit.figures.web import figure_html  # noqa: E402


def test_scan_tree_draws_log2_rounds_of_boxes():
    fig = scan_tree(8, "en")
    left, right = fig.axes
    labels = [t.get_text() for t in right.texts]
    assert sum(lab == "1:8" for lab in labels) == 1                 # the last prefix appears once, in round 3
    assert "5:8" in labels and "7:8" in labels                      # rounds 2 and 1
    assert sum(t.get_text().startswith("1:") for t in left.texts) == 8
    assert right.get_title().endswith("3 rounds")
    plt.close(fig)
    with pytest.raises(ValueError, match=r"T must be an integer in \[2, 16\]"):
        scan_tree(40)
    with pytest.raises(ValueError, match="lang must be one of"):
        scan_tree(8, "fr")


def test_impulse_sliders_combine_and_hold_the_powers():
    fig = impulse_figure("en", T=30)
    rad, phase = fig.layout.sliders
    assert len(rad.steps) == len(RADII) and len(phase.steps) == len(PHASES)
    n = 2 * len(PHASES)
    r_index, p_index = RADII.index(0.9), 3                          # |λ| = 0.9, θ = π/4
    data, layout, traces = rad.steps[r_index].args
    assert list(traces) == list(range(n + 2)) and "half-life 6.6" in layout["title.text"]
    expected = (0.9 * np.exp(1j * PHASES[p_index][0])) ** np.arange(30)
    np.testing.assert_allclose(data["y"][2 * p_index], expected.real, atol=1e-12)
    np.testing.assert_allclose(data["y"][2 * p_index + 1], expected.imag[:30], atol=1e-12)
    np.testing.assert_allclose(data["y"][n], 0.9 ** np.arange(30))   # the envelope
    visible, idx = phase.steps[p_index].args
    assert list(idx) == list(range(n)) and list(visible["visible"]) == [i // 2 == p_index for i in range(n)]
    assert "doubles every" in rad.steps[RADII.index(1.05)].args[1]["title.text"]
    assert figure_html(fig) == figure_html(impulse_figure("en", T=30))   # deterministic
    with pytest.raises(ValueError, match="radii must be positive"):
        impulse_figure("en", radii=(0.5, -1.0))


def test_stored_speed_results_and_their_figure():
    data = results.load("recurrence_speed")
    assert data["command"].startswith("python bench/recurrence_speed.py")
    assert [row["T"] for row in data["rows"]] == [64, 128, 256, 512, 1024, 2048, 4096]
    assert all(set(row["ms"]) == {"lstm", "mingru_loop", "mingru_scan", "mingru_loop_index"} for row in data["rows"])
    assert all(row["max_abs_difference"] < 1e-5 for row in data["rows"])   # loops and scan computed the same
    assert "shared" in data["machine"]["note"] and set(data["machine"]["load_average"]) == {"before", "after"}
    # the indexing loop's backward pass is quadratic in T: 64 times longer sequences cost it far more than 64 times
    first, last = data["rows"][0]["ms"], data["rows"][-1]["ms"]
    assert last["mingru_loop_index"] / first["mingru_loop_index"] > 4 * last["mingru_loop"] / first["mingru_loop"]
    fig = speed_figure(data, "ko")
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 4 and len(fig.axes[1].lines) == 4   # 3 ratios + the line at 1
    plt.close(fig)
