"""Figures, tables and widgets of chapter 07 (the character LM of 『무정』).

Everything a chapter cell would otherwise spell out in more than a few lines:

- text statistics: :func:`rank_frequency`, :func:`tokenization_stats` (syllable / 자모 / word);
- the batching picture: :func:`plot_stream_batches`;
- the embedding: :func:`nearest_neighbours`, :func:`neighbour_agreement`;
- training and results: :func:`plot_training_log`, :func:`plot_bench_curves`, :func:`result_rows`;
- temperature: :func:`next_char_probs`, :func:`plot_temperature_bars`,
  :func:`temperature_figure` (kernel-free plotly slider), :func:`sampler_widget` (ipywidgets);
- samples: :func:`longest_copy` (the longest piece of a sample found in the training text).

Labels (axis titles, legends, messages) are always passed in by the caller, so the Korean
and the English chapter run the same code with different strings.
"""
from __future__ import annotations

import html
import math
from collections import Counter

import matplotlib
import numpy as np
import torch

from rnnkit.data import StreamBatches, decompose

from .model import CharLM
from .sample import check_prompt, next_token_distribution, sample

#: Shown instead of characters that would be invisible in a figure.
VISIBLE = {"\n": "↵", " ": "␣", "\t": "⇥"}


def show_char(c):
    """``c`` as something visible in a figure: newline ↵, space ␣, tab ⇥."""
    return VISIBLE.get(c, c)


def _check_labels(labels, keys, name="labels"):
    if not isinstance(labels, dict):
        raise ValueError(f"{name} must be a dict with keys {sorted(keys)}, got {type(labels).__name__}")
    missing = sorted(set(keys) - set(labels))
    if missing:
        raise ValueError(f"{name} lacks the key(s) {missing}; expected keys {sorted(keys)}")


def _check_model(model, vocab):
    if not isinstance(model, CharLM):
        raise ValueError(f"model must be a CharLM, got {type(model).__name__}")
    if len(vocab) != model.vocab_size:
        raise ValueError(f"vocab has {len(vocab)} characters but the model predicts "
                         f"vocab_size = {model.vocab_size}")


def _check_temperature(t, name="temperature"):
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t < 0:
        raise ValueError(f"{name} must be a finite number >= 0 (0 = greedy), got {t!r}")
    return float(t)


def _check_int(name, value, low):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


# ---------------------------------------------------------------------------------------
# The text


def rank_frequency(text):
    """Characters of ``text`` from the most to the least frequent.

    Returns
    -------
    chars : list of str, length V (ties in code-point order)
    counts : int64 array (V,), non-increasing, ``counts.sum() == len(text)``
    """
    if not isinstance(text, str) or not text:
        raise ValueError(f"text must be a non-empty str, got {text!r:.40}")
    pairs = sorted(Counter(text).items(), key=lambda kv: (-kv[1], kv[0]))
    return [c for c, _ in pairs], np.array([n for _, n in pairs], dtype=np.int64)


def _units(text, kind):
    if kind == "syllable":
        return list(text)
    if kind == "jamo":
        return list(decompose(text))
    if kind == "word":
        return text.split()
    raise ValueError(f"kind must be one of ('syllable', 'jamo', 'word'), got {kind!r}")


def tokenization_stats(train_text, valid_text, kinds=("syllable", "jamo", "word")):
    """How the same split looks when cut into syllables, 자모 or words (space-separated 어절).

    Parameters
    ----------
    train_text, valid_text : non-empty str, the standard split
    kinds : subset of ("syllable", "jamo", "word")

    Returns
    -------
    list of dicts, one per kind: ``kind``; ``vocab`` (distinct tokens of the training
    part); ``train_tokens``, ``valid_tokens`` (sequence lengths); ``oov_tokens`` (held-out
    tokens never seen in training), ``oov_rate`` (their fraction of the held-out tokens);
    ``oov_types`` (distinct such tokens).
    """
    for name, t in (("train_text", train_text), ("valid_text", valid_text)):
        if not isinstance(t, str) or not t:
            raise ValueError(f"{name} must be a non-empty str, got {t!r:.40}")
    rows = []
    for kind in kinds:
        tr, va = _units(train_text, kind), _units(valid_text, kind)
        seen = set(tr)
        unseen = [u for u in va if u not in seen]
        rows.append(dict(kind=kind, vocab=len(seen), train_tokens=len(tr), valid_tokens=len(va),
                         oov_tokens=len(unseen), oov_rate=len(unseen) / max(len(va), 1),
                         oov_types=len(set(unseen))))
    return rows


