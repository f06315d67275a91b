"""The selective scan of Mamba (Gu and Dao 2023) in PyTorch, by the log-depth scan of :mod:`rnnkit.models.minrnn`.

The same computation as :func:`rnnkit.scratch.selective_scan` (the derivation is
there), differentiable by autograd::

    a = exp(Δ A),  b = Δ B x,  h_t = a_t ⊙ h_{t-1} + b_t,  y_t = Σ_s C_t,s h_t,s
"""
from __future__ import annotations

import torch

from .minrnn import scan


def selective_scan(x, delta, A, B, C):
    """y (N, T, E) from x, delta (N, T, E), A (E, S), B, C (N, T, S) tensors of one dtype; h_0 = 0."""
    N, T, E = x.shape
    if delta.shape != x.shape or A.dim() != 2 or A.shape[0] != E \
            or B.shape != (N, T, A.shape[1]) or C.shape != B.shape:
        raise ValueError(f"expected x, delta (N, T, E), A (E, S), B, C (N, T, S); got x {tuple(x.shape)}, "
                         f"delta {tuple(delta.shape)}, A {tuple(A.shape)}, B {tuple(B.shape)}, C {tuple(C.shape)}")
    S = A.shape[1]
    a = torch.exp(delta[..., None] * A)
    b = delta[..., None] * B[:, :, None, :] * x[..., None]
    h = scan(a.reshape(N, T, E * S), b.reshape(N, T, E * S)).reshape(N, T, E, S)
    return torch.einsum("ntes,nts->nte", h, C)
