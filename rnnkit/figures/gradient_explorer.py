"""The chapter 04 gradient-flow explorer: a live ipywidgets version and a kernel-free one.

Both draw, on a log scale, how the size of the backpropagated signal changes with the
distance k = T - t it has travelled back through a vanilla RNN (see
:func:`rnnkit.analysis.gradflow.gradient_flow`):

- ``||dh_T/dh_t||_2`` (measured Jacobian product),
- Pascanu's bound ``(gamma lambda_1)**k``,
- ``||dL/dh_t||`` after norm clipping of ``dL/dW_hh`` (live version, when clipping is on).

:class:`GradientExplorer` keeps one matplotlib figure and updates its lines with
``set_data``; the live widget shows the figure as a PNG in an ``ipywidgets.Image`` (core
ipywidgets only: works in JupyterLab, classic Notebook and Colab without ipympl).
:func:`static_figure` precomputes curves on a grid of spectral radii and returns a plotly
figure whose slider moves them without a kernel (for the built book).
"""
from __future__ import annotations

import io
import math

import matplotlib
import numpy as np

from rnnkit.analysis import gradflow

from .style import use_korean_font
from .web import slider

LABELS = {
    "ko": {
        "x": "거리 k = T − t (몇 단계 거슬러 올라갔나)",
        "y": "노름 (로그 눈금)",
        "jac": "‖∂h_T/∂h_t‖ 측정값",
        "bound": "상한 (γλ₁)^k",
        "clipped": "클리핑 뒤 ‖∂L/∂h_t‖",
        "title": "{act}, {init}, ρ = {rho:.2f}, λ₁ = {lam:.2f}, γλ₁ = {gl:.2f}",
        "clip_on": "‖g‖ = 10^{g:.1f} → 클리핑 배율 10^{c:.1f}",
        "clip_idle": "‖g‖ = 10^{g:.1f} ≤ 임계값: 클리핑이 아무것도 바꾸지 않음",
        "zero": "W_hh = 0: 한 단계만 지나도 기울기가 정확히 0",
        "zero_html": "ρ = 0이면 W<sub>hh</sub> = 0: 한 단계만 지나도 기울기가 정확히 0이라<br>로그 축에 그릴 곡선이 없습니다",
        "inits": {"gaussian": "가우시안", "orthogonal": "직교"},
        "rho": "스펙트럼 반경 ρ",
        "T": "길이 T",
        "act": "활성화",
        "init": "초기화",
        "clip": "클리핑 임계값",
        "off": "끔",
        "subplots": ("가우시안 초기화", "직교 초기화"),
        "slider": "ρ = ",
        "hover": "k = %{x}<br>노름 = 10^%{y:.1f}",
        "bound_html": "상한 (γλ<sub>1</sub>)<sup>k</sup>",
        "ytext": "‖∂h_T/∂h_t‖ (로그 눈금)",
    },
    "en": {
        "x": "distance k = T − t (steps travelled back)",
        "y": "norm (log scale)",
        "jac": "‖∂h_T/∂h_t‖ measured",
        "bound": "bound (γλ₁)^k",
        "clipped": "‖∂L/∂h_t‖ after clipping",
        "title": "{act}, {init}, ρ = {rho:.2f}, λ₁ = {lam:.2f}, γλ₁ = {gl:.2f}",
        "clip_on": "‖g‖ = 10^{g:.1f} → clipping factor 10^{c:.1f}",
        "clip_idle": "‖g‖ = 10^{g:.1f} ≤ threshold: clipping changes nothing",
        "zero": "W_hh = 0: the gradient is exactly 0 after one step",
        "zero_html": "ρ = 0 means W<sub>hh</sub> = 0: the gradient is exactly 0 after one step,<br>so there is no curve to draw on a log axis",
        "inits": {"gaussian": "Gaussian", "orthogonal": "orthogonal"},
        "rho": "spectral radius ρ",
        "T": "length T",
        "act": "activation",
        "init": "initialisation",
        "clip": "clipping threshold",
        "off": "off",
        "subplots": ("Gaussian init.", "orthogonal init."),
        "slider": "ρ = ",
        "hover": "k = %{x}<br>norm = 10^%{y:.1f}",
        "bound_html": "bound (γλ<sub>1</sub>)<sup>k</sup>",
        "ytext": "‖∂h_T/∂h_t‖ (log scale)",
    },
}

