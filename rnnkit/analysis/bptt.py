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

import numbers

import numpy as np

from rnnkit.scratch import rnn_backward, rnn_forward
from .unroll import rnn_forward_steps, rnn_grads_by_loss_and_step
from rnnkit.checks import float_array

SCHEMES = ("chunked", "sliding")


def _check_K(K):
    if isinstance(K, bool) or not isinstance(K, numbers.Integral) or K < 1:
        raise ValueError(f"K must be a positive integer (truncation length in steps), got {K!r}")
    return int(K)


def _check_scheme(scheme):
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    return scheme


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
    if isinstance(T, bool) or not isinstance(T, numbers.Integral) or T < 1:
        raise ValueError(f"T must be a positive integer (number of time steps), got {T!r}")
    K = _check_K(K)
    _check_scheme(scheme)
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
    x : (N, T, D) inputs
    h0 : (N, H) initial hidden state
    Wx : (D, H), Wh : (H, H), b : (H,) RNN weights (row layout, as in rnnkit.scratch)
    dh : (N, T, H) direct loss gradients, ``dh[:, t] = dL_t/dh_t``
    K : int >= 1, truncation length
    scheme : "chunked" or "sliding" (see the module docstring)

    Returns
    -------
    grads : dict with "Wx" (D, H), "Wh" (H, H), "b" (H,) in x's dtype. With
        ``scheme="chunked"`` and K >= T this is exactly (bit for bit) what
        :func:`rnnkit.scratch.rnn_backward` returns.
    """
    K = _check_K(K)
    _check_scheme(scheme)
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


def delay_task(n, T, lag, seed=0):
    """A copy-with-delay task: the target at step t is the input bit of step t - lag.

    Parameters
    ----------
    n : int, number of sequences
    T : int, sequence length (T > lag)
    lag : int >= 1, how many steps back the answer lies
    seed : int, seed of ``np.random.default_rng``

    Returns
    -------
    x : (n, T, 1) float32, bits encoded as -1.0 / +1.0
    y : (n, T) int64, ``y[:, t] = bit[:, t - lag]`` (0 for t < lag)
    mask : (n, T) bool, False for the first ``lag`` steps, which have no answer
    """
    for name, v, low in (("n", n, 1), ("T", T, 1), ("lag", lag, 1)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {v!r}")
    if T <= lag:
        raise ValueError(f"T must be larger than lag, got T={T}, lag={lag}")
    bits = np.random.default_rng(seed).integers(0, 2, size=(n, T))
    y = np.zeros((n, T), dtype=np.int64)
    y[:, lag:] = bits[:, :-lag]
    mask = np.zeros((n, T), dtype=bool)
    mask[:, lag:] = True
    x = (2.0 * bits - 1.0).astype(np.float32)[:, :, None]
    return x, y, mask


def train_delay_rnn(K, *, lag=4, T=24, hidden=24, steps=200, batch=64, lr=0.01, seed=0):
    """Train a tanh RNN (PyTorch) on :func:`delay_task` with chunked truncated BPTT.

    Every update draws a fresh batch and runs the RNN in chunks of K steps: the hidden
    state is detached at each chunk boundary, and each chunk's loss (masked cross-entropy
    summed over its steps, averaged over the batch) is backpropagated at once, so only
    one chunk's graph is alive at a time. The gradients of all chunks add up in ``.grad``
    and one Adam step follows. ``K=None`` means full BPTT (a single chunk).

    Parameters
    ----------
    K : int >= 1 or None, truncation length
    lag, T, hidden, steps, batch, lr, seed : task and training settings

    Returns
    -------
    dict with "loss" (mean cross-entropy per answered step on 2048 held-out sequences),
    "accuracy" (fraction of held-out answered steps predicted right) and "curve"
    (training loss per answered step, one value per step).
    """
    import torch
    import torch.nn.functional as F

    if K is not None:
        K = _check_K(K)
    for name, v in (("hidden", hidden), ("steps", steps), ("batch", batch)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if not (isinstance(lr, numbers.Real) and np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive learning rate, got {lr!r}")
    delay_task(1, T, lag)                        # validates T and lag before any training
    torch.manual_seed(seed)
    rnn = torch.nn.RNN(1, hidden, batch_first=True)
    head = torch.nn.Linear(hidden, 2)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=lr)
    chunk = T if K is None else K

    curve = []
    for i in range(steps):
        x, y, m = (torch.from_numpy(a) for a in delay_task(batch, T, lag, seed=seed * 100_003 + i + 1))
        m = m.float()
        opt.zero_grad()
        h = torch.zeros(1, batch, hidden)
        total = 0.0
        for s in range(0, T, chunk):
            h = h.detach()                       # truncation: no gradient into earlier chunks
            out, h = rnn(x[:, s:s + chunk], h)
            ce = F.cross_entropy(head(out).reshape(-1, 2), y[:, s:s + chunk].reshape(-1),
                                 reduction="none")
            loss = (ce * m[:, s:s + chunk].reshape(-1)).sum() / batch
            loss.backward()                      # frees this chunk's graph: memory O(K), not O(T)
            total += loss.item()
        opt.step()                               # one update per sequence; grads summed over chunks
        curve.append(total * batch / m.sum().item())

    x, y, m = (torch.from_numpy(a) for a in delay_task(2048, T, lag, seed=10**6 + seed))
    with torch.no_grad():
        out, _ = rnn(x)
        logits = head(out)
        ce = F.cross_entropy(logits.reshape(-1, 2), y.reshape(-1), reduction="none")
        mf = m.reshape(-1).float()
        test_loss = float((ce * mf).sum() / mf.sum())
        correct = (logits.argmax(-1) == y).float().reshape(-1)
        acc = float((correct * mf).sum() / mf.sum())
    return {"loss": test_loss, "accuracy": acc, "curve": np.array(curve)}


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


def truncation_figure(norms, Ks, titles, step_titles, labels, floor=None):
    """Kernel-free plotly figure: which terms C[t, k] each scheme keeps, slider over K.

    One heatmap per scheme (chunked left, sliding right) of ``log10 ||C[t, k]||`` over
    loss step t (rows) and weight-use step k (columns). Kept terms are coloured, dropped
    ones grey; terms with k > t do not exist and stay blank.

    Parameters
    ----------
    norms : (T, T) array from :func:`contribution_norms`
    Ks : list of int, slider positions (truncation lengths)
    titles : (str, str), subplot titles for the chunked and the sliding panel
    step_titles : list of str, one figure title per K (e.g. with the cosine similarities)
    labels : dict with "t", "k", "K" (axis titles, slider prefix) and "colorbar"
    floor : float or None, lowest log10 value shown (default: the 2nd percentile of the
        positive norms; zero terms, e.g. C[t, 1] when h0 = 0, are drawn at the floor)

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    norms = np.asarray(norms, dtype=np.float64)
    if norms.ndim != 2 or norms.shape[0] != norms.shape[1]:
        raise ValueError(f"norms must have shape (T, T), got {norms.shape}")
    if len(step_titles) != len(Ks):
        raise ValueError(f"step_titles must have one entry per K ({len(Ks)}), got {len(step_titles)}")
    T = norms.shape[0]
    causal = np.tril(np.ones((T, T), bool))
    logn = np.log10(np.maximum(norms, 1e-300))
    positive = causal & (norms > 0)
    if not positive.any():
        raise ValueError("norms must hold at least one positive entry with k <= t")
    lo = np.percentile(logn[positive], 2) if floor is None else floor
    hi = logn[positive].max()
    steps_axis = list(range(1, T + 1))

    def grid(values):
        # nested lists with None for blanks, rounded so the HTML stays small and stable
        return [[None if v is None or not np.isfinite(v) else round(float(v), 2) for v in row]
                for row in values]

    def kept_z(K, scheme):
        keep = truncation_mask(T, K, scheme)
        return grid(np.where(keep, np.maximum(logn, lo), np.nan))

    grey = grid(np.where(causal, 0.0, np.nan))
    fig = make_subplots(rows=1, cols=2, subplot_titles=list(titles), horizontal_spacing=0.12)
    for col, scheme in ((1, "chunked"), (2, "sliding")):
        fig.add_trace(go.Heatmap(z=grey, x=steps_axis, y=steps_axis, zmin=0, zmax=1,
                                 colorscale=[[0, "#dddddd"], [1, "#dddddd"]], showscale=False,
                                 hoverinfo="skip"), row=1, col=col)
        fig.add_trace(go.Heatmap(z=kept_z(Ks[0], scheme), x=steps_axis, y=steps_axis, zmin=lo, zmax=hi,
                                 colorscale="Viridis", showscale=(col == 2),
                                 colorbar={"title": {"text": labels["colorbar"]}},
                                 hovertemplate="t=%{y}, k=%{x}: %{z}<extra></extra>"), row=1, col=col)
        fig.update_xaxes(title_text=labels["k"], row=1, col=col, constrain="domain")
        fig.update_yaxes(title_text=labels["t"], autorange="reversed", row=1, col=col,
                         scaleanchor="x" if col == 1 else "x2")
    steps = []
    for K, title in zip(Ks, step_titles):
        update = {"z": [kept_z(K, "chunked"), kept_z(K, "sliding")]}
        steps.append({"method": "update", "label": str(K), "args": [update, {"title.text": title}, [1, 3]]})
    fig.update_layout(height=410, template="plotly_white", title={"text": step_titles[0]},
                      margin={"l": 50, "r": 20, "t": 80, "b": 40},
                      sliders=[{"active": 0, "steps": steps, "pad": {"t": 40},
                                "currentvalue": {"prefix": labels["K"]}}])
    return fig


