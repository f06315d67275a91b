"""Box-and-arrow diagrams of RNNs drawn with matplotlib.

- :func:`sequence_task` / :func:`sequence_tasks`: the input/output patterns an RNN can
  serve (one-to-one, one-to-many, many-to-one, many-to-many, seq2seq).
- :func:`unrolled_graph`: the computational graph of an RNN unrolled over T steps with a
  many-to-many loss, the shared weights W drawn once and copied to every step.
- :func:`attention_step`: one decoder step of additive attention (scores, softmax over the
  source positions, weighted sum), each stage beside its equation (chapter 06).

Colours follow a common convention: inputs red, hidden states green, outputs blue,
losses yellow. All text is passed in by the caller, so Korean and English chapters draw
the same figure with their own labels; each function puts the Korean font in place
(:func:`rnnkit.figures.style.use_korean_font`), so Hangul renders.
"""
from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from rnnkit.checks import check_int

from .style import use_korean_font

COLORS = {
    "input": "#f6b3ae",
    "hidden": "#a8dba8",
    "hidden2": "#b9c7f0",   # a second RNN with its own weights (seq2seq decoder)
    "output": "#a9cdef",
    "loss": "#f7dc8c",
    "weight": "#d9d2e9",
    "grad": "#c0392b",
}
KINDS = ("one-to-one", "one-to-many", "many-to-one", "many-to-many", "seq2seq")


def _box(ax, x, y, text, color, w=0.62, h=0.5, fontsize=11, **kw):
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h,
                                boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=color, edgecolor="#333333", linewidth=1.0, **kw))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=5)


def _arrow(ax, p, q, color="#333333", lw=1.2, ls="-", style="-|>", rad=0.0):
    ax.add_patch(FancyArrowPatch(p, q, arrowstyle=style, mutation_scale=11, color=color,
                                 linewidth=lw, linestyle=ls, zorder=3,
                                 connectionstyle=f"arc3,rad={rad}", shrinkA=0, shrinkB=0))


def _finish(ax, xmin, xmax, ymin, ymax):
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.axis("off")


def _pattern(kind):
    """(n_steps, steps with an input, steps with an output, index of the first decoder step)."""
    if kind == "one-to-one":
        return 1, {0}, {0}, None
    if kind == "one-to-many":
        return 3, {0}, {0, 1, 2}, None
    if kind == "many-to-one":
        return 3, {0, 1, 2}, {2}, None
    if kind == "many-to-many":
        return 3, {0, 1, 2}, {0, 1, 2}, None
    if kind == "seq2seq":
        return 6, {0, 1, 2}, {3, 4, 5}, 3
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


def sequence_task(kind, ax=None, title=None, subtitle=None, encoder_label=None, decoder_label=None):
    """Draw one input/output pattern as a small unrolled RNN.

    Parameters
    ----------
    kind : one of ``KINDS``
    ax : matplotlib Axes or None (a new figure)
    title, subtitle : str or None, drawn above the diagram (e.g. "many-to-one",
        "sentiment analysis")
    encoder_label, decoder_label : str or None, names of the two halves of "seq2seq",
        wrapped at 16 characters a line. The decoder's steps read ``<sos>`` and then their
        own previous output (dashed), as s_t = f(y_{t-1}, s_{t-1}) says.

    Returns
    -------
    ax
    """
    use_korean_font()
    n, ins, outs, dec = _pattern(kind)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.0 + 0.8 * n, 2.6))
    dx = 0.9
    for t in range(n):
        decoding = dec is not None and t >= dec
        _box(ax, t * dx, 1.0, "$h$", COLORS["hidden2"] if decoding else COLORS["hidden"])
        if t in ins:
            _box(ax, t * dx, 0.0, "$x$", COLORS["input"])
            _arrow(ax, (t * dx, 0.25), (t * dx, 0.75))
        if t in outs:
            _box(ax, t * dx, 2.0, f"$y_{t - dec + 1}$" if decoding else "$y$", COLORS["output"])
            _arrow(ax, (t * dx, 1.25), (t * dx, 1.75))
        if decoding:          # s_t = f(y_{t-1}, s_{t-1}): the decoder reads <sos>, then its own last output
            k = t - dec
            _box(ax, t * dx, 0.0, "<sos>" if k == 0 else f"$y_{k}$", COLORS["output"], fontsize=8 if k == 0 else 11)
            _arrow(ax, (t * dx, 0.25), (t * dx, 0.75))
            if k > 0:
                _arrow(ax, ((t - 1) * dx + 0.31, 1.8), (t * dx - 0.31, 0.2), color="#888888", ls="--", lw=1.0)
        if t > 0:
            _arrow(ax, ((t - 1) * dx + 0.31, 1.0), (t * dx - 0.31, 1.0))
    bottom = -0.8
    if dec is not None:
        for label, x0, x1 in ((encoder_label, 0, dec - 1), (decoder_label, dec, n - 1)):
            if label:       # at most ~16 characters a line: the two halves are three boxes wide each
                lines = textwrap.fill(label, 16)
                ax.text((x0 + x1) * dx / 2, -0.4, lines, ha="center", va="top", fontsize=9)
                bottom = min(bottom, -0.9 - 0.3 * lines.count("\n"))
    top = 2.55
    if subtitle:
        ax.text((n - 1) * dx / 2, top, subtitle, ha="center", va="bottom", fontsize=9, color="#555555")
        top += 0.35
    if title:
        ax.text((n - 1) * dx / 2, top, title, ha="center", va="bottom", fontsize=11, weight="bold")
    span = max(n - 1, 2) * dx
    mid = (n - 1) * dx / 2
    _finish(ax, mid - span / 2 - 0.5, mid + span / 2 + 0.5, bottom, 3.2)
    return ax


