"""Chapter 09's live widget: how far back a gated linear recurrence lets the gradient reach.

The recurrence is minGRU's with its gate written as the share it keeps,

    h_t = a_t ⊙ h_{t-1} + b_t,      a_t = σ(β + w x_t) ∈ (0, 1)    (1 − z_t of chapter 09),

and its gradient from the last step back to step t is a product of gates alone,

    ∂h_T / ∂h_t = a_{t+1} a_{t+2} ⋯ a_T,

which :func:`gate_gradients` computes with :func:`rnnkit.scratch.linear_scan_backward`
(the gradient of h_T with respect to b_t is exactly this product). With ``w = 0`` every step
keeps the same share σ(β) and the product fades geometrically, as in chapter 04 with a fixed
factor; it can never explode, since every a_t < 1. With ``w > 0`` the input decides: a step
with a large x_t keeps almost everything and one with a very negative x_t wipes the memory,
so the curve falls in steps at the places the input chose. That input dependence is what
Mamba's selective scan adds to the LRU.
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_int, check_real
from rnnkit.scratch.scan import linear_scan_backward, linear_scan_forward

from .style import use_korean_font
from .web import slider

LABELS = {
    "ko": {"bias": "편향 β", "weight": "입력 가중치 w", "T": "길이 T",
           "gate_title": "매 단계 남기는 몫 $a_t = \\sigma(\\beta + w\\, x_t)$",
           "grad_title": "마지막 단계에서 거슬러 온 기울기",
           "t": "시점 $t$", "k": "거리 $k = T - t$",
           "grad_y": "$\\log_{10}\\, \\partial h_T / \\partial h_t$",
           "note": "{k}단계 전: $10^{{{v:.1f}}}$",
           "html_gate": "매 단계 남기는 몫 a<sub>t</sub> = σ(β + w x<sub>t</sub>)",
           "html_grad": "log<sub>10</sub> ∂h<sub>T</sub>/∂h<sub>t</sub>: 마지막 단계에서 거슬러 온 기울기",
           "html_t": "시점 t", "html_k": "거리 k = T − t", "html_w": "입력 가중치 w = ",
           "html_title": "β = {b:g}, T = {T}: 100단계 전까지 거슬러 간 기울기 10<sup>{v:.1f}</sup>"},
    "en": {"bias": "bias β", "weight": "input weight w", "T": "length T",
           "gate_title": "share kept at each step, $a_t = \\sigma(\\beta + w\\, x_t)$",
           "grad_title": "the gradient reaching back from the last step",
           "t": "step $t$", "k": "distance $k = T - t$",
           "grad_y": "$\\log_{10}\\, \\partial h_T / \\partial h_t$",
           "note": "{k} steps back: $10^{{{v:.1f}}}$",
           "html_gate": "share kept at each step, a<sub>t</sub> = σ(β + w x<sub>t</sub>)",
           "html_grad": "log<sub>10</sub> ∂h<sub>T</sub>/∂h<sub>t</sub>: the gradient from the last step",
           "html_t": "step t", "html_k": "distance k = T − t", "html_w": "input weight w = ",
           "html_title": "β = {b:g}, T = {T}: the gradient 100 steps back is 10<sup>{v:.1f}</sup>"},
}


def gate_inputs(T, seed=0):
    """The input x_t (T,) float64 the widget feeds its gate: standard normal, seeded."""
    T = check_int("T", T, 1)
    return np.random.default_rng(seed).standard_normal(T)


def gate_gradients(bias, weight, x):
    """Gates and the gradient reaching back from the last step of one scalar recurrence.

    Parameters
    ----------
    bias, weight : float, the gate a_t = σ(bias + weight · x_t)
    x : (T,) float array, the inputs

    Returns
    -------
    a : (T,) the gates;  log10_grad : (T,) log10 ∂h_T/∂h_t for t = 1..T (0 at t = T)
    """
    bias, weight = check_real("bias", bias), check_real("weight", weight)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"x must be a non-empty 1-D array of finite numbers, got shape {x.shape}")
    a = 1.0 / (1.0 + np.exp(-(bias + weight * x)))
    T = x.size
    _, cache = linear_scan_forward(a.reshape(1, T, 1), np.zeros((1, T, 1)), np.zeros((1, 1)))
    dh = np.zeros((1, T, 1))
    dh[0, -1, 0] = 1.0                                     # L = h_T
    _, db, _ = linear_scan_backward(dh, cache)             # ∂h_T/∂b_t = ∂h_T/∂h_t
    with np.errstate(divide="ignore"):
        return a, np.log10(db[0, :, 0])


def _draw(out, fig_axes, a, logg, L):
    import matplotlib.pyplot as plt
    from IPython.display import display

    fig, (ax1, ax2) = fig_axes
    T = a.size
    t = np.arange(1, T + 1)
    ax1.plot(t, a, color="#4c72b0", lw=1.2)
    ax1.set_ylim(0, 1.02)
    ax1.set_title(L["gate_title"], fontsize=10)
    ax1.set_xlabel(L["t"])
    k = T - t
    ax2.plot(k[::-1], logg[::-1], color="#c44e52", lw=1.8)
    floor = max(np.floor(logg.min() / 10) * 10, -300)
    ax2.set_ylim(floor - 2, 2)
    ax2.set_title(L["grad_title"], fontsize=10)
    ax2.set_xlabel(L["k"])
    ax2.set_ylabel(L["grad_y"])
    far = min(100, T - 1)
    ax2.text(0.98, 0.95, L["note"].format(k=far, v=logg[T - 1 - far]), transform=ax2.transAxes,
             ha="right", va="top", fontsize=10)
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
    use_korean_font(fig)
    fig.tight_layout()
    with out:
        out.clear_output(wait=True)
        display(fig)
    plt.close(fig)


def gate_widget(lang="ko", T=200, bias=2.0, weight=0.0, seed=0):
    """ipywidgets: sliders for β, w and T; redraws the gates and log10 ∂h_T/∂h_t (needs a kernel).

    One redraw is one scan forward and backward over T ≤ 1,000 scalars plus a matplotlib
    figure: a few tens of milliseconds.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    if lang not in LABELS:
        raise ValueError(f"lang must be one of {tuple(LABELS)}, got {lang!r}")
    L = LABELS[lang]
    T = check_int("T", T, 2, 1000)
    style = {"description_width": "initial"}
    controls = {
        "bias": widgets.FloatSlider(value=bias, min=-2.0, max=8.0, step=0.25, description=L["bias"], style=style),
        "weight": widgets.FloatSlider(value=weight, min=0.0, max=6.0, step=0.25, description=L["weight"],
                                      style=style),
        "T": widgets.IntSlider(value=T, min=20, max=1000, step=20, description=L["T"], style=style),
    }
    out = widgets.Output()

    def redraw(change=None):
        x = gate_inputs(controls["T"].value, seed)
        a, logg = gate_gradients(controls["bias"].value, controls["weight"].value, x)
        _draw(out, plt.subplots(1, 2, figsize=(11, 3.4)), a, logg, L)

    for c in controls.values():
        c.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox(list(controls.values())), out])