Y_MIN, Y_MAX = -40.0, 40.0          # decades shown
_FLOOR = Y_MIN - 1000.0              # where exact zeros are drawn (far below the axis)
CLIP_OPTIONS = (None, 0.01, 0.1, 1.0, 10.0, 100.0)
ACT_COLORS = {"tanh": "#1f77b4", "sigmoid": "#2ca02c", "relu": "#d62728", "linear": "#7f7f7f"}


def _labels(lang):
    if lang not in LABELS:
        raise ValueError(f"lang must be one of {tuple(LABELS)}, got {lang!r}")
    return LABELS[lang]


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _decade_formatter(y, _pos=None):
    """Tick label 10ⁿ for the log10 value n (unicode superscripts: no mathtext cost)."""
    return "10" + str(int(round(y))).translate(_SUPERSCRIPT)


def log10_axis(ax, low=Y_MIN, high=Y_MAX, step=10, axis="y"):
    """Label a matplotlib axis that shows log10 values as powers of ten (10⁻²⁰ … 10²⁰).

    The book plots log10 norms on a linear axis instead of norms on a log axis, so that
    values beyond float64 (10⁴⁰⁰) and exact zeros (drawn at :func:`drawable`'s floor,
    far below the axis) need no special care.
    """
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    target = ax.yaxis if axis == "y" else ax.xaxis
    (ax.set_ylim if axis == "y" else ax.set_xlim)(low, high)
    target.set_major_locator(MultipleLocator(step))
    target.set_major_formatter(FuncFormatter(_decade_formatter))


def drawable(y):
    """log10 values ready for ``ax.plot``: -inf (an exact zero) becomes a value far
    below any axis, so the line drops out of the picture instead of vanishing."""
    return np.where(np.isneginf(y), _FLOOR, y)


