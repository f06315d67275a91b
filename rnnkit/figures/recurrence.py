"""Chapter 09's figures: the parallel scan as a tree, the impulse response of a diagonal
linear recurrence (a kernel-free plotly figure with two sliders) and the stored speed
measurements of ``bench/recurrence_speed.py``.
"""
from __future__ import annotations

import numpy as np

from rnnkit.scratch.diagonal import impulse_response

from . import style
from .web import slider

LABELS = {
    "ko": {
        "seq_title": "순차 계산: {T}단계가 차례로",
        "par_title": "병렬 스캔(Hillis–Steele): {R}라운드",
        "inputs": "입력",
        "round": "라운드 {r}\n(간격 {s})",
        "step": "단계 {k}",
        "legend_done": "완성된 접두사 = $h_t$",
        "legend_partial": "아직 일부 구간",
        "imp_left": "Re λ<sup>k</sup>: 충격 응답",
        "imp_right": "복소평면의 λ<sup>k</sup>",
        "imp_x": "충격 뒤의 단계 k",
        "imp_env": "±|λ|<sup>k</sup>",
        "imp_circle": "단위원",
        "imp_r": "|λ| = ",
        "imp_phase": "위상 θ = ",
        "half": "|λ| = {r:g}: 반감기 {k:.1f}단계",
        "double": "|λ| = {r:g}: {k:.1f}단계마다 두 배",
        "flat": "|λ| = 1: 줄지도 늘지도 않음",
        "speed_title": "순전파 + 역전파 시간 (N = {N}, H = {H}, torch 스레드 {threads}개)",
        "speed_y": "시간 (ms)",
        "speed_x": "시퀀스 길이 T",
        "ratio_title": "시간의 비: 1보다 위면 스캔이 더 빠름",
        "ratio_y": "다른 방법의 시간 / 스캔의 시간",
        "methods": {"lstm": "torch nn.LSTM (C++ 루프)", "mingru_loop": "minGRU, 파이썬 루프",
                    "mingru_scan": "minGRU, 병렬 스캔",
                    "mingru_loop_index": "minGRU, a[:, t]로 인덱싱하는 파이썬 루프"},
        "ratios": {"mingru_loop_index": "인덱싱 루프 / 스캔", "mingru_loop": "파이썬 루프 / 스캔",
                   "lstm": "nn.LSTM / 스캔"},
    },
    "en": {
        "seq_title": "Sequential: {T} dependent steps",
        "par_title": "Parallel scan (Hillis–Steele): {R} rounds",
        "inputs": "inputs",
        "round": "round {r}\n(shift {s})",
        "step": "step {k}",
        "legend_done": "finished prefix = $h_t$",
        "legend_partial": "partial range",
        "imp_left": "Re λ<sup>k</sup>: the impulse response",
        "imp_right": "λ<sup>k</sup> in the complex plane",
        "imp_x": "steps k after the impulse",
        "imp_env": "±|λ|<sup>k</sup>",
        "imp_circle": "unit circle",
        "imp_r": "|λ| = ",
        "imp_phase": "phase θ = ",
        "half": "|λ| = {r:g}: half-life {k:.1f} steps",
        "double": "|λ| = {r:g}: doubles every {k:.1f} steps",
        "flat": "|λ| = 1: neither fades nor grows",
        "speed_title": "Forward + backward time (N = {N}, H = {H}, torch threads: {threads})",
        "speed_y": "time (ms)",
        "speed_x": "sequence length T",
        "ratio_title": "Ratio of times: above 1 the scan is faster",
        "ratio_y": "time of the other method / time of the scan",
        "methods": {"lstm": "torch nn.LSTM (C++ loop)", "mingru_loop": "minGRU, Python loop",
                    "mingru_scan": "minGRU, parallel scan",
                    "mingru_loop_index": "minGRU, Python loop indexing a[:, t]"},
        "ratios": {"mingru_loop_index": "indexing loop / scan", "mingru_loop": "Python loop / scan",
                   "lstm": "nn.LSTM / scan"},
    },
}
COLORS = {"lstm": "#4c72b0", "mingru_loop": "#dd8452", "mingru_scan": "#55a868", "mingru_loop_index": "#8172b3"}
DASHED = ("mingru_loop_index",)      # the loop whose backward pass is quadratic in T: a pitfall, not a method


def _labels(lang):
    if lang not in LABELS:
        raise ValueError(f"lang must be one of {tuple(LABELS)}, got {lang!r}")
    return LABELS[lang]


# -- the scan as a tree ----------------------------------------------------------------
def _box(ax, x, y, text, color, w, h, fontsize=9):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=color, edgecolor="#333333", linewidth=1.0))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=5)


def _arrow(ax, p, q, color="#333333", lw=1.2, ls="-"):
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(FancyArrowPatch(p, q, arrowstyle="-|>", mutation_scale=11, color=color, linewidth=lw,
                                 linestyle=ls, zorder=3, shrinkA=0, shrinkB=0))