def sequence_tasks(kinds=KINDS, titles=None, subtitles=None, encoder_label=None,
                   decoder_label=None, figsize=None):
    """All patterns side by side, one panel each; returns the figure.

    ``titles`` and ``subtitles`` are sequences parallel to ``kinds`` (or None).
    """
    use_korean_font()
    kinds = tuple(kinds)
    for k in kinds:
        _pattern(k)
    for name, seq in (("titles", titles), ("subtitles", subtitles)):
        if seq is not None and len(seq) != len(kinds):
            raise ValueError(f"{name} must have one entry per kind ({len(kinds)}), got {len(seq)}")
    widths = [max(_pattern(k)[0], 3) + (0.6 if k == "seq2seq" else 0) for k in kinds]
    fig, axes = plt.subplots(1, len(kinds), figsize=figsize or (0.72 * sum(widths), 2.6),
                             gridspec_kw={"width_ratios": widths})
    axes = [axes] if len(kinds) == 1 else list(axes)
    for i, (k, ax) in enumerate(zip(kinds, axes)):
        sequence_task(k, ax, title=titles[i] if titles else None,
                      subtitle=subtitles[i] if subtitles else None,
                      encoder_label=encoder_label, decoder_label=decoder_label)
    fig.tight_layout()
    return fig


def _copy_edge(ax, X, ys, label):
    """The edge between the weight bus and step t at ``X``: a dashed copy going up, or
    (with a gradient ``label``) a red gradient going back down into the bus."""
    y_bus, y_x, y_h = ys
    red, grey = COLORS["grad"], "#888888"
    if label is not None:
        _arrow(ax, (X + 0.3, y_h - 0.25), (X + 0.3, y_bus + 0.02), color=red, lw=1.6)
        ax.text(X + 0.4, (y_bus + y_x) / 2 - 0.05, label, color=red, fontsize=9, ha="left", va="center")
    else:
        _arrow(ax, (X + 0.3, y_bus), (X + 0.3, y_h - 0.25), color=grey, ls="--", lw=1.1)
    ax.plot([X + 0.3], [y_bus], "o", color=red if label is not None else grey, ms=4, zorder=4)


def _weight_bus(ax, x_end, y_bus, weight_label, weight_note, backward):
    """The shared weights, drawn once, and the bus that copies them to every step
    (backward: the bus carries the gradients back, and W sums them)."""
    _box(ax, 0.0, y_bus, weight_label, COLORS["weight"], w=0.9, h=0.55)
    if backward:
        _arrow(ax, (x_end, y_bus), (0.45, y_bus), color=COLORS["grad"], lw=1.6)
        ax.text(0.6, y_bus + 0.08, r"$\Sigma$", color=COLORS["grad"], fontsize=14, ha="left", va="bottom")
    else:
        ax.plot([0.45, x_end], [y_bus, y_bus], color="#888888", lw=1.1, ls="--", zorder=2)
    if weight_note:
        ax.text(0.0, y_bus - 0.45, weight_note, ha="center", va="top", fontsize=9)