class GradientExplorer:
    """One matplotlib figure whose lines follow the slider settings.

    Parameters
    ----------
    lang : "ko" or "en" (labels)
    H : hidden size of the simulated RNN
    seed : seed of W_hh's base matrix, the inputs and the loss direction
    t_max : longest sequence the sliders allow
    dpi : resolution of the PNG shown by the widget

    :meth:`update` recomputes and redraws; :meth:`png` renders the figure. Together they
    are the widget callback, which ``bench/explorer_speed.py`` times.
    """

    def __init__(self, lang="ko", H=32, seed=0, t_max=200, dpi=90):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.L = _labels(lang)
        use_korean_font()                # Hangul labels need the bundled Korean font
        self.H, self.seed, self.t_max, self.dpi = H, seed, t_max, dpi
        # A bare Figure with its own Agg canvas, outside pyplot: it is never shown twice
        # by the inline backend and never leaks into plt.gcf().
        self.fig = Figure(figsize=(7.2, 4.0), dpi=dpi)
        FigureCanvasAgg(self.fig)
        self.ax = ax = self.fig.add_subplot()
        (self.jac_line,) = ax.plot([], [], color="C0", lw=2.2, label=self.L["jac"])
        (self.bound_line,) = ax.plot([], [], color="0.35", lw=1.4, ls="--", label=self.L["bound"])
        (self.clip_line,) = ax.plot([], [], color="C1", lw=2.0, label=self.L["clipped"])
        ax.axhline(0.0, color="0.6", lw=0.8)
        log10_axis(ax)
        ax.set_xlabel(self.L["x"])
        ax.set_ylabel(self.L["y"])
        ax.legend(loc="upper left", fontsize=8.5, framealpha=0.9)
        self.note = ax.text(0.99, 0.03, "", transform=ax.transAxes, ha="right", va="bottom",
                            fontsize=9, color="C1")
        self.title = ax.text(0.5, 1.02, "", transform=ax.transAxes, ha="center",
                             va="bottom", fontsize=10)
        ax.set_xlim(0, t_max)
        self.fig.tight_layout(rect=(0, 0, 1, 0.95))
        # Blitting: everything that never changes (axes, ticks, labels, legend) is drawn
        # once into a background; an update redraws only the lines and two texts.
        self._animated = (self.bound_line, self.jac_line, self.clip_line, self.note, self.title)
        for a in self._animated:
            a.set_animated(True)
        self.fig.canvas.draw()
        self._background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
        self.result = None

    def update(self, rho=1.0, T=100, activation="tanh", init="orthogonal", clip=None):
        """Recompute the curves for one setting and move the lines (no rendering).

        Returns the :class:`rnnkit.analysis.gradflow.GradientFlow` that was drawn.
        """
        if not isinstance(T, (int, np.integer)) or not 1 <= T <= self.t_max:
            raise ValueError(f"T must be an integer in [1, {self.t_max}], got {T!r}")
        # one point per step up to T = 100, every second step beyond (below pixel size)
        r = gradflow.gradient_flow(activation, rho, int(T), init, self.H, clip, self.seed,
                                   loss=clip is not None, every=1 if T <= 100 else 2)
        k = r.distance
        self.jac_line.set_data(k, drawable(r.jacobian))
        self.bound_line.set_data(k, drawable(r.bound))
        if clip is None:
            self.clip_line.set_data([], [])
            self.note.set_text(self.L["zero"] if rho == 0 else "")
        else:
            self.clip_line.set_data(k, drawable(r.dh_clipped))
            if r.clip_factor < 0:
                self.note.set_text(self.L["clip_on"].format(g=r.grad_norm, c=r.clip_factor))
            else:
                self.note.set_text(self.L["clip_idle"].format(g=r.grad_norm))
        gamma = gradflow.GAMMA[activation]
        self.title.set_text(self.L["title"].format(act=activation, init=self.L["inits"][init],
                                                   rho=float(rho), lam=r.lambda1,
                                                   gl=gamma * r.lambda1))
        self.result = r
        return r

    def png(self):
        """The current figure as PNG bytes (what the widget displays)."""
        from PIL import Image

        canvas = self.fig.canvas
        canvas.restore_region(self._background)
        for a in self._animated:
            self.ax.draw_artist(a)
        buf = io.BytesIO()
        rgba = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
        rgba.convert("RGB").save(buf, format="png", compress_level=1)   # fast, small enough
        return buf.getvalue()

    def widget(self, rho=1.0, T=100, activation="tanh", init="orthogonal", clip=None):
        """Sliders plus the picture, wired to :meth:`update` (needs a running kernel)."""
        import ipywidgets as w

        L = self.L
        style = {"description_width": "9em"}
        layout = w.Layout(width="430px")
        controls = {
            "rho": w.FloatSlider(value=rho, min=0.0, max=3.5, step=0.05, description=L["rho"],
                                 readout_format=".2f", style=style, layout=layout),
            "T": w.IntSlider(value=T, min=1, max=self.t_max, step=1, description=L["T"],
                             style=style, layout=layout),
            "activation": w.ToggleButtons(options=list(gradflow.ACTIVATIONS), value=activation,
                                          description=L["act"], style=style),
            "init": w.ToggleButtons(options=[(L["inits"][i], i) for i in gradflow.INITS],
                                    value=init, description=L["init"], style=style),
            # ipywidgets cannot hold None as a selection value: 0.0 stands for "off"
            "clip": w.SelectionSlider(options=[(L["off"] if c is None else f"{c:g}", c or 0.0)
                                               for c in CLIP_OPTIONS],
                                      value=clip or 0.0, description=L["clip"], style=style,
                                      layout=layout),
        }
        self.update(rho, T, activation, init, clip)
        image = w.Image(value=self.png(), format="png")

        def redraw(_change=None):
            values = {name: c.value for name, c in controls.items()}
            values["clip"] = values["clip"] or None
            self.update(**values)
            image.value = self.png()

        for c in controls.values():
            c.observe(redraw, names="value")
        return w.VBox([w.VBox(list(controls.values())), image])


def _slider_curves(rho, T, H, seed, combos, bounds):
    """One slider step of :func:`static_figure`: every measured curve, then every bound.

    Curves are log10 norms at every second distance, rounded to 0.01 decades, with
    exact zeros as gaps (``None``); a bound is a straight line, so two points suffice.
    """
    def curve(y):
        return [None if not math.isfinite(v) else round(float(v), 2) for v in y]

    ys = []
    for init, act in combos:
        r = gradflow.gradient_flow(act, rho, T, init, H, None, seed, loss=False, every=2)
        ys.append(curve(r.jacobian))
    for init, gamma in bounds:
        lam1 = gradflow.largest_singular_value(gradflow.recurrent_matrix(H, rho, init, seed))
        slope = math.log10(gamma * lam1) if lam1 > 0 else -math.inf
        ys.append(curve([0.0, T * slope]))
    return ys


