"""Units that mean something: what single hidden or cell units of a character LM track.

Karpathy, Johnson and Fei-Fei (2015) found LSTM cells that switch on inside quotations
or count the position in a line. This module asks the same of chapter 07's model of
『무정』, and measures the answer instead of picking pretty examples:

    trace = state_trace(model, ids, start=start)      # {"h": (T, L, H), "c": (T, L, H)}
    acts, names = unit_matrix(trace)                  # (T, U): every unit as a column
    props = text_properties(valid_text)               # {"quote": (T,) bool, ...}
    found = find_units(acts, props["quote"], names)   # best unit on one half, scored on the other
    html = units_html(passage, values)                # coloured text, for a static page

``T`` is the number of characters, ``L`` the layers, ``H`` the units per layer and
``U = L * H`` (GRU) or ``2 * L * H`` (LSTM: h and c) the number of candidate units.
Position ``t`` of every array describes the state *after* the model has read character
``t``, and a property at ``t`` describes the text up to and including character ``t``,
so a unit can only track what it has already seen.

A unit is chosen on the first half of the characters and scored on the second half:
with thousands of candidates the best one on the same data always looks better than it
is. Binary properties are scored by the AUC (the probability that the unit is higher at
a random position where the property holds than where it does not, ties counting
half), oriented so that 0.5 is chance and 1 is perfect; numeric ones by the Pearson
correlation, oriented the same way. Numpy only, except :func:`state_trace`.
"""
from __future__ import annotations

import html

import numpy as np

from rnnkit.checks import check_int, float_array

#: property name -> what it is; all are computed from the text alone, line by line
PROPERTIES = {
    "quote": 'inside a quotation: an odd number of " since the start of the line',
    "paren": "inside parentheses: more ( than ) since the start of the line",
    "word_pos": "position in the word: characters since the last space (0 on a space)",
    "line_pos": "position in the line: characters since the line began",
}
BINARY = ("quote", "paren")


def _check_text(text):
    if not isinstance(text, str) or not text:
        got = repr(text) if isinstance(text, str) else type(text).__name__
        raise ValueError(f"text must be a non-empty str, got {got}")
    return text


def text_properties(text):
    """Nameable properties of every position of ``text`` (see :data:`PROPERTIES`).

    Parameters
    ----------
    text : str of length T

    Returns
    -------
    dict: ``"quote"``, ``"paren"`` bool arrays (T,); ``"word_pos"``, ``"line_pos"`` int
    arrays (T,). Quotation and parenthesis state start afresh on every line (the novel
    closes its quotations on the line that opens them). A newline itself is at position
    0 of the new line and outside any quotation.
    """
    text = _check_text(text)
    T = len(text)
    out = {"quote": np.zeros(T, bool), "paren": np.zeros(T, bool),
           "word_pos": np.zeros(T, np.int64), "line_pos": np.zeros(T, np.int64)}
    quote, depth, word, line = False, 0, 0, 0
    for t, ch in enumerate(text):
        if ch == "\n":
            quote, depth, word, line = False, 0, 0, 0
        else:
            line += 1
            word = 0 if ch == " " else word + 1
            if ch == '"':
                quote = not quote
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth = max(depth - 1, 0)
        out["quote"][t], out["paren"][t] = quote, depth > 0
        out["word_pos"][t], out["line_pos"][t] = word, line
    return out


def auc(acts, labels):
    """AUC of every column of ``acts`` as a score for the boolean ``labels``.

    Parameters
    ----------
    acts : (T, U) float array
    labels : (T,) bool array with both values present

    Returns
    -------
    (U,) float64: P(a_pos > a_neg) + P(a_pos == a_neg) / 2 over all pairs of a position
    where the label holds and one where it does not (0.5: no better than chance).
    """
    acts = float_array("acts", acts, ("T", "U"), {})
    labels = np.asarray(labels)
    if labels.dtype != bool or labels.shape != acts.shape[:1]:
        raise ValueError(f"labels must be a bool array of shape (T,) = ({acts.shape[0]},), "
                         f"got {labels.dtype} array of shape {labels.shape}")
    n_pos = int(labels.sum())
    if n_pos == 0 or n_pos == len(labels):
        raise ValueError("labels must hold both True and False: an AUC compares the two groups")
    out = np.empty(acts.shape[1])
    for u in range(acts.shape[1]):
        neg = np.sort(acts[~labels, u])
        pos = acts[labels, u]
        below = np.searchsorted(neg, pos, "left")      # negatives strictly below each positive
        upto = np.searchsorted(neg, pos, "right")      # ... and those equal to it
        out[u] = (below.sum() + upto.sum()) / (2.0 * n_pos * len(neg))
    return out


