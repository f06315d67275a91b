"""A count-based spacing model: P(space | the characters around the boundary), from counts.

For the boundary after character i of a line, a *window* (a, b) is the a characters
ending at i and the b characters starting at i + 1, e.g. for "학교에|간다" and (2, 1),
"교에" | "간". From the training text the model counts, for every window seen, how often
a space stood at its boundary (``s``) out of how often the window occurred (``n``).

A long window is specific but rarely seen, a short one is seen often but says less, so
the estimate is built up from the shortest window to the longest, each count pulling
the estimate below it towards its own ratio (interpolation, as in PPM or Dirichlet
smoothing, with one ``strength`` β)::

    p_0 = share of spaces among all training boundaries
    p_j = (s_j + β p_{j-1}) / (n_j + β)        j = 1..J, windows (1,0), (1,1), (2,1), (2,2), ..., (k,k)

A window never seen (n_j = 0) leaves the estimate as it was. A space is predicted where
p_J > 1/2. Lines are modelled one at a time: a window that runs past the start or end of
its line holds the newline character there (so "line starts here" is part of the
context), in training and in prediction alike.

Numpy only; the counts are Python dicts, one per window shape.
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_int, check_real
from rnnkit.data.spacing import respace, unspace

EDGE = "\n"     # what a window holds beyond the ends of its line


def window_orders(k):
    """The windows (a, b) from shortest to longest: (1, 0), (1, 1), (2, 1), (2, 2), ..., (k, k)."""
    k = check_int("k", k, 1)
    orders = [(1, 0)]
    for m in range(1, k + 1):
        if m > 1:
            orders.append((m, m - 1))
        orders.append((m, m))
    return orders


def _contexts(chars, orders, pad):
    """For every boundary of the line ``chars``: the key of each window, as lists per order."""
    s = EDGE * pad + chars + EDGE * pad
    keys = []
    for a, b in orders:
        keys.append([s[pad + i - a + 1:pad + i + 1] + s[pad + i + 1:pad + i + 1 + b]
                     for i in range(len(chars) - 1)])
    return keys


class CountSpacer:
    """P(space after each character) from window counts (see the module docstring).

    >>> m = CountSpacer(k=2).fit("나는 학교에 간다\\n너는 학교에 간다")
    >>> m.space("그는학교에간다")
    '그는 학교에 간다'

    Parameters
    ----------
    k : int >= 1, the longest window is k characters on each side
    strength : float > 0, β of the interpolation

    ``fit(text)`` counts a training text with its spaces (many lines); then
    :meth:`probabilities` / :meth:`predict` / :meth:`space` work on lines without spaces.
    :meth:`with_settings` gives a model with another ``k`` (up to the fitted one) or
    ``strength`` that shares the counts.
    """

    def __init__(self, k=3, strength=1.0):
        self.k = check_int("k", k, 1)
        self.strength = check_real("strength", strength, 0, open_low=True)
        self.counts = None          # per order: dict window -> (spaces, occurrences)
        self.prior = None
        self.fitted_k = None

    def fit(self, text):
        """Count the windows of every line of ``text`` (a str with spaces). Returns self."""
        chars, labels = unspace(text)
        orders = window_orders(self.k)
        counts = [dict() for _ in orders]
        spaces = total = 0
        start = 0
        for line in chars.split(EDGE):
            lab = labels[start:start + len(line)]
            start += len(line) + 1
            if len(line) < 2:
                continue
            spaces += int(lab[:-1].sum())
            total += len(line) - 1
            for table, keys in zip(counts, _contexts(line, orders, self.k)):
                for key, y in zip(keys, lab[:-1].tolist()):
                    s, n = table.get(key, (0, 0))
                    table[key] = (s + y, n + 1)
        if total == 0:
            raise ValueError("text must hold at least one line of two or more characters to count")
        self.counts, self.prior, self.fitted_k = counts, spaces / total, self.k
        return self

    def with_settings(self, k=None, strength=None):
        """A model with another ``k`` (<= the fitted k) or ``strength``, sharing the counts."""
        self._check_fitted()
        k = self.k if k is None else check_int("k", k, 1, self.fitted_k)
        other = CountSpacer(k, self.strength if strength is None else strength)
        other.counts, other.prior, other.fitted_k = self.counts, self.prior, self.fitted_k
        return other

    def _check_fitted(self):
        if self.counts is None:
            raise ValueError("the model has no counts yet: call fit(text) first")

    def probabilities(self, chars):
        """P(space after chars[i]) for every character of a line without spaces.

        Returns a (len(chars),) float64 array; the last entry (no boundary) is 0.
        """
        self._check_fitted()
        if not isinstance(chars, str) or EDGE in chars or any(c.isspace() for c in chars):
            raise ValueError("chars must be a str of one line without spaces")
        p = np.zeros(len(chars))
        if len(chars) < 2:
            return p
        orders = window_orders(self.k)
        est = np.full(len(chars) - 1, self.prior)
        beta = self.strength
        for table, keys in zip(self.counts, _contexts(chars, orders, self.fitted_k)):
            for i, key in enumerate(keys):
                hit = table.get(key)
                if hit is not None:
                    est[i] = (hit[0] + beta * est[i]) / (hit[1] + beta)
        p[:-1] = est
        return p

    def predict(self, chars):
        """0/1 labels (int8, one per character): 1 where P(space) > 1/2."""
        return (self.probabilities(chars) > 0.5).astype(np.int8)

    def space(self, text):
        """``text`` (any spaces are removed first) with the predicted spaces, line by line."""
        chars, _ = unspace(text)
        return "\n".join(respace(line, self.predict(line)) for line in chars.split(EDGE))
