"""What every recurrent layer of rnnkit.scratch must do, literal and fused alike (numpy only).

Gradients pass the chapters' check (:func:`rnnkit.analysis.gradcheck.check_layer`);
float32 inputs give float32 results close to the float64 ones; zero time steps work;
the backward pass leaves its arguments alone, can run twice and takes any memory layout
of the upstream gradient; huge pre-activations do not overflow; bad arguments, bad upstream gradients and the
caches of other layers are refused with a message naming them. What is particular to
one cell (values by hand, gate semantics) is in test_rnn.py, test_lstm.py and test_gru.py.
"""
import re

import numpy as np
import pytest

from helpers import (IDS, SHAPES, RandomArrays, as_float32, assert_below, bad_argument_cases, case_ids, cell_inputs,
                     compare_float32, replace_arg, with_inf, with_nan)
from rnnkit import scratch as S
from rnnkit.analysis.gradcheck import check_layer

# layer: (forward, backward, cell, step function?)
LAYERS = {
    "rnn_step": (S.rnn_step_forward, S.rnn_step_backward, "rnn", True),
    "rnn": (S.rnn_forward, S.rnn_backward, "rnn", False),
    "lstm_step": (S.lstm_step_forward, S.lstm_step_backward, "lstm", True),
    "lstm": (S.lstm_forward, S.lstm_backward, "lstm", False),
    "lstm_fast": (S.lstm_forward_fast, S.lstm_backward_fast, "lstm", False),
    "gru_step": (S.gru_step_forward, S.gru_step_backward, "gru", True),
    "gru": (S.gru_forward, S.gru_backward, "gru", False),
    "gru_fast": (S.gru_forward_fast, S.gru_backward_fast, "gru", False),
}
SEQUENCES = [name for name, (*_, step) in LAYERS.items() if not step]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
@pytest.mark.parametrize("layer", ["rnn_step", "rnn", "lstm_step", "lstm", "gru_step", "gru"])
def test_numeric_gradients(layer, shape, seed):
    # The fused kernels are not in check_layer: test_fast.py shows they equal these.
    N, T, D, H = shape
    _, _, cell, step = LAYERS[layer]
    r = check_layer(layer, seed=seed, N=N, T=T, D=D, H=H)
    expected = list(cell_inputs(cell, N, T, D, H, step=step))
    assert list(r["errors"]) == expected, "one error per argument, in the order of the arguments"
    assert_below(r["errors"], 1e-8)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
@pytest.mark.parametrize("layer", list(LAYERS))
def test_float32(layer, shape):
    forward, backward, cell, step = LAYERS[layer]
    assert_below(compare_float32(forward, backward, cell_inputs(cell, *shape, step=step)), 1e-5)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
@pytest.mark.parametrize("layer", SEQUENCES)
def test_hidden_states_are_batch_first_and_contiguous(layer, shape):
    N, T, D, H = shape
    forward, _, cell, _ = LAYERS[layer]
    h, _ = forward(**cell_inputs(cell, *shape))
    assert h.shape == (N, T, H) and h.dtype == np.float64 and h.flags.c_contiguous


@pytest.mark.parametrize("layer", SEQUENCES)
def test_zero_time_steps(layer):
    forward, backward, cell, _ = LAYERS[layer]
    h, cache = forward(**cell_inputs(cell, 2, 0, 3, 4))
    assert h.shape == (2, 0, 4)
    dx, dh0, *dparams = backward(np.zeros((2, 0, 4)), cache)
    assert dx.shape == (2, 0, 3) and dh0.shape == (2, 4)
    assert not dh0.any() and not any(g.any() for g in dparams)


@pytest.mark.parametrize("layer", SEQUENCES)
def test_backward_leaves_its_arguments_unchanged_and_can_run_twice(layer):
    forward, backward, cell, _ = LAYERS[layer]
    a = cell_inputs(cell, 2, 3, 4, 5)
    saved = {k: v.copy() for k, v in a.items()}
    dh = RandomArrays(1).randn(2, 3, 5)
    dh_saved = dh.copy()
    _, cache = forward(**a)
    first = backward(dh, cache)
    second = backward(dh, cache)
    assert all(np.array_equal(g1, g2) for g1, g2 in zip(first, second))
    assert np.array_equal(dh, dh_saved)
    assert all(np.array_equal(a[k], saved[k]) for k in a)


@pytest.mark.parametrize("layer", SEQUENCES)
def test_backward_accepts_a_non_contiguous_upstream_gradient(layer):
    forward, backward, cell, _ = LAYERS[layer]
    _, cache = forward(**cell_inputs(cell, 2, 3, 4, 5))
    dh = RandomArrays(1).randn(3, 2, 5).transpose(1, 0, 2)
    g1 = backward(dh, cache)
    g2 = backward(np.ascontiguousarray(dh), cache)
    assert all(np.array_equal(u, v) for u, v in zip(g1, g2))


