"""A beam's hypotheses over the decoding steps (chapter 06).

:func:`plot_beam` draws the ``history`` that :func:`rnnkit.models.beam.beam_search` returns
for one example: a column per step, the beam's K rows top (best) to bottom, each node the
token its hypothesis appended (a square for EOS, ␣ for a space), coloured by the prefix's
log-probability, joined to the node it extends. Nodes that no later hypothesis extends were pruned (drawn faint); a
finished hypothesis is carried along as a small grey dot. The path of the best final
hypothesis is red, that of ``mark`` (e.g. the correct output) blue, and the final
hypotheses are listed on the right with their log-probabilities.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from rnnkit.checks import check_int
from rnnkit.data.dates import EOS

from .style import use_korean_font

BEAM_LABELS = {"title": None, "x": "step $t$", "y": "rank in the beam", "colorbar": "log-probability of the prefix",
               "final": "final hypotheses, log $p$", "eos": "<eos>"}    # eos: the square's legend


def _grid(out, example):
    """(L, K) numpy arrays token, parent, log_prob, finished of one example's history."""
    h = out["history"]
    return [np.stack([step[key][example].numpy() for step in h]) for key in ("token", "parent", "log_prob",
                                                                           "finished")]


def _path(parent, k):
    """Beam rows of final row ``k``'s ancestors at every step (L,)."""
    rows = [k]
    for t in range(len(parent) - 1, 0, -1):
        rows.append(int(parent[t, rows[-1]]))
    return rows[::-1]


def _nodes(ax, vocab, grid, paths, norm):
    """The beam's nodes and edges; ``paths``: best and marked rows per step (marked may be None)."""
    token, parent, logp, finished = grid
    L, K = token.shape
    alive = np.isfinite(logp)
    was_finished = np.zeros_like(finished)
    was_finished[1:] = np.take_along_axis(finished[:-1], parent[1:], 1)
    extended = np.ones_like(alive)
    for t in range(L - 1):
        extended[t] = np.isin(np.arange(K), parent[t + 1][alive[t + 1]])
    cmap = plt.get_cmap("viridis")
    best, marked = paths
    for t, k in zip(*np.nonzero(alive)):
        faint = 1.0 if extended[t, k] else 0.35
        if t > 0:
            on_best = best[t] == k and best[t - 1] == parent[t, k]
            on_mark = marked is not None and marked[t] == k and marked[t - 1] == parent[t, k]
            color = "#c0392b" if on_best else ("#2e6fd8" if on_mark else "#999999")
            ax.plot([t, t + 1], [-parent[t, k], -k], color=color, lw=2.2 if on_best or on_mark else 0.8,
                    alpha=faint, zorder=1)
        if was_finished[t, k]:
            ax.plot([t + 1], [-k], "o", color="#bbbbbb", ms=3, zorder=2)
            continue
        tok = int(token[t, k])
        ax.scatter([t + 1], [-k], s=120 if tok == EOS else 170, color=cmap(norm(logp[t, k])), alpha=faint,
                   edgecolors="#333333", linewidths=0.5, zorder=2, marker="s" if tok == EOS else "o")
        if tok != EOS:
            char = "\u2423" if vocab.tokens[tok] == " " else vocab.tokens[tok]
            ax.text(t + 1, -k, char, ha="center", va="center", fontsize=9, zorder=3, alpha=faint,
                    color="white" if norm(logp[t, k]) < 0.55 else "black")


def plot_beam(out, vocab, example=0, ax=None, *, mark=None, labels=None, vmin=None):
    """Draw one example's beam over the decoding steps.

    Parameters
    ----------
    out : dict returned by ``rnnkit.models.beam.beam_search`` (with ``history``)
    vocab : the model's target :class:`rnnkit.data.vocab.Vocab` (to write the tokens)
    example : int, which row of the batch
    ax : Axes or None
    mark : str or None, an output (e.g. the correct one) whose path is drawn in blue if it is
        among the final hypotheses
    labels : dict overriding ``BEAM_LABELS`` (title, x, y, colorbar, final, eos)
    vmin : float or None, lower end of the colour scale (default: the lowest finite log-prob)

    Returns
    -------
    ax
    """
    use_korean_font()
    if not (isinstance(out, dict) and out.get("history")):
        raise ValueError("out must be the dict returned by rnnkit.models.beam.beam_search")
    example = check_int("example", example, 0, out["tokens"].shape[0] - 1)
    lab = {**BEAM_LABELS, **(labels or {})}
    grid = _grid(out, example)
    parent, logp = grid[1], grid[2]
    L, K = parent.shape
    alive = np.isfinite(logp)
    if ax is None:
        _, ax = plt.subplots(figsize=(0.55 * L + 4.2, 0.42 * K + 1.6))
    norm = plt.Normalize(vmin if vmin is not None else float(logp[alive].min()), 0.0)
    texts = [vocab.decode(row) for row in out["tokens"][example]]
    _nodes(ax, vocab, grid, (_path(parent, 0), _path(parent, texts.index(mark)) if mark in texts else None), norm)
    for k in np.flatnonzero(alive[-1]):
        ax.text(L + 0.7, -k, f"{texts[k]}   {logp[-1, k]:.3f}", ha="left", va="center", fontsize=9,
                family="monospace", color="#c0392b" if k == 0 else ("#2e6fd8" if texts[k] == mark else "black"))
    ax.text(L + 0.7, 0.9, lab["final"], ha="left", va="center", fontsize=9)
    ax.scatter([L + 0.85], [-K + 0.4], s=60, marker="s", color="#dddddd", edgecolors="#333333", linewidths=0.5)
    ax.text(L + 1.1, -K + 0.4, lab["eos"], ha="left", va="center", fontsize=9)
    ax.set(xlim=(0.4, L + 4.6), ylim=(-K + 0.1, 1.3), xlabel=lab["x"], ylabel=lab["y"])
    ax.set_xticks(range(1, L + 1))
    ax.set_yticks([-k for k in range(K)], [str(k + 1) for k in range(K)])
    ax.grid(False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.figure.colorbar(plt.cm.ScalarMappable(norm=norm, cmap="viridis"), ax=ax, fraction=0.03, pad=0.01,
                       label=lab["colorbar"])
    if lab["title"]:
        ax.set_title(lab["title"])
    use_korean_font(ax.figure)
    return ax
