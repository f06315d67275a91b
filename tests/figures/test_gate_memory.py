"""Chapter 09's gate widget: the gradient it draws is the product of the gates."""
import numpy as np
import pytest

from rnnkit.figures.gate_memory import gate_gradients, gate_inputs, gate_widget


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_gradient_is_the_product_of_the_later_gates():
    x = gate_inputs(50, seed=3)
    a, logg = gate_gradients(1.5, 2.0, x)
    np.testing.assert_allclose(a, sigmoid(1.5 + 2.0 * x))
    # ∂h_T/∂h_t = a_{t+1} ⋯ a_T, so log10 of it is a reversed cumulative sum of log10 a
    ref = np.concatenate([np.cumsum(np.log10(a[:0:-1]))[::-1], [0.0]])
    np.testing.assert_allclose(logg, ref, rtol=1e-12, atol=1e-12)
    assert logg[-1] == 0.0 and np.all(np.diff(logg) > 0)      # every gate is below 1: never explodes


def test_without_input_dependence_the_fade_is_geometric():
    x = gate_inputs(200, seed=0)
    _, logg = gate_gradients(2.0, 0.0, x)
    slope = np.log10(sigmoid(2.0))                            # σ(2) ≈ 0.881 kept per step
    np.testing.assert_allclose(logg[::-1], slope * np.arange(200), rtol=1e-12, atol=1e-12)
    assert logg[-101] == pytest.approx(100 * slope) and -5.6 < 100 * slope < -5.4


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="x must be a non-empty 1-D array"):
        gate_gradients(0.0, 1.0, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="bias"):
        gate_gradients(float("nan"), 1.0, np.zeros(3))
    with pytest.raises(ValueError, match="lang"):
        gate_widget("fr")
    with pytest.raises(ValueError, match="T"):
        gate_widget("en", T=5000)


def test_widget_builds_with_three_controls():
    box = gate_widget("en", T=100)
    controls = box.children[0].children
    assert [c.description for c in controls] == ["bias β", "input weight w", "length T"]
    controls[1].value = 3.0                                     # a redraw must not fail


def test_kernel_free_twin_holds_every_step():
    from rnnkit.figures.gate_memory import gate_figure
    fig = gate_figure("en", T=200, bias=2.0, weights=[0.0, 3.0])
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == ["0", "3"]
    x = gate_inputs(200)
    a, logg = gate_gradients(2.0, 3.0, x)
    np.testing.assert_allclose(steps[1].args[0]["y"][0], a)
    np.testing.assert_allclose(steps[1].args[0]["y"][1], logg[::-1])
    fixed = gate_gradients(2.0, 0.0, x)[1][99]                 # t = 100: 100 steps before T = 200
    assert fixed == pytest.approx(100 * np.log10(sigmoid(2.0)))
    assert steps[0].args[1]["title.text"] == f"β = 2, T = 200: the gradient 100 steps back is 10<sup>{fixed:.1f}</sup>"
    with pytest.raises(ValueError, match="T"):
        gate_figure("en", T=50)