def plot_stream_batches(ax, text, batch_size, seq_len, labels):
    """Draw how :class:`~rnnkit.data.StreamBatches` cuts ``text`` into B rows and T-wide windows.

    Each cell is one input character ``x[b, t]``; cells of the same window share a colour,
    and the row of window k + 1 continues the row of window k. Targets are the same grid
    shifted one place to the left.

    Parameters
    ----------
    ax : matplotlib Axes
    text : str, short (at most 200 characters, or the cells become unreadable)
    batch_size, seq_len : B >= 1 streams, T >= 1 steps per window
    labels : dict with "row" (format with {b}), "window" (format with {k}), "title"

    Returns
    -------
    StreamBatches over ``range(len(text))`` (ids are character positions)
    """
    _check_labels(labels, {"row", "window", "title"})
    if not isinstance(text, str) or not 2 <= len(text) <= 200:
        raise ValueError(f"text must be a str of 2 to 200 characters, got {text!r:.40}")
    sb = StreamBatches(np.arange(len(text)), batch_size, seq_len)
    B, L, T = sb.batch_size, sb.stream_length, sb.seq_len
    colors = ["#cfe2f3", "#fce5cd", "#d9ead3", "#ead1dc", "#fff2cc", "#d0e0e3"]
    for b in range(B):
        for j in range(L):
            k = j // T
            ax.add_patch(_rect(j, b, colors[k % len(colors)]))
            ax.text(j + 0.5, b + 0.5, show_char(text[sb.xs[b, j]]), ha="center", va="center", fontsize=11)
    for k in range(len(sb)):
        x0 = k * T
        x1 = min(L, x0 + T)
        ax.text((x0 + x1) / 2, -0.25, labels["window"].format(k=k + 1), ha="center", va="bottom", fontsize=10)
        if k:
            ax.axvline(x0, color="0.3", lw=1.5)
    ax.set_xlim(0, L)
    ax.set_ylim(B, -0.9)
    ax.set_yticks(np.arange(B) + 0.5, [labels["row"].format(b=b + 1) for b in range(B)])
    ax.set_xticks([])
    ax.grid(False)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title(labels["title"], pad=14)
    return sb


def _rect(x, y, color):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), 1, 1, facecolor=color, edgecolor="white", lw=1.5)


# ---------------------------------------------------------------------------------------
# The embedding


def _unit_rows(model, vectors=None):
    if vectors is None:                  # what the model reads: with 자모 parts, own row + parts
        vectors = model.token_vectors() if hasattr(model, "token_vectors") else model.embed.weight
    W = torch.as_tensor(vectors).detach().double()
    if W.dim() != 2 or W.shape[0] != model.vocab_size:
        raise ValueError(f"vectors must have shape (V, E) = ({model.vocab_size}, E), got {tuple(W.shape)}")
    return W / W.norm(dim=1, keepdim=True).clamp_min(1e-12)


