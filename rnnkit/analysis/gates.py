"""Looking inside gated cells: per-step gate activations and state-to-state Jacobians.

Both functions take a trained or fresh one-layer ``torch.nn`` module, copy its weights
into the scratch layout with :func:`rnnkit.scratch.params_from_torch` (gate order
i, f, o, g for the LSTM; r, z, n for the GRU) and recompute the recurrence step by step
in float64, so every intermediate value is available:

    trace = lstm_gate_trace(model.rnn, x)          # trace["f"]: (N, T, H) forget gates
    logn = state_jacobian_log10_norms(lstm, x[0])  # log10 ||dc_T/dc_{T-k}||_2, k = 0..T

The equations are those of ``rnnkit.scratch.lstm`` and ``rnnkit.scratch.gru``
(row vectors: a = x Wx + h Wh + b).
"""
from __future__ import annotations

import numpy as np
import torch

from rnnkit.scratch import params_from_torch


def _as_float64(x, name, shape, D):
    """x as a float64 tensor with the given rank and last dimension D."""
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    if not isinstance(x, torch.Tensor) or x.dim() != len(shape) or x.shape[-1] != D:
        got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"{name} must have shape ({', '.join(shape)}) with D = {D}, got {got}")
    x = x.detach().to(torch.float64)
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} must be finite")
    return x


def _params64(module, kinds):
    if not isinstance(module, kinds):
        names = " or ".join(f"torch.nn.{k.__name__}" for k in kinds)
        raise ValueError(f"module must be a {names}, got {type(module).__name__}")
    return {k: torch.from_numpy(v.astype(np.float64)) for k, v in params_from_torch(module).items()}


def lstm_gate_trace(lstm, x):
    """Gate activations of a one-layer ``nn.LSTM`` at every step, from h_0 = c_0 = 0.

        a_t = x_t Wx + h_{t-1} Wh + b = [a_i | a_f | a_o | a_g]
        i_t, f_t, o_t = σ(a_i), σ(a_f), σ(a_o);   g_t = tanh(a_g)
        c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t;          h_t = o_t ⊙ tanh(c_t)

    Parameters
    ----------
    lstm : torch.nn.LSTM (num_layers=1, unidirectional; batch_first does not matter)
    x : (N, T, D) inputs, batch first (numpy array or tensor)

    Returns
    -------
    dict of float64 numpy arrays, each (N, T, H): "i", "f", "o", "g", "c", "h"
    (index t-1 holds step t; "h" equals the module's output up to float32 rounding)
    """
    p = _params64(lstm, (torch.nn.LSTM,))
    H = p["Wh"].shape[0]
    x = _as_float64(x, "x", ("N", "T", "D"), p["Wx"].shape[0])
    N, T, _ = x.shape
    h = torch.zeros(N, H, dtype=torch.float64)
    c = torch.zeros(N, H, dtype=torch.float64)
    out = {k: np.empty((N, T, H)) for k in ("i", "f", "o", "g", "c", "h")}
    for t in range(T):
        a = x[:, t] @ p["Wx"] + h @ p["Wh"] + p["b"]
        i, f, o = torch.sigmoid(a[:, :3 * H]).split(H, dim=1)
        g = torch.tanh(a[:, 3 * H:])
        c = f * c + i * g
        h = o * torch.tanh(c)
        for k, v in (("i", i), ("f", f), ("o", o), ("g", g), ("c", c), ("h", h)):
            out[k][:, t] = v.numpy()
    return out


def _step(kind, p, x_t, s):
    """One step of the recurrence on the state s (h, or (h, c) for the LSTM)."""
    if kind == "LSTM":
        h, c = s
        H = h.shape[1]
        a = x_t @ p["Wx"] + h @ p["Wh"] + p["b"]
        i, f, o = torch.sigmoid(a[:, :3 * H]).split(H, dim=1)
        c = f * c + i * torch.tanh(a[:, 3 * H:])
        return o * torch.tanh(c), c
    if kind == "GRU":
        H = s.shape[1]
        ax = x_t @ p["Wx"] + p["bx"]
        ah = s @ p["Wh"] + p["bh"]
        r, z = torch.sigmoid(ax[:, :2 * H] + ah[:, :2 * H]).split(H, dim=1)
        n = torch.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
        return (1 - z) * n + z * s
    return torch.tanh(x_t @ p["Wx"] + s @ p["Wh"] + p["b"])


