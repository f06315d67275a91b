"""numerical_gradient, rel_error, clip_grad_norm; and rnnkit.scratch stays numpy-only (numpy only)."""
import subprocess
import sys

import numpy as np
import pytest

from helpers import RandomArrays
from rnnkit.scratch import clip_grad_norm, numerical_gradient, rel_error


# --- numerical_gradient ---------------------------------------------------------------

def test_numerical_gradient_of_a_scalar_function():
    x = RandomArrays(0).randn(3, 4)
    grad = numerical_gradient(lambda a: np.sum(a**3) + np.sum(np.sin(a)), x)
    assert grad.shape == x.shape and grad.dtype == np.float64
    assert rel_error(grad, 3 * x**2 + np.cos(x)) < 1e-8


def test_numerical_gradient_with_an_upstream_gradient():
    # d/dx sum(f(x) * df) with f(x) = x W: the answer is df @ W.T.
    r = RandomArrays(1)
    x, W, df = r.randn(2, 3), r.randn(3, 4), r.randn(2, 4)
    assert rel_error(numerical_gradient(lambda a: a @ W, x, df=df), df @ W.T) < 1e-9


def test_numerical_gradient_restores_x_exactly_and_handles_views():
    x = RandomArrays(2).randn(3, 5)
    saved = x.copy()
    numerical_gradient(lambda a: np.sum(np.exp(a)), x)
    assert np.array_equal(x, saved)
    view = x.T                                   # non-contiguous: perturbed through the view
    grad = numerical_gradient(lambda a: np.sum(a[0] * 2.0), view)
    expected = np.zeros_like(view)
    expected[0] = 2.0
    assert rel_error(grad, expected) < 1e-9 and np.array_equal(x, saved)


def test_numerical_gradient_error_is_second_order_in_h():
    # Centred differences: error ~ h^2 f'''/6. For exp at 0 and h = 1e-2: about 1.7e-5.
    x = np.array([0.0])
    err = abs(numerical_gradient(lambda a: np.exp(a).sum(), x, h=1e-2)[0] - 1.0)
    assert 1.6e-5 < err < 1.7e-5


def test_numerical_gradient_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"x must be a float numpy array"):
        numerical_gradient(np.sum, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"x must be a float numpy array"):
        numerical_gradient(np.sum, np.arange(3))
    with pytest.raises(ValueError, match=r"h must be a positive step size"):
        numerical_gradient(np.sum, np.ones(3), h=0.0)
    with pytest.raises(ValueError, match=r"pass df"):
        numerical_gradient(lambda a: a * 2, np.ones(3))
    with pytest.raises(ValueError, match=r"df must have the shape of f\(x\), \(3,\)"):
        numerical_gradient(lambda a: a * 2, np.ones(3), df=np.ones(4))


def test_numerical_gradient_of_an_empty_array_is_empty():
    assert numerical_gradient(np.sum, np.zeros((0, 3))).shape == (0, 3)


# --- rel_error ------------------------------------------------------------------------

def test_rel_error_values():
    assert rel_error(np.ones(3), np.ones(3)) == 0.0
    assert rel_error(1.0, 1.1) == pytest.approx(0.1 / 2.1, rel=1e-12)
    assert rel_error(np.array([1.0, 100.0]), np.array([1.0, 101.0])) == pytest.approx(1 / 201, rel=1e-12)
    assert rel_error(0.0, 1e-12) == pytest.approx(1e-4, rel=1e-12)     # denominator floored at 1e-8
    assert rel_error(np.zeros((0, 2)), np.zeros((0, 2))) == 0.0
    assert isinstance(rel_error(np.float32(1), np.float32(2)), float)
    assert not rel_error(np.array([np.nan]), np.array([1.0])) < 1.0    # NaN never passes a check


def test_rel_error_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"a and b must have the same shape, got \(3,\) and \(1, 3\)"):
        rel_error(np.ones(3), np.ones((1, 3)))


# --- clip_grad_norm -------------------------------------------------------------------

def test_clip_rescales_to_max_norm_and_keeps_direction():
    grads = {"W": np.array([[3.0, 0.0]]), "b": np.array([4.0])}       # joint norm 5
    clipped, total = clip_grad_norm(grads, 1.0)
    assert total == 5.0 and set(clipped) == {"W", "b"}
    assert np.allclose(clipped["W"], [[0.6, 0.0]], rtol=0, atol=1e-15)
    assert np.allclose(clipped["b"], [0.8], rtol=0, atol=1e-15)
    assert np.array_equal(grads["W"], [[3.0, 0.0]]) and np.array_equal(grads["b"], [4.0])   # inputs untouched


def test_clip_leaves_small_gradients_alone():
    # Clipping only shrinks: it cannot make vanishing gradients larger.
    grads = [np.array([1e-8, -2e-8]), np.array([[3e-8]])]
    clipped, total = clip_grad_norm(grads, 1.0)
    assert isinstance(clipped, list) and total == pytest.approx(np.sqrt(14) * 1e-8, rel=1e-14)
    assert all(np.array_equal(c, g) and c is not g for c, g in zip(clipped, grads))


def test_clip_keeps_container_and_dtype():
    grads = (np.full(4, 2.0, dtype=np.float32), np.full((2, 2), 2.0, dtype=np.float32))
    clipped, total = clip_grad_norm(grads, 2)
    assert isinstance(clipped, tuple) and all(c.dtype == np.float32 for c in clipped)
    assert total == pytest.approx(np.sqrt(8 * 4.0), rel=1e-7)
    assert np.sqrt(sum(np.sum(c.astype(np.float64) ** 2) for c in clipped)) == pytest.approx(2.0, rel=1e-6)


def test_clip_rejects_bad_arguments():
    g = [np.ones(3)]
    for bad in [0, -1.0, np.inf, np.nan, "1"]:
        with pytest.raises(ValueError, match=r"max_norm must be a positive finite number"):
            clip_grad_norm(g, bad)
    with pytest.raises(ValueError, match=r"grads must be a dict or a list of numpy arrays"):
        clip_grad_norm(np.ones(3), 1.0)
    with pytest.raises(ValueError, match=r"grads\['b'\] contains NaN or infinity"):
        clip_grad_norm({"W": np.ones(2), "b": np.array([np.nan])}, 1.0)
    with pytest.raises(ValueError, match=r"grads\[1\] must be a float numpy array"):
        clip_grad_norm([np.ones(2), [1.0, 2.0]], 1.0)


# --- the package ----------------------------------------------------------------------

def test_importing_rnnkit_scratch_does_not_import_torch():
    # convert imports torch only inside the converter functions.
    code = ("import sys, rnnkit.scratch as s, rnnkit.scratch.convert, rnnkit.analysis.gradcheck; "
            "assert callable(s.rnn_forward); "
            "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