def nearest_neighbours(model, vocab, chars, k=5, *, among=None, vectors=None):
    """The ``k`` characters whose embedding rows have the largest cosine with each of ``chars``.

    Parameters
    ----------
    model : CharLM;  vocab : its Vocab
    chars : str or iterable of single characters, each in ``vocab``
    k : int >= 1
    among : None (every character) or an iterable of characters to search in
    vectors : None (the vectors the model reads, ``model.token_vectors()``) or a (V, E)
        tensor, e.g. ``model.embed.weight`` (a syllable's own row, without shared 자모 parts)

    Returns
    -------
    dict char -> list of ``k`` pairs (neighbour, cosine), most similar first; a character
    is never its own neighbour.
    """
    _check_model(model, vocab)
    k = _check_int("k", k, 1)
    chars = list(chars)
    unknown = [c for c in chars if c not in vocab]
    if not chars or unknown:
        raise ValueError(f"chars must be non-empty characters of the vocabulary, unknown: {unknown!r}")
    pool = list(vocab.chars) if among is None else list(among)
    bad = [c for c in pool if c not in vocab]
    if bad:
        raise ValueError(f"among holds characters not in the vocabulary: {bad[:10]!r}")
    U = _unit_rows(model, vectors)
    pool_ids = torch.as_tensor(vocab.encode("".join(pool)))
    out = {}
    for c in chars:
        cos = U[pool_ids] @ U[vocab.index[c]]
        cos[torch.as_tensor([p == c for p in pool])] = -math.inf
        n = min(k, len(pool) - (c in pool))
        if n < 1:
            raise ValueError(f"among must hold at least one character besides {c!r}")
        top = torch.topk(cos, n)
        out[c] = [(pool[int(i)], round(float(v), 3)) for v, i in zip(top.values, top.indices)]
    return out


def neighbour_agreement(model, vocab, chars, key, k=5, *, vectors=None):
    """How often a character's nearest neighbours (within ``chars``) share its ``key``.

    Parameters
    ----------
    chars : iterable of at least k + 1 distinct characters of the vocabulary
    key : callable char -> hashable (e.g. "has a final consonant")
    k : neighbours per character
    vectors : as in :func:`nearest_neighbours`

    Returns
    -------
    (observed, chance) : the mean fraction of the k neighbours with the same key, and the
    same fraction for k characters drawn at random from the others (what an embedding that
    ignores ``key`` would give)
    """
    chars = list(dict.fromkeys(chars))
    k = _check_int("k", k, 1)
    if len(chars) < k + 1:
        raise ValueError(f"chars must hold at least k + 1 = {k + 1} distinct characters, got {len(chars)}")
    if not callable(key):
        raise ValueError(f"key must be a callable char -> category, got {type(key).__name__}")
    nn = nearest_neighbours(model, vocab, chars, k, among=chars, vectors=vectors)
    keys = {c: key(c) for c in chars}
    sizes = Counter(keys.values())
    observed = np.mean([np.mean([keys[d] == keys[c] for d, _ in nn[c]]) for c in chars])
    chance = np.mean([(sizes[keys[c]] - 1) / (len(chars) - 1) for c in chars])
    return float(observed), float(chance)


# ---------------------------------------------------------------------------------------
# Training log and results


def plot_training_log(ax, log, labels, *, x="step", baselines=()):
    """Training and held-out bits per token from a checkpoint's ``log``.

    Parameters
    ----------
    ax : matplotlib Axes
    log : list of dicts with step, seconds, train_bpc, valid_bpc (as ``ckpt["log"]``)
    labels : dict with "train", "valid", "x"
    x : "step" or "minutes" (training time)
    baselines : iterable of (name, bpc), drawn as dashed horizontal lines
    """
    _check_labels(labels, {"train", "valid", "x"})
    if x not in ("step", "minutes"):
        raise ValueError(f"x must be 'step' or 'minutes', got {x!r}")
    if not log:
        raise ValueError("log must hold at least one record")
    xs = [r["step"] if x == "step" else r["seconds"] / 60 for r in log]
    ax.plot(xs, [r["train_bpc"] for r in log], "o-", ms=3, label=labels["train"])
    valid = [(a, r["valid_bpc"]) for a, r in zip(xs, log) if r.get("valid_bpc") is not None]
    if valid:
        ax.plot(*zip(*valid), "s-", ms=3, label=labels["valid"])
    for i, (name, bpc) in enumerate(baselines):
        ax.axhline(bpc, ls="--", lw=1, color=f"C{i + 2}")
        ax.annotate(name, (1.0, bpc), xycoords=("axes fraction", "data"), xytext=(-4, 2),
                    textcoords="offset points", ha="right", va="bottom", fontsize=8, color=f"C{i + 2}")
    ax.set_xlabel(labels["x"])
    ax.legend(loc="upper right", fontsize=9)


