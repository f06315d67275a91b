"""rnnkit.scratch.fast: the fused LSTM and GRU kernels compute what the literal loops compute.

Forward and backward, float64 (to rounding: rtol 1e-12) and float32, on shapes from
N = T = D = H = 1 up. Numpy only. That the fused kernels check their arguments with the
literal functions' messages, and take only their own caches, is tested in test_recurrent.py.
"""
import numpy as np
import pytest

from helpers import IDS, SHAPES, as_float32, cell_inputs, results, scaled_error
from rnnkit import scratch as S

# cell: (literal forward, literal backward, fast forward, fast backward)
KERNELS = {
    "lstm": (S.lstm_forward, S.lstm_backward, S.lstm_forward_fast, S.lstm_backward_fast),
    "gru": (S.gru_forward, S.gru_backward, S.gru_forward_fast, S.gru_backward_fast),
}
FAST_SHAPES = SHAPES + [(1, 1, 3, 4), (4, 1, 2, 3), (1, 9, 2, 3), (5, 7, 6, 8)]
FAST_IDS = IDS + ["N{}T{}D{}H{}".format(*s) for s in FAST_SHAPES[len(SHAPES):]]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("shape", FAST_SHAPES, ids=FAST_IDS)
@pytest.mark.parametrize("cell", list(KERNELS))
def test_fast_equals_literal_in_float64(cell, shape, seed):
    forward, backward, forward_fast, backward_fast = KERNELS[cell]
    a = cell_inputs(cell, *shape, seed=seed)
    literal = results(forward, backward, a, seed=seed + 10)
    fast = results(forward_fast, backward_fast, a, seed=seed + 10)
    assert list(fast) == list(literal)                  # out0, then the gradients of every argument
    for key in literal:
        assert fast[key].dtype == np.float64 and fast[key].flags.c_contiguous
        np.testing.assert_allclose(fast[key], literal[key], rtol=1e-12, atol=1e-15, err_msg=key)


@pytest.mark.parametrize("shape", FAST_SHAPES, ids=FAST_IDS)
@pytest.mark.parametrize("cell", list(KERNELS))
def test_fast_equals_literal_in_float32(cell, shape):
    forward, backward, forward_fast, backward_fast = KERNELS[cell]
    a = as_float32(cell_inputs(cell, *shape))
    literal = results(forward, backward, a)
    fast = results(forward_fast, backward_fast, a)
    for key in literal:
        assert fast[key].dtype == np.float32, key
        assert scaled_error(fast[key], literal[key]) < 1e-5, key