def truncation_explorer(norms, labels):
    """ipywidgets: pick K, the loss step t and the scheme; see which terms are dropped.

    Draws the norms ``||C[t, k]||`` of the chosen loss step t for k = 1..t as bars on a
    log scale, kept terms in colour, dropped terms in grey, with the share of the
    loss's gradient norm mass that survives.

    Parameters
    ----------
    norms : (T, T) array from :func:`contribution_norms`
    labels : dict with "K", "t", "scheme", "k", "norm", "kept", "dropped",
        "schemes" (dict scheme -> display name) and "title" (a format string with
        fields {t}, {K}, {scheme}, {n_kept}, {n}).

    Returns
    -------
    ipywidgets.VBox (controls, output)
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    norms = np.asarray(norms, dtype=np.float64)
    if norms.ndim != 2 or norms.shape[0] != norms.shape[1]:
        raise ValueError(f"norms must have shape (T, T), got {norms.shape}")
    T = norms.shape[0]
    style = {"description_width": "initial"}
    K_slider = widgets.IntSlider(value=4, min=1, max=T, description=labels["K"], style=style,
                                 layout=widgets.Layout(width="230px"))
    t_slider = widgets.IntSlider(value=T, min=1, max=T, description=labels["t"], style=style,
                                 layout=widgets.Layout(width="280px"))
    scheme = widgets.Dropdown(options=[(labels["schemes"][s], s) for s in SCHEMES],
                              value="chunked", description=labels["scheme"], style=style,
                              layout=widgets.Layout(width="200px"))
    out = widgets.Output()

    def redraw(change=None):
        t, K = t_slider.value, K_slider.value
        keep = truncation_mask(T, K, scheme.value)[t - 1, :t]
        v = norms[t - 1, :t]
        fig, ax = plt.subplots(figsize=(7, 3.2))
        k = np.arange(1, t + 1)
        ax.bar(k[keep], v[keep], color="#4c72b0", label=labels["kept"])
        ax.bar(k[~keep], v[~keep], color="#bbbbbb", label=labels["dropped"])
        ax.set_yscale("log")
        ax.set_xlim(0.4, T + 0.6)
        ax.set_xlabel(labels["k"])
        ax.set_ylabel(labels["norm"])
        ax.set_title(labels["title"].format(t=t, K=K, scheme=labels["schemes"][scheme.value],
                                            n_kept=int(keep.sum()), n=t), fontsize=10)
        ax.legend(loc="upper left", fontsize=9)
        fig.tight_layout()
        with out:
            out.clear_output(wait=True)
            display(fig)
        plt.close(fig)

    for w in (K_slider, t_slider, scheme):
        w.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([K_slider, t_slider, scheme]), out])