def plot_bench_curves(ax, bench, labels, *, baselines=True):
    """Held-out bits per character against training minutes for every run of the benchmark.

    Parameters
    ----------
    ax : matplotlib Axes
    bench : ``rnnkit.results.load("charlm_bench")`` (runs with a ``log`` of step, seconds,
        valid_bpc; a 자모 run logs bits per *jamo*, rescaled here to bits per character
        with the run's final ratio heldout_bpc / heldout_bits_per_token). A mixture run
        (one with ``heldout_lstm_bpc``: an LSTM plus an n-gram) is drawn as one star at
        its final number, since its log follows the LSTM alone
    labels : dict with "x", "y"
    baselines : draw the count models of ``bench["ngrams"]`` below 6 bpc as dashed lines

    Returns
    -------
    dict run name -> (minutes, bpc) arrays as drawn
    """
    _check_labels(labels, {"x", "y"})
    if not isinstance(bench, dict) or "runs" not in bench:
        raise ValueError("bench must be the dict of rnnkit.results.load('charlm_bench') (with 'runs')")
    curves = []                         # (run, [(minutes, bpc), ...]) of every run with a logged curve
    for r in sorted(bench["runs"], key=lambda r: -(r.get("heldout_bpc") or 0)):
        pts = [(e["seconds"] / 60, e["valid_bpc"]) for e in r.get("log") or [] if e.get("valid_bpc") is not None]
        if pts:
            curves.append((r, pts))
    lines = [r for r, _ in curves if r.get("heldout_lstm_bpc") is None]
    # strong colours for the best runs (drawn last), pale ones for the rest
    palette = matplotlib.colormaps["tab20"].colors[::2] + matplotlib.colormaps["tab20"].colors[1::2]
    color = {r["name"]: palette[(len(lines) - 1 - i) % len(palette)] for i, r in enumerate(lines)}
    drawn = {}
    for r, pts in curves:
        if r.get("heldout_lstm_bpc") is not None:
            minutes, bpc = np.array([pts[-1][0]]), np.array([r["heldout_bpc"]])
            ax.plot(minutes, bpc, "*", ms=12, color="k", label=r["name"])
            drawn[r["name"]] = (minutes, bpc)
            continue
        scale = 1.0
        if r.get("heldout_bpc") and r.get("heldout_bits_per_token"):
            scale = r["heldout_bpc"] / r["heldout_bits_per_token"]
        minutes, bpc = np.array([m for m, _ in pts]), np.array([b for _, b in pts]) * scale
        ax.plot(minutes, bpc, "o-", ms=3, lw=1.3, label=r["name"], color=color[r["name"]])
        drawn[r["name"]] = (minutes, bpc)
    if baselines:
        for g in bench.get("ngrams") or []:
            if g["heldout_bpc"] < 6:
                ax.axhline(g["heldout_bpc"], ls="--", lw=1, color="0.5")
                ax.annotate(g["name"], (0.0, g["heldout_bpc"]), xycoords=("axes fraction", "data"), xytext=(4, 2),
                            textcoords="offset points", fontsize=8, color="0.4")
    ax.set_xlabel(labels["x"])
    ax.set_ylabel(labels["y"])
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)   # beside the axes, off the curves
    return drawn