def unrolled_graph(T=4, ax=None, *, backward=False, weight_label="$W$", weight_note=None,
                   loss_label=r"$L=\Sigma_t\,L_t$", copy_labels=None, h0_label="$h_0$"):
    """The unrolled computational graph of a many-to-many RNN.

    Row by row from the bottom: the shared weights W (drawn once, copied to every step
    along a bus), inputs x_t, hidden states h_t (h_0 on the left), outputs y_t, losses
    L_t, and the total loss L.

    Parameters
    ----------
    T : int >= 1, number of time steps
    ax : Axes or None
    backward : bool
        False: forward edges in black, copy edges dashed grey, the copy node as dots.
        True: the copy edges drawn in red, pointing back into W, each labelled with the
        gradient it carries, and a sum sign at W: the copy node adds them up.
    weight_label, weight_note : text inside the W box, and below it (e.g. "shared")
    loss_label : text of the total-loss node
    copy_labels : None or a list of T strings, labels of the copy edges in backward mode
        (default ``dL/dW^(t)``)
    h0_label : text of the initial-state box

    Returns
    -------
    ax
    """
    use_korean_font()
    T = check_int("T", T, 1)
    if copy_labels is not None and len(copy_labels) != T:
        raise ValueError(f"copy_labels must have T = {T} entries, got {len(copy_labels)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(1.55 * T + 2.0, 5.0))
    sx = 2.0                                   # horizontal distance between steps
    y_bus, y_x, y_h, y_y, y_l, y_L = -1.0, 0.0, 1.5, 2.8, 4.1, 5.4

    _box(ax, 0.0, y_h, h0_label, COLORS["hidden"], w=0.8)
    for t in range(1, T + 1):
        X = t * sx
        _box(ax, X - 0.35, y_x, f"$x_{t}$", COLORS["input"], w=0.6)
        _box(ax, X, y_h, f"$h_{t}$", COLORS["hidden"], w=0.9)
        _box(ax, X, y_y, f"$y_{t}$", COLORS["output"], w=0.8)
        _box(ax, X, y_l, f"$L_{t}$", COLORS["loss"], w=0.8)
        _arrow(ax, (X - 0.35, y_x + 0.25), (X - 0.35, y_h - 0.25))          # x_t -> h_t
        _arrow(ax, ((t - 1) * sx + 0.45, y_h), (X - 0.45, y_h))            # h_{t-1} -> h_t
        _arrow(ax, (X, y_h + 0.25), (X, y_y - 0.25))                        # h_t -> y_t
        _arrow(ax, (X, y_y + 0.25), (X, y_l - 0.25))                        # y_t -> L_t
        Lx = (T + 1) * sx / 2
        _arrow(ax, (X, y_l + 0.25), (Lx + 0.25 * (X - Lx) / max(T, 1), y_L - 0.28), lw=0.9)
        label = None
        if backward:
            label = copy_labels[t - 1] if copy_labels else rf"$\partial L/\partial W^{{({t})}}$"
        _copy_edge(ax, X, (y_bus, y_x, y_h), label)
    _weight_bus(ax, T * sx + 0.3, y_bus, weight_label, weight_note, backward)

    Lx = (T + 1) * sx / 2
    _box(ax, Lx, y_L, loss_label, COLORS["loss"], w=1.7, h=0.55)
    _finish(ax, -0.7, T * sx + 1.3, y_bus - 0.9, y_L + 0.5)
    return ax


ATTENTION_LABELS = {
    "title": None,
    "decoder": "$s_t$",
    "softmax": "softmax over $j$",
    "score": r"$e_{t,j} = v^\top \tanh(W_q\, s_t + W_k\, h_j + b_k)$",
    "weights": r"$\alpha_{t,j} = \exp e_{t,j} \,/\, \sum_{j'} \exp e_{t,j'}$",
    "context": r"$c_t = \sum_j \alpha_{t,j}\, h_j$",
    "output": r"$\hat y_t = \mathrm{softmax}(W_{hy} [s_t; c_t] + b_y)$",
}


def _check_weights(source, weights):
    import numpy as np

    if isinstance(source, str) or not all(isinstance(c, str) for c in source) or not source:
        raise ValueError(f"source must be a non-empty list of strings (one per encoder position), got {source!r}")
    w = np.asarray(weights, dtype=float)
    if w.shape != (len(source),) or not np.isfinite(w).all() or (w < 0).any() or abs(w.sum() - 1) > 1e-3:
        raise ValueError(f"weights must be {len(source)} finite non-negative numbers summing to 1 (one per "
                         f"source position), got shape {w.shape}, sum {w.sum() if w.size else 0:.4g}")
    return w


def attention_step(source, weights, ax=None, *, labels=None):
    """One decoder step of additive attention, from the bottom up: the encoder states h_j under
    their source characters, the scores e_{t,j} (each from h_j and the decoder state s_t), the
    softmax over the source positions, the weights alpha_{t,j} drawn as bars (``weights``), the
    weighted sum c_t (line widths follow alpha) and the output from [s_t; c_t]. Each stage's
    equation is written beside it.

    Parameters
    ----------
    source : list of S strings, the source characters (position j = 1..S); a space is drawn as ␣
    weights : (S,) array_like, the step's attention weights (non-negative, summing to 1)
    ax : Axes or None
    labels : dict overriding ``ATTENTION_LABELS`` (title, decoder, softmax, score, weights,
        context, output); the chapters pass their language's words

    Returns
    -------
    ax
    """
    use_korean_font()
    w = _check_weights(source, weights)
    lab = {**ATTENTION_LABELS, **(labels or {})}
    xs = [j * 0.8 for j in range(len(source))]
    right = xs[-1]
    ax = ax if ax is not None else plt.subplots(figsize=(0.55 * len(xs) + 5.5, 4.6))[1]
    y_h, y_bus, y_e, y_sm, y_a, y_c = 0.0, 0.68, 1.3, 2.35, 2.95, 5.1
    _box(ax, -1.5, y_bus, lab["decoder"], COLORS["hidden2"], w=0.9, h=0.45)
    ax.plot([-1.05, right + 0.2], [y_bus, y_bus], color="#888888", lw=1.0, ls="--", zorder=2)
    for j, x in enumerate(xs):
        ax.text(x, y_h - 0.45, "\u2423" if source[j] == " " else source[j], ha="center", va="top", fontsize=9)
        _box(ax, x, y_h, f"$h_{{{j + 1}}}$", COLORS["hidden"], w=0.62, h=0.42, fontsize=7)
        _box(ax, x, y_e, f"$e_{{{j + 1}}}$", COLORS["weight"], w=0.62, h=0.42, fontsize=7)
        _arrow(ax, (x - 0.14, y_h + 0.21), (x - 0.14, y_e - 0.21), lw=0.8)
        _arrow(ax, (x + 0.14, y_bus), (x + 0.14, y_e - 0.21), color="#888888", lw=0.8)
        _arrow(ax, (x, y_e + 0.21), (x, y_sm - 0.2), lw=0.8)
        ax.add_patch(plt.Rectangle((x - 0.25, y_a), 0.5, 1.5 * w[j], facecolor="#e67e22", edgecolor="none"))
        if w[j] >= 0.05:
            ax.text(x, y_a + 1.5 * w[j] + 0.05, f"{w[j]:.2f}", ha="center", va="bottom", fontsize=7)
    ax.add_patch(FancyBboxPatch((-0.3, y_sm - 0.2), right + 0.6, 0.4, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor="#fdebd0", edgecolor="#333333", linewidth=1.0))
    ax.text(right / 2, y_sm, lab["softmax"], ha="center", va="center", fontsize=9, zorder=5)
    x_c = right / 2
    for x, wj in zip(xs, w):          # the weighted sum: one line per position, as wide as its weight
        ax.plot([x, x_c], [y_a + 1.5 * wj, y_c - 0.25], color="#e67e22", lw=0.3 + 4 * wj, alpha=0.8, zorder=2)
    _box(ax, x_c, y_c, "$c_t$", COLORS["hidden2"], w=0.8, h=0.5)
    _box(ax, x_c + 1.7, y_c, r"$[s_t; c_t]$", COLORS["hidden2"], w=1.3, h=0.5, fontsize=9)
    _box(ax, x_c + 3.4, y_c, r"$\hat y_t$", COLORS["output"], w=0.7, h=0.5)
    for x0, x1 in ((x_c + 0.4, x_c + 1.05), (x_c + 2.35, x_c + 3.05)):
        _arrow(ax, (x0, y_c), (x1, y_c))
    ax.plot([-1.5, -1.5, x_c + 1.7], [y_bus + 0.23, y_c + 0.65, y_c + 0.65], color="#888888", lw=1.0, ls="--")
    _arrow(ax, (x_c + 1.7, y_c + 0.65), (x_c + 1.7, y_c + 0.25), color="#888888", lw=1.0)
    eq_x = right + 0.7
    for x, y, key in ((eq_x, y_e, "score"), (eq_x, y_sm, "weights"), (eq_x, y_a + 0.6, "context"),
                      (x_c + 3.85, y_c, "output")):
        ax.text(x, y, lab[key], ha="left", va="center", fontsize=10)
    if lab["title"]:
        ax.text(right / 2, y_c + 1.0, lab["title"], ha="center", va="bottom", fontsize=11, weight="bold")
    _finish(ax, -2.1, max(eq_x + 5.2, x_c + 8.6), y_h - 0.9, y_c + 1.5)
    use_korean_font(ax)
    return ax