def gate_figure(lang="ko", T=200, bias=2.0, weights=tuple(np.arange(0.0, 6.01, 0.5)), seed=0):
    """The widget's kernel-free twin: a plotly figure with a slider over ``weights`` at fixed β and T.

    Every slider step holds its precomputed gates and log10 gradients (``restyle``), and the
    title (the gradient 100 steps back) changes with it.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    if lang not in LABELS:
        raise ValueError(f"lang must be one of {tuple(LABELS)}, got {lang!r}")
    L = LABELS[lang]
    T = check_int("T", T, 101, 1000)
    weights = [check_real("weights", float(w), 0.0) for w in weights]
    if not weights:
        raise ValueError("weights must hold at least one input weight")
    x = gate_inputs(T, seed)
    t = np.arange(1, T + 1)
    curves = [gate_gradients(bias, w, x) for w in weights]
    titles = [L["html_title"].format(b=bias, T=T, v=logg[T - 101]) for _, logg in curves]
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1, subplot_titles=(L["html_gate"], L["html_grad"]))
    a, logg = curves[0]
    fig.add_trace(go.Scatter(x=t, y=a, mode="lines", line=dict(color="#4c72b0", width=1.2), showlegend=False,
                             hovertemplate="t = %{x}<br>a = %{y:.3f}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(x=T - t[::-1], y=logg[::-1], mode="lines", line=dict(color="#c44e52", width=2),
                             showlegend=False, hovertemplate="k = %{x}<br>%{y:.1f}<extra></extra>"), row=1, col=2)
    low = min(float(np.floor(lg.min() / 10) * 10) for _, lg in curves)
    fig.update_yaxes(range=[0, 1.02], row=1, col=1)
    fig.update_yaxes(range=[low - 2, 2], row=1, col=2)
    fig.update_xaxes(title_text=L["html_t"], row=1, col=1)
    fig.update_xaxes(title_text=L["html_k"], row=1, col=2)
    fig.update_annotations(font_size=12)
    args = [[{"y": [a, lg[::-1]]}, {"title.text": title}] for (a, lg), title in zip(curves, titles)]
    fig.update_layout(height=430, template="plotly_white", margin=dict(l=50, r=20, t=80, b=40),
                      title=dict(text=titles[0], x=0.5, font_size=14),
                      sliders=[slider([f"{w:g}" for w in weights], args, prefix=L["html_w"], pad=dict(t=50))])
    return fig