def result_rows(bench, shipped=None):
    """Rows of the chapter's results table from ``rnnkit.results.load("charlm_bench")``.

    Parameters
    ----------
    bench : dict with "ngrams" (name, heldout_bpc) and "runs" (name, config, parameters,
        steps, heldout_bpc, heldout_bits_per_token, dynamic_bpc, minutes)
    shipped : None, a dict(name, parameters, steps, minutes, heldout_bpc, dynamic_bpc, train_bpc),
        or a list of such dicts (rows appended in that order; missing numbers are shown as None)

    Returns
    -------
    list of dicts: name, tokens ("syllable" / "jamo" / "-" for counts), parameters (int or
    None), steps (None for counts), minutes, bpc (held-out bits per original character,
    i.e. per syllable for 자모 models), bits_per_token, dynamic (or None), train_bpc (the
    last training loss in bits per token, with dropout on; None for counts), shared_cpu
    (True for a run that shared the CPU with another job and so made fewer updates in its
    budget); count models first, then the runs from the highest bpc to the lowest, then
    the ``shipped`` rows.
    """
    if not isinstance(bench, dict) or "runs" not in bench:
        raise ValueError("bench must be the dict of rnnkit.results.load('charlm_bench') (with 'runs')")
    rows = [dict(name=g["name"], tokens="-", parameters=None, steps=None, minutes=None,
                 bpc=g["heldout_bpc"], bits_per_token=g["heldout_bpc"], dynamic=None, train_bpc=None,
                 shared_cpu=False)
            for g in bench.get("ngrams") or []]
    runs = []
    for r in bench["runs"]:
        if r.get("heldout_bpc") is None:
            continue
        runs.append(dict(name=r["name"], tokens=(r.get("config") or {}).get("tokens", "syllable"),
                         parameters=r.get("parameters"), steps=r.get("steps"), minutes=r.get("minutes"),
                         bpc=r["heldout_bpc"], bits_per_token=r.get("heldout_bits_per_token", r["heldout_bpc"]),
                         dynamic=r.get("dynamic_bpc"), train_bpc=r.get("train_bpc_last"),
                         shared_cpu=bool(r.get("shared_cpu"))))
    rows += sorted(runs, key=lambda r: -r["bpc"])
    for s in [shipped] if isinstance(shipped, dict) else shipped or []:
        rows.append(dict(name=s["name"], tokens=s.get("tokens", "syllable"), parameters=s.get("parameters"),
                         steps=s.get("steps"), minutes=s.get("minutes"), bpc=s["heldout_bpc"],
                         bits_per_token=s.get("heldout_bits_per_token", s["heldout_bpc"]),
                         dynamic=s.get("dynamic_bpc"), train_bpc=s.get("train_bpc"),
                         shared_cpu=bool(s.get("shared_cpu"))))
    return rows


# ---------------------------------------------------------------------------------------
# Temperature


@torch.no_grad()
def next_char_probs(model, vocab, prompt, temperature=1.0, *, tokens="syllable"):
    """Distribution of the token that follows ``prompt``, at temperature τ.

    ``p_i ∝ exp(s_i / τ)`` with s the model's scores; ``temperature=0`` gives the limit
    τ -> 0, all mass on the argmax (what greedy sampling picks).

    Returns
    -------
    p : float64 numpy array (V,), ``p.sum() == 1`` up to rounding
    """
    _check_model(model, vocab)
    t = _check_temperature(temperature)
    ids = torch.as_tensor(check_prompt(prompt, vocab, tokens))
    model.eval()
    logits, _ = model(ids[None], None)
    return next_token_distribution(logits[0, -1], t).numpy()


def _top_ids(model, vocab, prompt, top, tokens):
    s = next_char_probs(model, vocab, prompt, 1.0, tokens=tokens)
    top = min(_check_int("top", top, 1), len(s))
    return np.argsort(-s, kind="stable")[:top]


def plot_temperature_bars(axes, model, vocab, prompt, temperatures, labels, *, top=15, tokens="syllable"):
    """One bar chart per temperature: the ``top`` likeliest next characters after ``prompt``.

    Parameters
    ----------
    axes : sequence of matplotlib Axes, one per temperature
    temperatures : sequence of numbers >= 0 (0 = greedy)
    labels : dict with "title" (format with {tau} and {rest}: the probability of all the
        other characters), "greedy" (what to write for τ = 0), "y"

    Returns
    -------
    probs : float64 array (len(temperatures), top), the bar heights
    """
    _check_labels(labels, {"title", "greedy", "y"})
    axes = list(np.ravel(axes))
    temperatures = [_check_temperature(t, "temperatures[i]") for t in temperatures]
    if not temperatures or len(axes) != len(temperatures):
        raise ValueError(f"axes must hold one Axes per temperature: {len(axes)} axes, "
                         f"{len(temperatures)} temperatures")
    ids = _top_ids(model, vocab, prompt, top, tokens)
    names = [show_char(vocab.chars[i]) for i in ids]
    heights = []
    for ax, t in zip(axes, temperatures):
        p = next_char_probs(model, vocab, prompt, t, tokens=tokens)[ids]
        heights.append(p)
        ax.bar(range(len(ids)), p, color="C0" if t else "C3")
        ax.set_xticks(range(len(ids)), names)
        ax.set_ylim(0, max(1e-3, float(p.max())) * 1.1)
        tau = labels["greedy"] if t == 0 else f"{t:g}"
        ax.set_title(labels["title"].format(tau=tau, rest=max(0.0, 1 - p.sum())), fontsize=10)
        ax.set_ylabel(labels["y"])
    return np.array(heights)


