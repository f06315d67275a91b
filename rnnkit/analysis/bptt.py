"""Backpropagation through time (BPTT), complete and truncated, for the vanilla RNN.

Chapter 03 of the book builds on the numpy layers of :mod:`rnnkit.scratch`; nothing
here re-implements an RNN step. Shapes: N batch, T time steps, D input size, H hidden
size. Code uses the row-vector layout of ``rnnkit.scratch`` (``Wh`` is ``W_hh``
transposed); the book's equations use column vectors.

The loss is ``L = sum_t L_t``. ``dh`` below is always the *direct* gradient
``dh[:, t] = dL_t/dh_t`` that leaves the RNN at step t through the output layer, the
same argument :func:`rnnkit.scratch.rnn_backward` takes. Because the same ``W_hh`` is
used at every step, its full gradient is a double sum of per-step contributions::

    dL/dW_hh = sum_{t=1..T} sum_{k=1..t}  C[t, k]

where ``C[t, k]`` is the part of ``dL_t/dW_hh`` that flows through the use of ``W_hh``
at step k (the loss at t reaches step k through the Jacobians of steps k+1..t).
Truncated BPTT keeps only some of these terms; :func:`truncation_mask` says which.

Two truncation schemes (K = truncation length, K >= 1):

``"chunked"``
    The sequence is cut into chunks of K steps (the last one may be shorter). The
    forward pass carries the hidden state across chunk boundaries unchanged, but the
    backward pass stops there (``h = h.detach()`` every K steps in PyTorch). The loss
    at step t reaches back only to the first step of its own chunk, so it sees between
    1 and K steps. This is BPTT(K, K) in Williams and Peng's notation and the variant
    almost every training loop uses.
``"sliding"``
    Every loss L_t is backpropagated exactly min(K, t) steps: terms with t - k < K are
    kept. This is BPTT(1, K) (Williams and Peng, 1990); it costs about K times more
    than one backward pass, so it is used for analysis more than for training.

With K >= T both schemes keep every term and give the full gradient; with K = 1 both
keep only the immediate terms C[t, t].
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_choice, check_int, float_array
from rnnkit.scratch import rnn_backward, rnn_forward

from .unroll import rnn_forward_steps, rnn_grads_by_loss_and_step

SCHEMES = ("chunked", "sliding")


def _check_dh(dh, x, H):
    """dh must be (N, T, H) in x's dtype, with N and T taken from x (N, T, D)."""
    N, T = x.shape[:2]
    return float_array("dh", dh, ("N", "T", "H"), {"N": N, "T": T, "H": H}, dtype=x.dtype)


def truncation_mask(T, K, scheme="chunked"):
    """Which per-step terms ``C[t, k]`` truncated BPTT keeps.

    Parameters
    ----------
    T : int, number of time steps (T >= 1)
    K : int, truncation length (K >= 1)
    scheme : "chunked" (detach every K steps) or "sliding" (each loss goes back K steps)

    Returns
    -------
    keep : (T, T) bool array; ``keep[t, k]`` (0-based steps) is True when the loss at
        step t sends gradient through the use of ``W_hh`` at step k. Always False for
        k > t (a loss cannot depend on later steps).
    """
    T = check_int("T", T, 1)
    K = check_int("K", K, 1)
    check_choice("scheme", scheme, SCHEMES)
    t = np.arange(T)[:, None]
    k = np.arange(T)[None, :]
    causal = k <= t
    if scheme == "chunked":
        return causal & (k // K == t // K)
    return causal & (t - k < K)


def per_step_contributions(x, h0, Wx, Wh, b, dh):
    """Split BPTT's gradient of ``Wh`` into one term per (loss step, weight-use step).

    ``C[t, k]`` is what the loss at step t sends to the copy of ``Wh`` used at step k.
    In the book's column-vector notation
    ``C[t, k]^T = dL_t/dh_t (prod_{j=k+1..t} dh_j/dh_{j-1}) d+h_k/dW_hh`` with
    ``dh_j/dh_{j-1} = diag(1 - h_j**2) W_hh``. The work is done by chapter 02's
    :func:`rnnkit.analysis.unroll.rnn_grads_by_loss_and_step` (one backward pass per loss term,
    step by step with :func:`rnnkit.scratch.rnn_step_backward`); this function only
    takes the same arguments as :func:`truncated_bptt`.

    Cost: T backward passes of T steps, so use it on short sequences (T of a few dozen).

    Parameters
    ----------
    x : (N, T, D) inputs
    h0 : (N, H) initial hidden state
    Wx : (D, H), Wh : (H, H), b : (H,) RNN weights (row layout, as in rnnkit.scratch)
    dh : (N, T, H) direct loss gradients, ``dh[:, t] = dL_t/dh_t``

    Returns
    -------
    C : (T, T, H, H) array of x's dtype; ``C[t, k]`` is zero for k > t and
        ``C.sum(axis=(0, 1))`` equals ``rnn_backward``'s ``dWh`` (up to rounding).
    """
    x = float_array("x", x, ("N", "T", "D"), {})
    h, caches = rnn_forward_steps(x, h0, Wx, Wh, b)
    dh = _check_dh(dh, x, h.shape[2])
    return rnn_grads_by_loss_and_step(dh, caches)[1]


def truncated_bptt(x, h0, Wx, Wh, b, dh, K, scheme="chunked"):
    """Gradients of the RNN weights under truncated BPTT.

    ``"chunked"``: run :func:`~rnnkit.scratch.rnn_forward` on chunks of K steps, each starting from the
    last state of the previous chunk (values carried, gradient cut), and
    :func:`~rnnkit.scratch.rnn_backward` on each chunk with its slice of ``dh``. ``"sliding"``: for
    every loss step t, re-run the last min(K, t) steps from the stored state and
    backpropagate ``dh[:, t]`` through them alone. The forward values are the same as in
    the untruncated run in both cases; only the gradient is cut.

    Parameters
    ----------
    x, h0, Wx, Wh, b, dh : as in :func:`per_step_contributions`
    K : int >= 1, truncation length
    scheme : "chunked" or "sliding" (see the module docstring)

    Returns
    -------
    grads : dict with "Wx" (D, H), "Wh" (H, H), "b" (H,) in x's dtype. With
        ``scheme="chunked"`` and K >= T this is exactly (bit for bit) what
        :func:`rnnkit.scratch.rnn_backward` returns.
    """
    K = check_int("K", K, 1)
    check_choice("scheme", scheme, SCHEMES)
    h, cache = rnn_forward(x, h0, Wx, Wh, b)       # validates x, h0 and the weights
    N, T, H = h.shape
    dh = _check_dh(dh, x, H)
    gWx, gWh, gb = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)

    def add(grads):
        gWx[...] += grads[2]
        gWh[...] += grads[3]
        gb[...] += grads[4]

    if scheme == "chunked":
        h_start = h0
        for s in range(0, T, K):
            e = min(s + K, T)
            h_chunk, chunk_cache = rnn_forward(x[:, s:e], h_start, Wx, Wh, b)
            add(rnn_backward(dh[:, s:e], chunk_cache))
            h_start = h_chunk[:, -1]         # carried forward; no gradient flows back into it
    else:
        for t in range(T):
            s = max(0, t - K + 1)
            h_start = h0 if s == 0 else h[:, s - 1]
            _, win_cache = rnn_forward(x[:, s:t + 1], h_start, Wx, Wh, b)
            d = np.zeros((N, t + 1 - s, H), dtype=x.dtype)
            d[:, -1] = dh[:, t]
            add(rnn_backward(d, win_cache))
    return {"Wx": gWx, "Wh": gWh, "b": gb}


