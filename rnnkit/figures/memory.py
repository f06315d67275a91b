"""Chapter 05's memory figures: how far back an LSTM's cell state remembers, by forget-gate bias.

:func:`lstm_memory_curves` gives the two curves of one seeded LSTM; :func:`memory_explorer`
is the live widget and :func:`bias_slider_figure` its kernel-free twin for the site.
"""
from __future__ import annotations

import numpy as np

from rnnkit.analysis.gates import forget_product_log10, lstm_gate_trace, state_jacobian_log10_norms
from rnnkit.models.classifier import init_forget_bias

from .web import slider
from .style import use_korean_font


def lstm_memory_curves(forget_bias, x, H=32, seed=0):
    """The memory curves of a fresh seeded LSTM with forget-gate bias ``forget_bias``.

    Builds ``torch.nn.LSTM(D, H)`` after ``torch.manual_seed(seed)``, sets its forget
    bias with :func:`rnnkit.models.classifier.init_forget_bias` and runs it on ``x`` (T, D).

    Returns
    -------
    (jacobian, forget) : two (T+1,) arrays, log10 ||∂c_T/∂c_{T-k}||_2 from
    :func:`~rnnkit.analysis.gates.state_jacobian_log10_norms` and log10 ||∏ diag(f)||_2 from
    :func:`~rnnkit.analysis.gates.forget_product_log10`, for k = 0..T
    """
    import torch

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
    labels : dict with "bias", "T" (the sliders' descriptions; ``$...$`` is typeset by
        MathJax in JupyterLab and on the book's pages), "lstm", "forget", "rnn", "x", "y"
        and "title" (a format string with fields {bias}, {f}, {T}, {lstm}, {rnn}: the
        forget gate σ(bias) and the two log10 norms at the largest distance; mathtext may
        mix with Hangul)

    Returns
    -------
    ipywidgets.VBox (sliders, output)
    """
    use_korean_font()
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    import torch

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
        use_korean_font(fig)                  # labels that mix $...$ and Hangul
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
    args = []
    for j in range(len(biases)):
        visible = [True] * n_ref + [False] * (2 * len(biases))
        visible[n_ref + 2 * j] = visible[n_ref + 2 * j + 1] = True
        args.append([{"visible": visible}])
    fig.update_layout(
        title=labels["title"], xaxis_title=labels["x"], yaxis_title=labels["y"],
        yaxis=dict(type="log", exponentformat="power", range=[-50, 3]),
        sliders=[slider([f"{b:g}" for b in biases], args, method="restyle", prefix=labels["slider"],
                        active=start)],
        legend=dict(x=0.01, y=0.02, xanchor="left", yanchor="bottom"),
        margin=dict(l=60, r=20, t=50, b=40), height=480)
    return fig