def sample_html(text, wrap=40):
    """``text`` for a plotly annotation: HTML-escaped, newlines shown as ↵ and kept,
    long lines broken every ``wrap`` characters with ``<br>``."""
    wrap = _check_int("wrap", wrap, 1)
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    parts, lines = text.split("\n"), []
    for i, line in enumerate(parts):
        line = line + ("↵" if i < len(parts) - 1 else "")
        pieces = [line[j:j + wrap] for j in range(0, len(line), wrap)] or [""]
        lines.extend(html.escape(p, quote=False) for p in pieces)
    return "<br>".join(lines)


def temperature_figure(model, vocab, prompt, temperatures, labels, *, length=150, seed=0, top=15,
                       tokens="syllable", wrap=48, height=560):
    """Kernel-free plotly figure: a slider over τ switches the next-character bars and a sample.

    For each temperature the figure holds, precomputed, the probabilities of the ``top``
    likeliest characters after ``prompt`` (the same characters at every τ: temperature does
    not change their order) and ``sample(model, vocab, prompt, length, temperature=τ,
    seed=seed)`` shown under the bars.

    Parameters
    ----------
    model : CharLM;  vocab : its Vocab;  prompt : str of known characters
    temperatures : non-empty sequence of numbers >= 0 (0 = greedy)
    labels : dict with "x", "y", "step" (slider prefix), "greedy" (name of τ = 0) and
        "title" (format with {prompt}, {tau}, {rest}: probability outside the bars)
    length : characters sampled per temperature;  seed : the same for every τ

    Returns
    -------
    plotly.graph_objects.Figure with one bar trace, one annotation (the sample) and one
    slider step per temperature (method "update"; each step also rescales the y axis)
    """
    import plotly.graph_objects as go

    _check_labels(labels, {"x", "y", "step", "greedy", "title"})
    _check_model(model, vocab)
    temperatures = [_check_temperature(t, "temperatures[i]") for t in temperatures]
    if not temperatures:
        raise ValueError("temperatures must hold at least one value")
    length = _check_int("length", length, 1)
    ids = _top_ids(model, vocab, prompt, top, tokens)
    names = [show_char(vocab.chars[i]) for i in ids]
    steps, first = [], None
    for t in temperatures:
        p = next_char_probs(model, vocab, prompt, t, tokens=tokens)[ids]
        text = sample(model, vocab, prompt, length, temperature=t, tokens=tokens, seed=seed)
        tau = labels["greedy"] if t == 0 else f"{t:g}"
        title = labels["title"].format(prompt=html.escape(prompt), tau=tau, rest=max(0.0, 1 - float(p.sum())))
        body = sample_html(prompt + text, wrap)
        y = [round(float(v), 4) for v in p]
        top_range = [0, round(1.15 * max(max(y), 1e-3), 4)]     # each τ on its own scale
        step = {"method": "update", "label": tau,
                "args": [{"y": [y]}, {"title.text": title, "annotations[0].text": body,
                                      "yaxis.range": top_range}]}
        steps.append(step)
        if first is None:
            first = (y, title, body, top_range)
    y, title, body, top_range = first
    fig = go.Figure(go.Bar(x=names, y=y, marker_color="#4C78A8",
                           hovertemplate="%{x}: %{y:.3f}<extra></extra>"))
    fig.update_layout(
        height=height, margin={"l": 60, "r": 20, "t": 60, "b": 40},
        title={"text": title, "font": {"size": 14}},
        xaxis={"title": labels["x"], "type": "category", "tickfont": {"size": 14}},
        yaxis={"title": labels["y"], "range": top_range, "domain": [0.48, 1.0]},
        annotations=[{"text": body, "xref": "paper", "yref": "paper", "x": 0, "y": 0.33,
                      "xanchor": "left", "yanchor": "top", "align": "left", "showarrow": False,
                      "font": {"size": 14}}],
        sliders=[{"active": 0, "steps": steps, "currentvalue": {"prefix": labels["step"]},
                  "y": 0.0, "yanchor": "top", "pad": {"t": 10}}])
    return fig