def gradient_agreement(g, g_ref):
    """How close a (truncated) gradient ``g`` is to a reference ``g_ref``.

    Parameters
    ----------
    g, g_ref : arrays of the same shape (any); ``g_ref`` must not be all zeros

    Returns
    -------
    cosine : float, cos of the angle between the flattened arrays (1 = same direction)
    rel_dist : float, ``||g - g_ref|| / ||g_ref||`` (0 = identical)
    """
    g = np.asarray(g, dtype=np.float64).ravel()
    g_ref = np.asarray(g_ref, dtype=np.float64).ravel()
    if g.shape != g_ref.shape:
        raise ValueError(f"g and g_ref must have the same shape, got {g.size} and {g_ref.size} entries")
    ref_norm = np.linalg.norm(g_ref)
    if ref_norm == 0:
        raise ValueError("g_ref must not be all zeros")
    g_norm = np.linalg.norm(g)
    cosine = 0.0 if g_norm == 0 else float(g @ g_ref / (g_norm * ref_norm))
    return cosine, float(np.linalg.norm(g - g_ref) / ref_norm)


def cache_nbytes(cache):
    """Bytes of the numpy arrays held by a cache (nested tuples, lists, dicts).

    Each array object is counted once, however often it appears. This is the memory
    that BPTT keeps alive between the forward and the backward pass.
    """
    seen = set()
    total = 0
    stack = [cache]
    while stack:
        obj = stack.pop()
        if isinstance(obj, np.ndarray):
            if id(obj) not in seen:
                seen.add(id(obj))
                total += obj.nbytes
        elif isinstance(obj, (tuple, list)):
            stack.extend(obj)
        elif isinstance(obj, dict):
            stack.extend(obj.values())
    return total


def autograd_saved_nbytes(fn, *args):
    """Bytes of the tensors PyTorch autograd saves for the backward pass of ``fn(*args)``.

    Uses :func:`torch.autograd.graph.saved_tensors_hooks` to see every tensor the
    forward pass stores; a storage saved several times is counted once.

    Returns
    -------
    nbytes : int
    """
    import torch
    from torch.autograd.graph import saved_tensors_hooks

    storages = {}

    def pack(t):
        s = t.untyped_storage()
        storages[s.data_ptr()] = s.nbytes()
        return t

    with saved_tensors_hooks(pack, lambda t: t):
        fn(*args)
    return sum(storages.values())


def contribution_norms(C):
    """Frobenius norms of the per-step contributions: (T, T, H, H) -> (T, T)."""
    C = np.asarray(C)
    if C.ndim != 4 or C.shape[0] != C.shape[1]:
        raise ValueError(f"C must have shape (T, T, H, H) as returned by per_step_contributions, "
                         f"got {C.shape}")
    return np.linalg.norm(C.reshape(C.shape[0], C.shape[1], -1), axis=2)