def scan_tree(T=8, lang="ko"):
    """Matplotlib figure: T sequential steps beside the ⌈log2 T⌉ rounds of the Hillis–Steele scan.

    A box "i:t" holds the combined pair (a, b)_i ∘ … ∘ (a, b)_t; a green box starts at 1, so it
    is a finished prefix, i.e. h_t (from h_0 = 0). Arrows show which two boxes each combine reads.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    if not isinstance(T, int) or not 2 <= T <= 16:
        raise ValueError(f"T must be an integer in [2, 16], got {T!r}")
    L = _labels(lang)
    style.use_korean_font()
    rounds = int(np.ceil(np.log2(T)))
    done, partial = "#b9e3c6", "#f2f2f2"
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12.5, 4.6), gridspec_kw={"width_ratios": [1, 1.05]})
    for t in range(1, T + 1):                       # left: a chain, one new box per step
        y = -(t - 1) * 0.62
        _box(ax1, t, y, f"1:{t}", done, w=0.8, h=0.46, fontsize=9)
        if t > 1:
            _arrow(ax1, (t - 1 + 0.3, y + 0.62 - 0.23), (t - 0.15, y + 0.23), color="#555555")
    for t in range(1, T + 1):
        ax1.text(t, 0.55, str(t), ha="center", fontsize=9, color="0.3")
    ax1.text(0.45, 0.55, "t", ha="center", fontsize=9, color="0.3", style="italic")
    ax1.set_xlim(0.3, T + 0.7)
    ax1.set_ylim(-(T - 1) * 0.62 - 0.5, 0.9)
    ax1.axis("off")
    ax1.set_title(L["seq_title"].format(T=T), fontsize=11)
    start = np.arange(1, T + 1)                     # each box's range is start..t
    dy = 1.25
    for r in range(rounds + 1):
        y = -r * dy
        ax2.text(-0.15, y, L["inputs"] if r == 0 else L["round"].format(r=r, s=2 ** (r - 1)),
                 ha="right", va="center", fontsize=9)
        if r:
            shift = 2 ** (r - 1)
            new = start.copy()
            new[shift:] = start[:-shift]
            for t in range(1, T + 1):
                if t > shift:
                    _arrow(ax2, (t - shift, y + dy - 0.25), (t - 0.08, y + 0.25), color="#c44e52", lw=1.1)
                    _arrow(ax2, (t, y + dy - 0.25), (t, y + 0.25), color="#555555", lw=1.1)
                else:
                    _arrow(ax2, (t, y + dy - 0.25), (t, y + 0.25), color="#bbbbbb", lw=1.0, ls="--")
            start = new
        for t in range(1, T + 1):
            label = str(t) if r == 0 else f"{start[t - 1]}:{t}"
            _box(ax2, t, y, label, done if start[t - 1] == 1 else partial, w=0.8, h=0.5, fontsize=9)
    ax2.set_xlim(-1.6, T + 0.7)
    ax2.set_ylim(-rounds * dy - 0.6, 0.6)
    ax2.axis("off")
    ax2.set_title(L["par_title"].format(R=rounds), fontsize=11)
    ax2.legend(handles=[Patch(facecolor=done, edgecolor="#333333", label=L["legend_done"]),
                        Patch(facecolor=partial, edgecolor="#333333", label=L["legend_partial"])],
               loc="lower center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=9, frameon=False)
    style.use_korean_font(fig)
    fig.tight_layout()
    return fig


# -- the impulse response of a diagonal linear recurrence ------------------------------
RADII = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 1.0, 1.02, 1.05)
PHASES = ((0.0, "0"), (np.pi / 16, "π/16"), (np.pi / 8, "π/8"), (np.pi / 4, "π/4"),
          (np.pi / 2, "π/2"), (np.pi, "π"))


def _radius_title(r, L):
    if r == 1:
        return L["flat"]
    k = np.log(2) / abs(np.log(r))
    return (L["half"] if r < 1 else L["double"]).format(r=r, k=k)


def impulse_figure(lang="ko", T=80, radii=RADII, phases=PHASES, start=(3, 2)):
    """A plotly figure with two sliders, ``|λ|`` and the phase θ of ``λ = |λ| e^{iθ}``, that works without a kernel.

    Left: Re λ^k, the response of one unit of h_t = λ h_{t-1} + b_t to an impulse, with the
    envelope ``±|λ|^k``. Right: the points λ^k in the complex plane and the unit circle. One trace
    pair per phase: the ``|λ|`` slider rewrites the data of all of them (``restyle``), the phase
    slider only which pair is visible, so the two sliders combine.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    L = _labels(lang)
    radii = [float(r) for r in radii]
    if not radii or any(r <= 0 for r in radii):
        raise ValueError(f"radii must be positive numbers, got {radii!r}")
    r0, p0 = start
    k = np.arange(T)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4], horizontal_spacing=0.1,
                        subplot_titles=(L["imp_left"], L["imp_right"]))

    def powers(r, theta):
        return impulse_response(np.array([r * np.exp(1j * theta)]), T)[:, 0]

    for j, (theta, _) in enumerate(phases):
        z = powers(radii[r0], theta)
        fig.add_trace(go.Scatter(x=k, y=z.real, mode="lines+markers", marker_size=4, line_width=2,
                                 line_color="#c44e52", visible=j == p0, showlegend=False,
                                 hovertemplate="k = %{x}<br>Re λ<sup>k</sup> = %{y:.3f}<extra></extra>"),
                      row=1, col=1)
        fig.add_trace(go.Scatter(x=z.real[:40], y=z.imag[:40], mode="lines+markers", marker_size=5,
                                 line=dict(color="#c44e52", width=1), visible=j == p0, showlegend=False,
                                 hoverinfo="skip"), row=1, col=2)
    env = radii[r0] ** k
    for sign in (1, -1):
        fig.add_trace(go.Scatter(x=k, y=sign * env, mode="lines", line=dict(color="#555555", dash="dash", width=1.2),
                                 name=L["imp_env"], showlegend=sign == 1, hoverinfo="skip"), row=1, col=1)
    circle = np.linspace(0, 2 * np.pi, 121)
    fig.add_trace(go.Scatter(x=np.cos(circle), y=np.sin(circle), mode="lines", name=L["imp_circle"],
                             line=dict(color="#999999", width=1), hoverinfo="skip"), row=1, col=2)
    radius_args, phase_args = _impulse_steps(radii, phases, k, powers, L)
    fig.update_yaxes(range=[-2.2, 2.2], row=1, col=1)
    fig.update_xaxes(range=[0, T - 1], title_text=L["imp_x"], row=1, col=1)
    fig.update_xaxes(range=[-1.6, 1.6], row=1, col=2)
    fig.update_yaxes(range=[-1.6, 1.6], scaleanchor="x2", row=1, col=2)
    fig.update_annotations(font_size=13)
    fig.update_layout(
        height=560, template="plotly_white", title=dict(text=_radius_title(radii[r0], L), x=0.5, font_size=14),
        margin=dict(l=50, r=20, t=80, b=40),
        legend=dict(orientation="h", x=0.5, xanchor="center", y=1.02, yanchor="bottom"),
        sliders=[slider([f"{r:g}" for r in radii], radius_args, method="update", prefix=L["imp_r"],
                        active=r0, pad=dict(t=55), len=1.0, x=0),
                 slider([lab for _, lab in phases], phase_args, method="restyle", prefix=L["imp_phase"],
                        active=p0, pad=dict(t=150), len=1.0, x=0)])
    return fig