def longest_copy(sample_text, source_text):
    """The longest piece of ``sample_text`` that occurs word for word in ``source_text``.

    A generated sample that repeats long pieces of the training text is reciting, not
    writing; this measures how long the longest recited piece is.

    Parameters
    ----------
    sample_text, source_text : str

    Returns
    -------
    (piece, start): the longest substring of ``sample_text`` found in ``source_text`` and its
    start in ``sample_text`` (the first such piece if several are as long; ``("", 0)`` for an
    empty sample or when no character of it occurs in the source).
    """
    for name, value in (("sample_text", sample_text), ("source_text", source_text)):
        if not isinstance(value, str):
            raise ValueError(f"{name} must be a str, got {type(value).__name__}")
    best, best_start = "", 0
    for i in range(len(sample_text)):
        # only a piece longer than the best so far matters; extend while it still occurs
        n = len(best) + 1
        while i + n <= len(sample_text) and sample_text[i:i + n] in source_text:
            best, best_start = sample_text[i:i + n], i
            n += 1
    return best, best_start


def sampler_text(model, vocab, prompt, *, temperature=0.8, top_k=0, seed=0, length=200, tokens="syllable"):
    """What the live sampler shows: ``prompt`` and its continuation (``top_k=0``: no top-k)."""
    top_k = _check_int("top_k", top_k, 0)
    return sample(model, vocab, prompt, length, temperature=_check_temperature(temperature),
                  top_k=top_k or None, tokens=tokens, seed=seed, include_prompt=True)


def sampler_widget(model, vocab, labels, *, prompt="형식은", tokens="syllable", length=200):
    """ipywidgets: temperature, top-k, prompt, seed and length, a button that samples.

    labels : dict with "temperature", "top_k", "prompt", "seed", "length", "button" and
        "bad" (message for a prompt the model cannot read; format with {error})

    Returns an ``ipywidgets.VBox``; it shows one sample at once.
    """
    import ipywidgets as widgets

    _check_labels(labels, {"temperature", "top_k", "prompt", "seed", "length", "button", "bad"})
    _check_model(model, vocab)
    style = {"description_width": "initial"}
    tau = widgets.FloatSlider(value=0.8, min=0.0, max=2.0, step=0.1, description=labels["temperature"],
                              style=style)
    top_k = widgets.IntSlider(value=0, min=0, max=50, description=labels["top_k"], style=style)
    box = widgets.Text(value=prompt, description=labels["prompt"], style=style)
    seed = widgets.IntText(value=0, description=labels["seed"], style=style,
                           layout=widgets.Layout(width="160px"))
    n = widgets.IntSlider(value=length, min=20, max=600, step=20, description=labels["length"], style=style)
    button = widgets.Button(description=labels["button"], button_style="primary")
    out = widgets.HTML()

    def run(_=None):
        try:
            text = sampler_text(model, vocab, box.value, temperature=tau.value, top_k=top_k.value,
                                seed=seed.value, length=n.value, tokens=tokens)
            out.value = f"<pre style='white-space: pre-wrap'>{html.escape(text)}</pre>"
        except ValueError as err:
            out.value = f"<p>{html.escape(labels['bad'].format(error=err))}</p>"

    button.on_click(run)
    run()
    return widgets.VBox([widgets.HBox([box, seed]), widgets.HBox([tau, top_k]), n, button, out])
