"""How far to the right a spacing model needs to see: P(space) with the line cut short.

The decision about the boundary after c_t is normally made on the whole line. Here the
model reads only the line up to c_{t+d}, d characters to the right of the boundary, and
we ask how good its decisions still are. A line of n characters cut after c_e is read as
``EDGE c_1 … c_e`` with no closing ``EDGE`` (the backward direction starts at c_e from a zero
state, as it does at the end of every random training window); a line not cut at all
(t + d ≥ n - 1) is read whole, as :func:`~rnnkit.spacing.model.line_probabilities` reads it, closing
``EDGE`` included. So ``d = None`` (all) gives exactly the usual probabilities.

One run of the prefix ``c_1 … c_e`` gives the probability of every boundary t ≤ e with
lookahead e - t at once. So every d costs nothing extra: the n prefixes of a line (one
per end e) are run once, in batches of similar lengths, and P_d(t) is read from the prefix
ending at min(t + d, n - 1). The cost is about n²/2 character steps a line.
"""
from __future__ import annotations

import numpy as np
import torch

from rnnkit.checks import check_int

from .model import EDGE, encode_line


def _check(lines, ds):
    if not isinstance(lines, (list, tuple)) or not all(isinstance(s, str) and s for s in lines):
        raise ValueError("lines must be a list of non-empty str, each one line without spaces")
    for j, s in enumerate(lines):
        if EDGE in s or any(c.isspace() for c in s):
            raise ValueError(f"lines[{j}] must be one line without spaces (pass unspace(line)[0])")
    if not isinstance(ds, (list, tuple)) or not ds:
        raise ValueError("ds must be a non-empty list of lookaheads (int >= 0, or None for the whole line)")
    return [None if d is None else check_int("d", d, 0) for d in ds]


@torch.no_grad()
def prefix_probabilities(model, vocab, lines, batch_size=128):
    """For each line, a list of n arrays: entry e holds P(space after c_t), t = 0..e, read on the line
    cut after c_e (entry n - 1: the whole line, closing ``EDGE`` included)."""
    _check(lines, [None])
    jobs = []                                       # (line j, end e, ids)
    for j, chars in enumerate(lines):
        ids = encode_line(vocab, chars)
        n = len(chars)
        jobs += [(j, e, ids[:e + 2]) for e in range(n - 1)] + [(j, n - 1, ids)]
    out = [[None] * len(chars) for chars in lines]
    order = sorted(range(len(jobs)), key=lambda k: len(jobs[k][2]))
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(order), batch_size):
            group = [jobs[k] for k in order[start:start + batch_size]]
            lengths = [len(ids) for _, _, ids in group]
            x = np.zeros((len(group), max(lengths)), dtype=np.int64)
            for row, (_, _, ids) in enumerate(group):
                x[row, :len(ids)] = ids
            p = torch.sigmoid(model(torch.from_numpy(x), lengths)).double().numpy()
            for row, (j, e, _) in enumerate(group):
                out[j][e] = p[row, 1:e + 2].copy()
    finally:
        model.train(was_training)
    return out


def lookahead_probabilities(model, vocab, lines, ds, batch_size=128):
    """P(space after c_t) when the model sees only d characters right of c_t, for every d of ``ds``.

    Parameters
    ----------
    model : SpacingModel;  vocab : its Vocab
    lines : list of str, lines without spaces
    ds : list of lookaheads, int >= 0 or None (the whole line)

    Returns
    -------
    dict d -> list of (len(line),) float64 arrays, one per line
    """
    ds = _check(lines, ds)
    prefixes = prefix_probabilities(model, vocab, lines, batch_size)
    result = {}
    for d in ds:
        per_line = []
        for chars, pre in zip(lines, prefixes):
            n = len(chars)
            per_line.append(np.array([pre[n - 1 if d is None else min(t + d, n - 1)][t] for t in range(n)]))
        result[d] = per_line
    return result