def static_figure(lang="ko", T=200, rhos=None, H=32, seed=0):
    """A plotly figure with a rho slider that works without a kernel.

    Two panels (Gaussian | orthogonal W_hh), one measured curve per activation (click
    the legend to hide one) and Pascanu's bound (gamma lambda_1)**k as dashed lines: one
    for gamma = 1 (tanh, relu, linear share it) and one for the sigmoid's gamma = 1/4.
    The curves for every rho in ``rhos`` are precomputed at every second distance and
    stored in the slider steps, rounded to 0.01 decades; exact zeros are gaps.

    Parameters
    ----------
    lang : "ko" or "en"
    T : sequence length (the x axis runs over k = 0..T)
    rhos : 1-D array of spectral radii for the slider (default 0, 0.1, ..., 3.0)
    H, seed : size and seed of the simulated RNN (as in :func:`rnnkit.analysis.gradflow.gradient_flow`)
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    L = _labels(lang)
    rhos = np.round(np.arange(0.0, 3.0001, 0.1), 2) if rhos is None else np.asarray(rhos, float)
    if rhos.ndim != 1 or rhos.size == 0 or (rhos < 0).any():
        raise ValueError(f"rhos must be a non-empty 1-D array of values >= 0, got {rhos!r}")
    k = sorted(set(range(0, T + 1, 2)) | {T})          # every second distance, as computed
    combos = [(init, act) for init in gradflow.INITS for act in gradflow.ACTIVATIONS]
    bounds = [(init, gamma) for init in gradflow.INITS for gamma in (1.0, 0.25)]
    steps_y = [_slider_curves(float(rho), T, H, seed, combos, bounds) for rho in rhos]
    start = int(np.argmin(np.abs(rhos - 1.0)))
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, subplot_titles=L["subplots"],
                        horizontal_spacing=0.07)
    for i, (init, act) in enumerate(combos):
        col = 1 + gradflow.INITS.index(init)
        fig.add_trace(go.Scatter(x=k, y=steps_y[start][i], mode="lines", name=act,
                                 legendgroup=act, showlegend=(col == 1),
                                 line=dict(color=ACT_COLORS[act], width=2.2),
                                 hovertemplate=L["hover"] + f"<extra>{act}</extra>"),
                      row=1, col=col)
    for i, (init, gamma) in enumerate(bounds):
        col = 1 + gradflow.INITS.index(init)
        sigmoid = gamma != 1.0
        fig.add_trace(go.Scatter(x=[0, T], y=steps_y[start][len(combos) + i], mode="lines",
                                 name=L["bound_html"] + (" (sigmoid, γ = 1/4)" if sigmoid else ", γ = 1"),
                                 legendgroup="sigmoid" if sigmoid else "bound",
                                 showlegend=(col == 1 and not sigmoid),
                                 line=dict(color=ACT_COLORS["sigmoid"] if sigmoid else "#444444",
                                           width=1.3, dash="dash"),
                                 hoverinfo="skip"),
                      row=1, col=col)
    ticks = list(range(int(Y_MIN), int(Y_MAX) + 1, 10))
    fig.update_yaxes(range=[Y_MIN, Y_MAX], tickvals=ticks,
                     ticktext=[f"10<sup>{t}</sup>" for t in ticks], zeroline=True)
    fig.update_yaxes(title_text=L["ytext"], row=1, col=1)
    fig.update_xaxes(range=[0, T])
    _narrow_layout(fig, L)
    _rho_slider(fig, L, rhos, steps_y, start)
    return fig


def _rho_slider(fig, L, rhos, steps_y, start):
    """The rho slider: step k restyles every trace with ``steps_y[k]`` and sets a note in the
    middle of the plot, shown only at rho = 0, where every curve is a gap."""
    note = len(fig.layout.annotations)
    notes = [L["zero_html"] if rho == 0 else "" for rho in rhos]
    fig.add_annotation(text=notes[start], xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                       font=dict(size=14, color="#444444"))
    fig.update_layout(
        height=480, template="plotly_white",
        sliders=[slider([f"{rho:.1f}" for rho in rhos],
                        [[{"y": y}, {f"annotations[{note}].text": n}] for y, n in zip(steps_y, notes)],
                        prefix=L["slider"], active=start, pad=dict(t=50))])


def _narrow_layout(fig, L):
    """Layout that holds from a phone (390 px) to a desktop column: one x-axis title
    centred under both panels (two would overlap on a phone), small panel titles, and
    the legend above the panels, growing upwards when it wraps, so that it never
    reaches the slider and its readout below the plot."""
    fig.update_annotations(font_size=13)              # the two panel titles
    fig.add_annotation(text=L["x"], xref="paper", yref="paper", x=0.5, y=0, yshift=-28,
                       xanchor="center", yanchor="top", showarrow=False, font_size=13)
    fig.update_layout(margin=dict(l=60, r=20, t=40, b=60),
                      legend=dict(orientation="h", x=0.5, xanchor="center",
                                  y=1.08, yanchor="bottom"))
