"""Gradient norm clipping (Pascanu, Mikolov & Bengio, 2013)."""
from __future__ import annotations

import numpy as np


def clip_grad_norm(grads, max_norm):
    """Rescale gradients so that their joint L2 norm is at most ``max_norm``.

    If ``g`` is the concatenation of all gradients and ``‖g‖ > max_norm``, every gradient
    is multiplied by ``max_norm / ‖g‖``: the direction is kept, only the length shrinks.
    Small gradients are returned unchanged, which is why clipping cannot cure
    *vanishing* gradients.

    Parameters
    ----------
    grads : dict of name -> ndarray, or a list/tuple of ndarrays (any shapes)
    max_norm : float > 0

    Returns
    -------
    clipped : same container type as ``grads`` (new arrays; the inputs are not modified)
    total_norm : float, the joint norm *before* clipping
    """
    if not (isinstance(max_norm, (int, float, np.floating, np.integer)) and not isinstance(max_norm, bool)
            and np.isfinite(max_norm)
            and max_norm > 0):
        raise ValueError(f"max_norm must be a positive finite number, got {max_norm!r}")
    if isinstance(grads, dict):
        items = list(grads.items())
    elif isinstance(grads, (list, tuple)):
        items = list(enumerate(grads))
    else:
        raise ValueError(f"grads must be a dict or a list of numpy arrays, got {type(grads).__name__}")
    for k, g in items:
        if not isinstance(g, np.ndarray) or not np.issubdtype(g.dtype, np.floating):
            raise ValueError(f"grads[{k!r}] must be a float numpy array, got {type(g).__name__}")
        if not np.isfinite(g).all():
            raise ValueError(f"grads[{k!r}] contains NaN or infinity; clipping cannot repair it")
    total = float(np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for _, g in items)))
    scale = max_norm / total if total > max_norm else 1.0
    clipped = [(k, g * g.dtype.type(scale)) for k, g in items]
    if isinstance(grads, dict):
        return dict(clipped), total
    return type(grads)(g for _, g in clipped), total