@pytest.mark.parametrize("layer", SEQUENCES)
def test_no_overflow_warning_for_huge_preactivations(layer):
    # The sigmoid never calls exp(-a), so |a| ~ 1e4 in float32 is fine (and warning-free:
    # pytest turns RuntimeWarnings raised in rnnkit into errors).
    forward, backward, cell, _ = LAYERS[layer]
    a = as_float32(cell_inputs(cell, 2, 3, 4, 5))
    a["Wx"] *= 1e4
    h, cache = forward(**a)
    assert np.isfinite(h).all()
    assert all(np.isfinite(g).all() for g in backward(np.ones_like(h), cache))


# --- argument checks ------------------------------------------------------------------

# Valid arguments have N, T, D, H = 2, 3, 4, 5: x (2, 4) for a step, (2, 3, 4) for a
# sequence, states (2, 5), Wx (4, GH), Wh (5, GH), biases (GH,) with G = 1, 4, 3 for
# the RNN, LSTM and GRU. Each wrong shape must be named in the message.
WRONG_SHAPES = [
    ("rnn_step", "x", np.zeros((2, 1, 4)), r"^x must be a 2-D array of shape \(N, D\)"),
    ("rnn_step", "h_prev", np.zeros((3, 5)), r"^h_prev must have shape \(N, H\) = \(2, 5\), got \(3, 5\)"),
    ("rnn_step", "h_prev", np.zeros(5), r"^h_prev must be a 2-D array of shape \(N, H\)"),
    ("rnn_step", "Wx", np.zeros((3, 5)), r"^Wx must have shape \(D, H\) = \(4, 5\), got \(3, 5\)"),
    ("rnn_step", "Wh", np.zeros((5, 4)), r"^Wh must have shape \(H, H\) = \(5, 5\), got \(5, 4\)"),
    ("rnn_step", "b", np.zeros(6), r"^b must have shape \(H\) = \(5,\), got \(6,\)"),
    ("rnn_step", "b", np.zeros((1, 5)), r"^b must be a 1-D array"),
    ("rnn", "x", np.zeros((2, 4)), r"^x must be a 3-D array of shape \(N, T, D\)"),
    ("rnn", "h0", np.zeros((2, 3, 5)), r"^h0 must be a 2-D array of shape \(N, H\)"),
    ("rnn", "h0", np.zeros((1, 5)), r"^h0 must have shape \(N, H\) = \(2, 5\), got \(1, 5\)"),
    ("rnn", "Wx", np.zeros((5, 5)), r"^Wx must have shape \(D, H\) = \(4, 5\)"),
    ("rnn", "Wh", np.zeros((4, 4)), r"^Wh must have shape \(H, H\) = \(5, 5\)"),
    ("rnn", "b", np.zeros(4), r"^b must have shape \(H\) = \(5,\)"),
    ("lstm_step", "x", np.zeros((2, 1, 4)), r"^x must be a 2-D array of shape \(N, D\)"),
    ("lstm_step", "h_prev", np.zeros((3, 5)), r"^h_prev must have shape \(N, H\) = \(2, 5\), got \(3, 5\)"),
    ("lstm_step", "c_prev", np.zeros((3, 5)), r"^c_prev must have shape \(N, H\) = \(2, 5\), got \(3, 5\)"),
    ("lstm_step", "Wx", np.zeros((4, 18)), r"^Wx must have shape \(D, 4H\) = \(4, 20\), got \(4, 18\)"),
    ("lstm_step", "Wx", np.zeros((20, 4)), r"^Wx must have shape \(D, 4H\) = \(4, 20\), got \(20, 4\)"),  # transposed
    ("lstm_step", "Wx", np.zeros((5, 20)), r"^Wx must have shape \(D, 4H\) = \(4, 20\), got \(5, 20\)"),  # D + 1 rows
    ("lstm_step", "Wh", np.zeros((5, 24)), r"^Wh must have shape \(H, 4H\) = \(5, 20\), got \(5, 24\)"),
    ("lstm_step", "Wh", np.zeros((6, 20)), r"^Wh must have shape \(H, 4H\) = \(5, 20\), got \(6, 20\)"),
    ("lstm_step", "b", np.zeros(5), r"^b must have shape \(4H\) = \(20,\), got \(5,\)"),
    ("lstm", "x", np.zeros((2, 4)), r"^x must be a 3-D array of shape \(N, T, D\)"),
    ("lstm", "h0", np.zeros((1, 5)), r"^h0 must have shape \(N, H\) = \(2, 5\), got \(1, 5\)"),
    ("lstm", "Wx", np.zeros((4, 5)), r"^Wx must have shape \(D, 4H\) = \(4, 20\), got \(4, 5\)"),
    ("lstm", "Wx", np.zeros((20, 4)), r"^Wx must have shape \(D, 4H\) = \(4, 20\), got \(20, 4\)"),   # transposed
    ("lstm", "Wh", np.zeros((5, 5)), r"^Wh must have shape \(H, 4H\) = \(5, 20\), got \(5, 5\)"),
    ("lstm", "b", np.zeros(21), r"^b must have shape \(4H\) = \(20,\), got \(21,\)"),
    ("gru_step", "x", np.zeros((2, 1, 4)), r"^x must be a 2-D array of shape \(N, D\)"),
    ("gru_step", "h_prev", np.zeros((3, 5)), r"^h_prev must have shape \(N, H\) = \(2, 5\), got \(3, 5\)"),
    ("gru_step", "Wx", np.zeros((4, 16)), r"^Wx must have shape \(D, 3H\) = \(4, 15\), got \(4, 16\)"),
    ("gru_step", "Wx", np.zeros((15, 4)), r"^Wx must have shape \(D, 3H\) = \(4, 15\), got \(15, 4\)"),  # transposed
    ("gru_step", "Wh", np.zeros((5, 12)), r"^Wh must have shape \(H, 3H\) = \(5, 15\), got \(5, 12\)"),
    ("gru_step", "bx", np.zeros(20), r"^bx must have shape \(3H\) = \(15,\), got \(20,\)"),
    ("gru_step", "bh", np.zeros(5), r"^bh must have shape \(3H\) = \(15,\), got \(5,\)"),
    ("gru", "x", np.zeros((2, 4)), r"^x must be a 3-D array of shape \(N, T, D\)"),
    ("gru", "h0", np.zeros((3, 5)), r"^h0 must have shape \(N, H\) = \(2, 5\), got \(3, 5\)"),
    ("gru", "Wx", np.zeros((5, 15)), r"^Wx must have shape \(D, 3H\) = \(4, 15\), got \(5, 15\)"),   # D + 1 rows
    ("gru", "Wh", np.zeros((6, 18)), r"^Wh must have shape \(H, 3H\) = \(5, 15\), got \(6, 18\)"),
    ("gru", "bh", np.zeros((1, 15)), r"^bh must be a 1-D array of shape \(3H\)"),
]