def correlation(acts, values):
    """Pearson correlation of every column of ``acts`` with ``values``.

    Parameters
    ----------
    acts : (T, U) float array
    values : (T,) numbers, not all equal

    Returns
    -------
    (U,) float64 in [-1, 1]; 0 for a column that never changes
    """
    acts = float_array("acts", acts, ("T", "U"), {}).astype(np.float64)
    values = float_array("values", np.asarray(values, dtype=np.float64), ("T",), {"T": acts.shape[0]})
    v = values - values.mean()
    if not np.any(v):
        raise ValueError("values must not all be equal: a correlation needs them to vary")
    a = acts - acts.mean(axis=0)
    norms = np.sqrt((a * a).sum(axis=0)) * np.sqrt(v @ v)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (v @ a) / norms
    return np.where(norms > 0, r, 0.0)


def unit_scores(acts, prop):
    """Raw, unoriented scores of every unit: AUC for a bool ``prop``, correlation otherwise."""
    prop = np.asarray(prop)
    return auc(acts, prop) if prop.dtype == bool else correlation(acts, prop)


def find_units(acts, prop, names=None, *, top=5, seed=0):
    """Choose units for ``prop`` on the first half of the positions, score them on the second.

    Parameters
    ----------
    acts : (T, U) float array, every candidate unit as a column (T >= 4)
    prop : (T,) bool or numeric property of each position (:func:`text_properties`)
    names : None or U strings naming the units (default "unit 0", "unit 1", ...)
    top : how many of the best units to report
    seed : chooses the random unit of the baseline

    Returns
    -------
    dict with ``"kind"`` ("auc" or "r"), ``"chance"`` (0.5 or 0.0); ``"best"``, ``"top"``
    (the ``top`` best on the selection half, best first) and ``"random"`` (one unit drawn
    with ``seed``), each unit a dict ``name, index, sign, select, test``: ``sign`` is +1 if
    the unit is high where the property holds (or grows with it), -1 if low, and
    ``select`` / ``test`` are its scores on the two halves in that orientation;
    ``"test_scores"`` (U,) every unit's test score oriented by its selection-half sign,
    and ``"median_test"`` their median.
    """
    acts = float_array("acts", acts, ("T", "U"), {})
    T, U = acts.shape
    if T < 4:
        raise ValueError(f"acts must have at least 4 rows (two halves of two), got {T}")
    prop = np.asarray(prop)
    if prop.shape != (T,):
        raise ValueError(f"prop must have shape (T,) = ({T},), got {prop.shape}")
    names = [f"unit {u}" for u in range(U)] if names is None else list(names)
    if len(names) != U:
        raise ValueError(f"names must have one name per column of acts ({U}), got {len(names)}")
    top = check_int("top", top, 1, U)
    half = T // 2
    binary = prop.dtype == bool
    chance = 0.5 if binary else 0.0
    select = unit_scores(acts[:half], prop[:half]) - chance
    test = unit_scores(acts[half:], prop[half:]) - chance
    sign = np.where(select >= 0, 1.0, -1.0)
    select, test = sign * select, sign * test              # oriented: chance + x, x >= 0 on select
    order = np.argsort(-select, kind="stable")

    def unit(u):
        return dict(name=names[u], index=int(u), sign=int(sign[u]),
                    select=float(chance + select[u]), test=float(chance + test[u]))

    rand = int(np.random.default_rng(seed).integers(U))
    return dict(kind="auc" if binary else "r", chance=chance,
                best=unit(order[0]), top=[unit(u) for u in order[:top]], random=unit(rand),
                test_scores=chance + test, median_test=float(chance + np.median(test)))


def unit_matrix(trace):
    """Every unit of a :func:`state_trace` as one column: ``acts`` (T, U) and U names.

    The cell state enters as tanh(c), the value the output gate reads (and the one
    Karpathy et al. coloured): a monotone map, so it changes no AUC, only correlations.
    Names read ``"L2 c 17"``: layer 2 (counted from 1), cell state, unit 17.
    """
    cols, names = [], []
    for key in ("h", "c"):
        if key not in trace:
            continue
        states = np.asarray(trace[key])
        if states.ndim != 3:
            raise ValueError(f"trace[{key!r}] must have shape (T, L, H), got {states.shape}")
        T, L, H = states.shape
        values = np.tanh(states) if key == "c" else states
        for layer in range(L):
            cols.append(values[:, layer])
            names += [f"L{layer + 1} {key} {u}" for u in range(H)]
    if not cols:
        raise ValueError("trace must hold 'h' and/or 'c' arrays of shape (T, L, H)")
    return np.concatenate(cols, axis=1), names