def _impulse_steps(radii, phases, k, powers, L):
    """Slider arguments: per radius new x, y for every trace and a title; per phase the visible pair."""
    n = 2 * len(phases)
    radius_args = []
    for r in radii:
        xs, ys = [], []
        for theta, _ in phases:
            z = powers(r, theta)
            xs += [k, z.real[:40]]
            ys += [z.real, z.imag[:40]]
        xs += [k, k]
        ys += [r ** k, -(r ** k)]
        radius_args.append([{"x": xs, "y": ys}, {"title.text": _radius_title(r, L)}, list(range(n + 2))])
    phase_args = [[{"visible": [i // 2 == j for i in range(n)]}, list(range(n))] for j in range(len(phases))]
    return radius_args, phase_args


# -- the stored speed measurements -----------------------------------------------------
def speed_figure(data, lang="ko"):
    """Matplotlib figure of ``rnnkit.results.load("recurrence_speed")``: times against T, and ratios."""
    import matplotlib.pyplot as plt

    L = _labels(lang)
    style.use_korean_font()
    rows, s = data["rows"], data["settings"]
    T = [row["T"] for row in rows]
    ms = {m: np.array([row["ms"][m] for row in rows]) for m in s["methods"]}
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2))
    for m in s["methods"]:
        ax1.loglog(T, ms[m], "o--" if m in DASHED else "o-", color=COLORS[m], lw=2, label=L["methods"][m])
    ax1.set_xlabel(L["speed_x"])
    ax1.set_ylabel(L["speed_y"])
    ax1.set_title(L["speed_title"].format(N=s["N"], H=s["H"], threads=s["threads"]), fontsize=10)
    ax1.legend(fontsize=9)
    for m in (m for m in L["ratios"] if m in ms):
        ax2.semilogx(T, ms[m] / ms["mingru_scan"], "o--" if m in DASHED else "o-", color=COLORS[m], lw=2,
                     label=L["ratios"][m])
    ax2.axhline(1.0, color="0.4", lw=1, ls="--")
    ax2.set_yscale("log")
    ticks = [0.1, 0.3, 1, 3, 10, 30, 100]
    ax2.set_yticks(ticks)
    ax2.set_yticklabels([f"{t:g}" for t in ticks])
    ax2.set_ylim(0.1, 100)
    ax2.set_xlabel(L["speed_x"])
    ax2.set_ylabel(L["ratio_y"])
    ax2.set_title(L["ratio_title"], fontsize=10)
    ax2.legend(fontsize=9)
    for ax in (ax1, ax2):
        ax.minorticks_off()
        ax.set_xticks(T)
        ax.set_xticklabels([str(t) for t in T])
    style.use_korean_font(fig)
    fig.tight_layout()
    return fig