def _argument_cases():
    """Every layer: the checks of bad_argument_cases for each argument, and its wrong
    shapes (a fused kernel must give the messages of the literal function)."""
    cases = []
    for layer, (_, _, cell, step) in LAYERS.items():
        names = list(cell_inputs(cell, 2, 3, 4, 5, step=step))
        first = names[0]                                 # x, validated first, sets the dtype
        cases += [(layer, *case) for case in bad_argument_cases(names, first)]
        literal = layer.removesuffix("_fast")
        cases += [(layer, *case) for other, *case in WRONG_SHAPES if other == literal]
    return cases


ARGUMENT_CASES = _argument_cases()


@pytest.mark.parametrize("layer, name, bad, match", ARGUMENT_CASES,
                         ids=[f"{c[0]}-{i}" for c, i in zip(ARGUMENT_CASES, case_ids([c[1:] for c in ARGUMENT_CASES]))])
def test_forward_rejects_bad_arguments(layer, name, bad, match):
    forward, _, cell, step = LAYERS[layer]
    with pytest.raises(ValueError, match=match):
        forward(**replace_arg(cell_inputs(cell, 2, 3, 4, 5, step=step), name, bad))


@pytest.mark.parametrize("layer", list(LAYERS))
def test_backward_checks_its_upstream_gradients(layer):
    forward, backward, cell, step = LAYERS[layer]
    *outs, cache = forward(**cell_inputs(cell, 2, 3, 4, 5, step=step))
    good = [np.ones_like(o) for o in outs]                 # dh (and dc for an LSTM step)
    spec = r"\(N, H\)" if step else r"\(N, T, H\)"
    for k, name in enumerate(["dh", "dc"][:len(outs)]):
        wrong = np.ones(outs[k].shape[:-1] + (4,))
        for bad, match in [(wrong, rf"^{name} must have shape {spec} = {re.escape(str(outs[k].shape))}, "
                                   rf"got {re.escape(str(wrong.shape))}"),
                           (good[k][None], rf"^{name} must be a {outs[k].ndim}-D array of shape {spec}"),
                           (with_nan(good[k]), rf"^{name} contains NaN or infinity"),
                           (with_inf(good[k]), rf"^{name} contains NaN or infinity"),
                           (good[k].astype(np.float32), rf"^{name} has dtype float32"),
                           (good[k].tolist(), rf"^{name} must be a numpy array")]:
            with pytest.raises(ValueError, match=match):
                backward(*good[:k], bad, *good[k + 1:], cache)


@pytest.mark.parametrize("layer", list(LAYERS))
def test_backward_takes_only_the_cache_of_its_own_forward(layer):
    # The cache tags are the layer names; a fused backward refuses a literal cache and
    # the other way round. Passing forward's whole result (h, cache) is a likely slip.
    results = {name: fwd(**cell_inputs(c, 2, 3, 4, 5, step=s)) for name, (fwd, _, c, s) in LAYERS.items()}
    _, backward, _, _ = LAYERS[layer]
    *outs, cache = results[layer]
    upstream = [np.ones_like(o) for o in outs]
    wrong = [r[-1] for name, r in results.items() if name != layer]
    for bad in wrong + [results[layer], None, (), layer, (layer + "x",) + cache[1:]]:
        with pytest.raises(ValueError, match=rf"^cache must be the cache returned by the matching {layer} forward"):
            backward(*upstream, bad)