def state_trace(model, ids, *, start=0):
    """The state of every layer after every character, for an LSTM or GRU CharLM.

    Parameters
    ----------
    model : :class:`~rnnkit.charlm.model.CharLM` with ``cell`` "lstm" or "gru"
    ids : (T0,) int ids of the text, read from a zero state
    start : positions before ``start`` warm the state up and are not returned

    Returns
    -------
    dict of float32 numpy arrays of shape (T0 - start, L, H): ``"h"``, and for the LSTM
    ``"c"``. Row t is the state after reading ``ids[start + t]``; ``"h"[:, -1]`` is the
    top layer's output, what the model's head reads. The model is run in evaluation mode
    (no dropout), one character at a time, without gradients: about 3 ms per
    character for the shipped 2x640 LSTM on one thread.
    """
    import torch
    import torch.nn.functional as F

    from rnnkit.charlm.model import CharLM
    from rnnkit.charlm.sample import one_step_kernels

    if not isinstance(model, CharLM) or model.config["cell"] not in ("lstm", "gru"):
        got = model.config["cell"] if isinstance(model, CharLM) else type(model).__name__
        raise ValueError(f"model must be a CharLM with cell 'lstm' or 'gru', got {got!r}")
    ids = torch.as_tensor(np.asarray(ids))
    if ids.dim() != 1 or ids.dtype not in (torch.int32, torch.int64) or len(ids) == 0:
        raise ValueError(f"ids must be a non-empty 1-D array of int ids, got {ids.dtype} of shape {tuple(ids.shape)}")
    V = model.config["vocab_size"]
    if int(ids.min()) < 0 or int(ids.max()) >= V:
        raise ValueError(f"ids must lie in [0, V) = [0, {V}), got values from {int(ids.min())} to {int(ids.max())}")
    start = check_int("start", start, 0, len(ids) - 1)
    lstm = model.config["cell"] == "lstm"
    L, H = model.config["layers"], model.config["hidden"]
    n = len(ids) - start
    hs = np.empty((n, L, H), np.float32)
    cs = np.empty((n, L, H), np.float32) if lstm else None
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), one_step_kernels():
            e = F.embedding(ids.long(), model.token_vectors())        # (T0, E)
            state = None
            for t in range(len(ids)):
                _, state = model.rnn(e[t].view(1, 1, -1), state)
                if t >= start:
                    h = state[0] if lstm else state                  # (L, 1, H)
                    hs[t - start] = h[:, 0].numpy()
                    if lstm:
                        cs[t - start] = state[1][:, 0].numpy()
    finally:
        model.train(was_training)
    return {"h": hs, "c": cs} if lstm else {"h": hs}


def _colour(v):
    """Background for a value in [-1, 1]: red for positive, blue for negative, white at 0."""
    v = float(np.clip(v, -1.0, 1.0))
    r, g, b = (214, 39, 40) if v >= 0 else (31, 119, 180)
    return f"rgba({r},{g},{b},{abs(v):.2f})"


def units_html(text, values, *, label=None, scale=1.0):
    """``text`` as HTML, each character's background coloured by the unit's value there.

    Parameters
    ----------
    text : str of length T
    values : (T,) the unit's value after each character (in [-1, 1] for h and tanh c)
    label : None, or a caption shown above the text (escaped)
    scale : values are divided by it before colouring (red +1, white 0, blue -1); hovering
        over a character shows its value

    Returns
    -------
    str: a self-contained ``<div>`` (no script), which a static page shows as it is.
    """
    text = _check_text(text)
    values = float_array("values", np.asarray(values, dtype=np.float64), ("T",), {"T": len(text)})
    scale = float(scale)
    if not scale > 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    spans = []
    for ch, v in zip(text, values):
        if ch == "\n":
            spans.append("<br>")
            continue
        shown = "&nbsp;" if ch == " " else html.escape(ch)
        spans.append(f'<span style="background:{_colour(v / scale)}" title="{v:+.2f}">{shown}</span>')
    head = "" if label is None else (f'<div style="font-size:0.85em;color:#555;margin-bottom:0.2em">'
                                     f"{html.escape(str(label))}</div>")
    body = "".join(spans)
    return (f'<div class="rnnkit-units" style="margin:0.6em 0">{head}'
            f'<div style="font-size:1.05em;line-height:1.9;word-break:break-all">{body}</div></div>')