def state_jacobian_log10_norms(module, x):
    """log10 of the spectral norm of ∂s_T/∂s_{T-k} for k = 0..T, by autograd (float64).

    The memory state s is the cell state c for an LSTM and the hidden state h for an RNN
    or a GRU; the recurrence starts from zeros. The Jacobian is the full one, every path
    from s_{T-k} to s_T included (for the LSTM also the paths through h and the gates).
    All T Jacobians come from one backward pass: the sequence is run as a batch of H
    identical copies and the loss Σ_j s_T[j, j] makes row j of each s_t.grad equal to
    row j of ∂s_T/∂s_t.

    Parameters
    ----------
    module : one-layer torch.nn.RNN (tanh), torch.nn.LSTM or torch.nn.GRU
    x : (T, D) one input sequence, T >= 1

    Returns
    -------
    (T+1,) float numpy array; entry k is log10 ||∂s_T/∂s_{T-k}||_2 (entry 0 is 0, the
    identity); -inf where the Jacobian is exactly zero
    """
    kind = {torch.nn.LSTM: "LSTM", torch.nn.GRU: "GRU", torch.nn.RNN: "RNN"}.get(type(module))
    p = _params64(module, (torch.nn.RNN, torch.nn.LSTM, torch.nn.GRU))
    H = p["Wh"].shape[0]
    x = _as_float64(x, "x", ("T", "D"), p["Wx"].shape[0])
    T = x.shape[0]
    if T < 1:
        raise ValueError("x must have at least one time step (shape (T, D) with T >= 1)")
    zeros = torch.zeros(H, H, dtype=torch.float64)
    memory = []                      # s_0 .. s_T, the tensors we differentiate with respect to
    if kind == "LSTM":
        s = (zeros.clone(), zeros.clone().requires_grad_())
        memory.append(s[1])
    else:
        s = zeros.clone().requires_grad_()
        memory.append(s)
    for t in range(T):
        s = _step(kind, p, x[t].expand(H, -1), s)
        m = s[1] if kind == "LSTM" else s
        m.retain_grad()
        memory.append(m)
    memory[-1].diagonal().sum().backward()
    out = np.empty(T + 1)
    for k in range(T + 1):
        J = memory[T - k].grad
        norm = float(torch.linalg.matrix_norm(J, ord=2)) if J is not None else 0.0
        out[k] = np.log10(norm) if norm > 0 else -np.inf
    return out


def forget_product_log10(f):
    """log10 ||∏_{j=T-k+1}^{T} diag(f_j)||_2 = log10 max_u ∏ f_j[u], for k = 0..T.

    This is the Jacobian of the additive path alone, c_T ← c_{T-k} through the forget
    gates with everything else held fixed.

    Parameters
    ----------
    f : (T, H) forget-gate activations of one sequence, values in (0, 1]

    Returns
    -------
    (T+1,) numpy array, entry 0 is 0 (the empty product)
    """
    f = np.asarray(f, dtype=np.float64)
    if f.ndim != 2 or not np.all((f > 0) & (f <= 1)):
        raise ValueError(f"f must have shape (T, H) with values in (0, 1], got shape {f.shape}")
    logs = np.cumsum(np.log10(f[::-1]), axis=0)          # row k-1: sum over the last k steps
    return np.concatenate([[0.0], logs.max(axis=1)])


def lstm_memory_curves(forget_bias, x, H=32, seed=0):
    """The memory curves of a fresh seeded LSTM with forget-gate bias ``forget_bias``.

    Builds ``torch.nn.LSTM(D, H)`` after ``torch.manual_seed(seed)``, sets its forget
    bias with :func:`rnnkit.models.classifier.init_forget_bias` and runs it on ``x`` (T, D).

    Returns
    -------
    (jacobian, forget) : two (T+1,) arrays, log10 ||∂c_T/∂c_{T-k}||_2 from
    :func:`state_jacobian_log10_norms` and log10 ||∏ diag(f)||_2 from
    :func:`forget_product_log10`, for k = 0..T
    """
    from rnnkit.models.classifier import init_forget_bias

    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (T, D), got {x.shape}")
    torch.manual_seed(seed)
    lstm = init_forget_bias(torch.nn.LSTM(x.shape[1], H), forget_bias)
    jac = state_jacobian_log10_norms(lstm, x)
    forget = forget_product_log10(lstm_gate_trace(lstm, x[None])["f"][0])
    return jac, forget


