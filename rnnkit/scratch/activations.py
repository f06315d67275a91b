"""Gate nonlinearities shared by the LSTM and GRU layers.

The logistic sigmoid is computed through the identity

    σ(x) = 1 / (1 + e^{-x}) = ½ (1 + tanh(x / 2)),

which never overflows (``np.exp(-x)`` does for x < -88 in float32 and prints a
RuntimeWarning) and costs one ``tanh`` instead of an ``exp`` and a division. Its
absolute error is at most about one unit in the last place of 1; only values below
~1e-8 (float32) or ~1e-16 (float64) lose relative precision, which no gate cares about.

The derivatives are written in terms of the outputs, which is what a backward pass
has cached: σ'(x) = σ(x) (1 - σ(x)) and tanh'(x) = 1 - tanh(x)².
"""
from __future__ import annotations

import numpy as np


def sigmoid(x, out=None):
    """Logistic sigmoid σ(x) = ½ (1 + tanh(x / 2)), elementwise.

    Parameters
    ----------
    x : float ndarray, any shape
    out : ndarray of the same shape and dtype, optional
        Where to write the result; may be ``x`` itself (in place).

    Returns
    -------
    ndarray of the shape and dtype of ``x``, values in [0, 1]
    """
    out = np.multiply(x, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out
