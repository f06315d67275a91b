"""Chapter 03's figures: which gradient terms truncated BPTT keeps, as a figure and a widget."""
from __future__ import annotations

import numpy as np

from rnnkit.analysis.bptt import SCHEMES, truncation_mask

from .web import slider
from .style import use_korean_font


def _log_scale(norms, floor):
    """(T, causal mask, log10 norms, lowest and highest value shown) of a (T, T) ``norms``."""
    norms = np.asarray(norms, dtype=np.float64)
    if norms.ndim != 2 or norms.shape[0] != norms.shape[1]:
        raise ValueError(f"norms must have shape (T, T), got {norms.shape}")
    T = norms.shape[0]
    causal = np.tril(np.ones((T, T), bool))
    logn = np.log10(np.maximum(norms, 1e-300))
    positive = causal & (norms > 0)
    if not positive.any():
        raise ValueError("norms must hold at least one positive entry with k <= t")
    lo = np.percentile(logn[positive], 2) if floor is None else floor
    return T, causal, logn, lo, logn[positive].max()


def _grid(values):
    """Nested lists with None for blanks, rounded so the HTML stays small and stable."""
    return [[None if v is None or not np.isfinite(v) else round(float(v), 2) for v in row]
            for row in values]


def truncation_figure(norms, Ks, titles, step_titles, labels, floor=None):
    """Kernel-free plotly figure: which terms C[t, k] each scheme keeps, slider over K.

    One heatmap per scheme (chunked left, sliding right) of ``log10 ||C[t, k]||`` over
    loss step t (rows) and weight-use step k (columns). Kept terms are coloured, dropped
    ones grey; terms with k > t do not exist and stay blank.

    Parameters
    ----------
    norms : (T, T) array from :func:`~rnnkit.analysis.bptt.contribution_norms`
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

    if len(step_titles) != len(Ks):
        raise ValueError(f"step_titles must have one entry per K ({len(Ks)}), got {len(step_titles)}")
    T, causal, logn, lo, hi = _log_scale(norms, floor)
    steps_axis = list(range(1, T + 1))
    def kept_z(K, scheme):
        keep = truncation_mask(T, K, scheme)
        return _grid(np.where(keep, np.maximum(logn, lo), np.nan))

    grey = _grid(np.where(causal, 0.0, np.nan))
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
    args = [[{"z": [kept_z(K, "chunked"), kept_z(K, "sliding")]}, {"title.text": title}, [1, 3]]
            for K, title in zip(Ks, step_titles)]
    fig.update_layout(height=410, template="plotly_white", title={"text": step_titles[0]},
                      margin={"l": 50, "r": 20, "t": 80, "b": 40},
                      sliders=[slider([str(K) for K in Ks], args, prefix=labels["K"], pad={"t": 40})])
    return fig


def truncation_explorer(norms, labels):
    """ipywidgets: pick K, the loss step t and the scheme; see which terms are dropped.

    Draws the norms ``||C[t, k]||_F`` of the chosen loss step t for k = 1..t as bars on a
    log scale, kept terms in colour, dropped terms in grey. Labels may mix $...$ and Hangul.

    Parameters
    ----------
    norms : (T, T) array from :func:`~rnnkit.analysis.bptt.contribution_norms`
    labels : dict with "K", "t", "scheme", "k", "norm", "kept", "dropped",
        "schemes" (dict scheme -> display name) and "title" (a format string with
        fields {t}, {K}, {scheme}, {n_kept}, {n}).

    Returns
    -------
    ipywidgets.VBox (controls, output)
    """
    use_korean_font()
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    T = _log_scale(norms, None)[0]
    norms = np.asarray(norms, dtype=np.float64)
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
        use_korean_font(fig)
        fig.tight_layout()
        with out:
            out.clear_output(wait=True)
            display(fig)
        plt.close(fig)

    for w in (K_slider, t_slider, scheme):
        w.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([K_slider, t_slider, scheme]), out])