def memory_explorer(labels, H=32, seed=0, symbols=4):
    """ipywidgets: forget-gate bias and sequence length T of the recall task.

    For the chosen bias and T, draws ||∂c_T/∂c_{T-k}||_2 (solid) and ||∏ diag(f)||_2
    (dashed) of a fresh seeded LSTM on one recall sequence, with a vanilla ``nn.RNN``'s
    ||∂h_T/∂h_{T-k}||_2 on the same sequence for reference (log scale).

    Parameters
    ----------
    labels : dict with "bias", "T", "lstm", "forget", "rnn", "x", "y" and "title" (a
        format string with fields {bias}, {f}, {T}, {lstm}, {rnn}: the forget gate σ(bias)
        and the two log10 norms at the largest distance)

    Returns
    -------
    ipywidgets.VBox (sliders, output)
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    from rnnkit.data.tasks import recall_task

    bias = widgets.FloatSlider(value=1.0, min=-1.0, max=5.0, step=0.25, description=labels["bias"])
    length = widgets.IntSlider(value=60, min=5, max=200, step=5, description=labels["T"])
    out = widgets.Output()

    def redraw(change=None):
        T, b = length.value, bias.value
        x = recall_task(1, T, symbols, seed=seed)[0][0]
        jac, forget = lstm_memory_curves(b, x, H, seed)
        torch.manual_seed(seed)
        rnn = state_jacobian_log10_norms(torch.nn.RNN(x.shape[1], H), x)
        k = np.arange(T + 1)
        fig, ax = plt.subplots(figsize=(7, 3.4))
        ax.semilogy(k, 10.0 ** rnn, color="0.45", lw=2, label=labels["rnn"])
        ax.semilogy(k, 10.0 ** jac, color="C1", lw=2.2, label=labels["lstm"])
        ax.semilogy(k, 10.0 ** forget, color="C1", lw=1.5, ls="--", label=labels["forget"])
        ax.set_ylim(1e-60, 1e4)
        ax.set_xlabel(labels["x"])
        ax.set_ylabel(labels["y"])
        ax.set_title(labels["title"].format(bias=b, f=1 / (1 + np.exp(-b)), T=T, lstm=jac[-1], rnn=rnn[-1]),
                     fontsize=10)
        ax.legend(fontsize=8.5, loc="lower left")
        fig.tight_layout()
        with out:
            out.clear_output(wait=True)
            display(fig)
        plt.close(fig)

    bias.observe(redraw, "value")
    length.observe(redraw, "value")
    redraw()
    return widgets.VBox([widgets.HBox([bias, length]), out])


def bias_slider_figure(biases, curves, references, labels):
    """Plotly figure with a slider over forget-gate biases (every step precomputed).

    Parameters
    ----------
    biases : sequence of B floats
    curves : sequence of B pairs (jacobian, forget) of (T+1,) log10 curves, as returned
        by :func:`lstm_memory_curves`
    references : sequence of (name, (T+1,) log10 curve) drawn at every step
    labels : dict with "lstm", "forget", "x", "y", "slider" (prefix) and "title"

    Returns
    -------
    plotly.graph_objects.Figure (log y axis); show it with :func:`rnnkit.figures.web.show`
    """
    import plotly.graph_objects as go

    if len(biases) == 0 or len(biases) != len(curves):
        raise ValueError(f"biases and curves must be non-empty and of equal length, got "
                         f"{len(biases)} and {len(curves)}")
    fig = go.Figure()
    grey = ["#555555", "#999999", "#bbbbbb"]
    for j, (name, y) in enumerate(references):
        y = np.asarray(y, dtype=np.float64)
        fig.add_trace(go.Scatter(x=np.arange(len(y)), y=10.0 ** y, name=name, mode="lines",
                                 line=dict(color=grey[j % 3], width=2)))
    n_ref = len(references)
    start = int(np.argmin(np.abs(np.asarray(biases, dtype=float) - 1.0)))
    for j, (jac, forget) in enumerate(curves):
        k = np.arange(len(jac))
        fig.add_trace(go.Scatter(x=k, y=10.0 ** np.asarray(jac), name=labels["lstm"], mode="lines",
                                 line=dict(color="#dd8452", width=2.5), visible=j == start))
        fig.add_trace(go.Scatter(x=k, y=10.0 ** np.asarray(forget), name=labels["forget"], mode="lines",
                                 line=dict(color="#dd8452", width=1.5, dash="dash"), visible=j == start))
    steps = []
    for j, b in enumerate(biases):
        visible = [True] * n_ref + [False] * (2 * len(biases))
        visible[n_ref + 2 * j] = visible[n_ref + 2 * j + 1] = True
        steps.append(dict(method="restyle", args=[{"visible": visible}], label=f"{b:g}"))
    fig.update_layout(
        title=labels["title"], xaxis_title=labels["x"], yaxis_title=labels["y"],
        yaxis=dict(type="log", exponentformat="power", range=[-50, 3]),
        sliders=[dict(active=start, steps=steps, currentvalue=dict(prefix=labels["slider"]))],
        legend=dict(x=0.01, y=0.02, xanchor="left", yanchor="bottom"),
        margin=dict(l=60, r=20, t=50, b=40), height=480)
    return fig
