"""Count-based character language models: the baselines a neural model has to beat.

An n-gram model predicts a character from the ``n - 1`` characters before it (its
*history* ``h``) using counts from the training text: ``N(h c)`` is how often ``h`` was
followed by ``c``, ``N(h ·) = Σ_c N(h c)`` how often ``h`` was followed by anything, and
``N1+(h ·)`` by how many *distinct* characters. The maximum-likelihood estimate
``N(h c) / N(h ·)`` gives probability 0 to every continuation not seen in training, so
one new character pair in the held-out text would cost infinitely many bits. The two
models here move some probability to the unseen continuations:

:class:`AddKNgram` (additive smoothing) pretends every character was seen ``k`` more
times after every history::

    P(c | h) = (N(h c) + k) / (N(h ·) + k V)

:class:`AbsoluteDiscountNgram` (interpolated absolute discounting; Ney, Essen and
Kneser 1994) subtracts a fixed ``d`` from every nonzero count and gives the mass it
collected, ``d N1+(h ·) / N(h ·)``, to the next shorter history ``h'`` (``h`` without its
first character)::

    P(c | h) = max(N(h c) - d, 0) / N(h ·)  +  d N1+(h ·) / N(h ·) · P(c | h')

The recursion ends at the uniform distribution 1/V below the empty history. If a
history never occurred in training, ``P(c | h) = P(c | h')``. With ``kneser_ney=True``,
the longest history keeps its counts but every shorter one uses *continuation counts*:
``N(h' c)`` is replaced by the number of distinct characters that preceded ``h' c`` in
training (interpolated Kneser–Ney with one discount for all counts). A character that follows many
different histories is then a likelier guess after an unseen one than a character
that is frequent only inside one fixed phrase.

Both models are normalized over the V characters of the vocabulary for every history:
``distribution(h).sum() == 1``. The vocabulary is given, not taken from the training
text, so that held-out characters unseen in training still have nonzero probability.
Near the start of a text, where fewer than ``n - 1`` characters precede, the models use
the history that is there (a shorter n-gram).

On the standard split of 『무정』 (vocabulary from the whole text, V = 1,676; the held-out
part scored with the end of the training part as its first history), held-out bits
per character are 6.70 for a unigram with add-one, 4.55 for a bigram with add-0.01,
3.90 for a 4-gram with absolute discounting d = 0.75, and 3.68 with Kneser–Ney
(see ``bench/ngram_baselines.py``).
"""
from __future__ import annotations

import math
from collections import Counter

import numpy as np

from rnnkit.checks import check_int, check_real
from rnnkit.data.vocab import Vocab


def _chars_of(vocab):
    """The characters of a Vocab, or of an iterable of characters checked as a Vocab checks them."""
    if isinstance(vocab, Vocab):
        return vocab.chars
    try:
        return Vocab(vocab).chars
    except ValueError as err:
        raise ValueError(f"vocab must be a Vocab or distinct single characters: {err}") from None


def _count(text, m):
    """{history (str of length m): {next char: count}} over every position of ``text``."""
    grams = Counter(text[i - m:i + 1] for i in range(m, len(text)))
    table = {}
    for gram, n in grams.items():
        table.setdefault(gram[:-1], {})[gram[-1]] = n
    return table


class NgramModel:
    """Shared machinery: counting, scoring a text. Subclasses define :meth:`prob`.

    Parameters
    ----------
    order : int, n >= 1 (1: unigram, 2: bigram, ...)
    vocab : rnnkit.data.Vocab or iterable of str, the V characters to predict
    """

    def __init__(self, order, vocab):
        self.order = check_int("order", order, 1)
        self.chars = _chars_of(vocab)
        self.index = {c: i for i, c in enumerate(self.chars)}
        self.counts = None

    @property
    def V(self):
        """Vocabulary size."""
        return len(self.chars)

    def _check_text(self, name, text, allow_empty=False):
        if not isinstance(text, str):
            raise ValueError(f"{name} must be a str, got {type(text).__name__}")
        if not text and not allow_empty:
            raise ValueError(f"{name} must not be empty")
        unknown = set(text).difference(self.index)
        if unknown:
            raise ValueError(f"{name} contains {len(unknown)} character(s) not in the vocabulary: "
                             f"{''.join(sorted(unknown)[:20])!r}")

    def fit(self, text):
        """Count every history of length 0 … n-1 in ``text`` (a str); returns ``self``.

        ``self.counts[m][h][c]`` is ``N(h c)`` for histories ``h`` of length ``m``.
        """
        self._check_text("text", text)
        self.counts = [_count(text, m) for m in range(self.order)]
        self.totals = [{h: sum(row.values()) for h, row in table.items()} for table in self.counts]
        self._fitted()
        return self

    def _fitted(self):
        """Hook for subclasses that derive more tables from the counts."""

    def _history(self, history):
        if self.counts is None:
            raise ValueError("the model has no counts yet: call fit(text) first")
        if not isinstance(history, str):
            raise ValueError(f"history must be a str, got {type(history).__name__}")
        return history[max(0, len(history) - self.order + 1):]

    def prob(self, history, char):
        """P(char | the last n-1 characters of ``history``), a float in (0, 1]."""
        raise NotImplementedError

    def distribution(self, history):
        """P(c | history) for every character c of the vocabulary.

        Returns
        -------
        p : float64 array of shape (V,), in vocabulary order; ``p.sum() == 1``
        """
        self._history(history)
        return np.array([self.prob(history, c) for c in self.chars])

    def total_bits(self, text, history=""):
        """Σ_i -log2 P(text[i] | history + text[:i]): the bits needed to encode ``text``.

        Parameters
        ----------
        text : str, every character in the vocabulary
        history : str, what precedes ``text`` (e.g. the training text, for held-out text)
        """
        self._check_text("text", text)
        self._history(history)
        k = self.order - 1
        context = history[max(0, len(history) - k):] if k else ""
        s = context + text
        start = len(context)
        return -sum(math.log2(self.prob(s[max(0, i - k):i], s[i])) for i in range(start, len(s)))

    def bits_per_char(self, text, history=""):
        """Mean bits per character of ``text``: ``total_bits(text, history) / len(text)``."""
        return self.total_bits(text, history) / len(text)


class AddKNgram(NgramModel):
    """n-gram with additive smoothing: ``P(c | h) = (N(h c) + k) / (N(h ·) + k V)``.

    Parameters
    ----------
    order : int, n >= 1
    vocab : Vocab or iterable of str, V characters
    k : float > 0 (``k = 1`` is Laplace's add-one rule)
    """

    def __init__(self, order, vocab, k=1.0):
        super().__init__(order, vocab)
        self.k = check_real("k", k, 0, open_low=True)

    def prob(self, history, char):
        h = self._history(history)
        if char not in self.index:
            raise ValueError(f"char must be a character of the vocabulary, got {char!r}")
        m = len(h)
        n_hc = self.counts[m].get(h, {}).get(char, 0)
        n_h = self.totals[m].get(h, 0)
        return (n_hc + self.k) / (n_h + self.k * self.V)

    def __repr__(self):
        return f"AddKNgram(order={self.order}, V={self.V}, k={self.k})"


class AbsoluteDiscountNgram(NgramModel):
    """Interpolated absolute discounting, optionally with Kneser–Ney continuation counts.

    Parameters
    ----------
    order : int, n >= 1
    vocab : Vocab or iterable of str, V characters
    discount : float in (0, 1], the ``d`` subtracted from every nonzero count
        (``d <= 1`` keeps every discounted count non-negative, so the distribution
        stays normalized)
    kneser_ney : bool
        Use continuation counts for every history shorter than the longest one used.
    """

    def __init__(self, order, vocab, discount=0.75, kneser_ney=False):
        super().__init__(order, vocab)
        self.discount = check_real("discount", discount, 0, 1, open_low=True)
        self.kneser_ney = bool(kneser_ney)

    def _fitted(self):
        # Continuation counts: cont[m][h][c] = number of distinct a with N(a h c) > 0.
        self.cont, self.cont_totals, self._rows = [], [], {}
        if not self.kneser_ney:
            return
        for m in range(self.order - 1):
            table = {}
            for longer, row in self.counts[m + 1].items():
                for c in row:
                    inner = table.setdefault(longer[1:], {})
                    inner[c] = inner.get(c, 0) + 1
            self.cont.append(table)
            self.cont_totals.append({h: sum(row.values()) for h, row in table.items()})

    def _tables(self, m, top):
        """Counts and totals for histories of length m when the longest one used has length top."""
        if self.kneser_ney and m < top:
            return self.cont[m], self.cont_totals[m]
        return self.counts[m], self.totals[m]

    def prob(self, history, char):
        h = self._history(history)
        if char not in self.index:
            raise ValueError(f"char must be a character of the vocabulary, got {char!r}")
        d, top = self.discount, len(h)
        p = 1.0 / self.V
        for m in range(top + 1):                       # from the empty history up to h
            counts, totals = self._tables(m, top)
            hm = h[top - m:]
            row = counts.get(hm)
            if row:
                n_h = totals[hm]
                p = max(row.get(char, 0) - d, 0.0) / n_h + d * len(row) / n_h * p
        return p

    def distribution(self, history):
        h = self._history(history)
        d, top = self.discount, len(h)
        p = np.full(self.V, 1.0 / self.V)
        for m in range(top + 1):
            row = self._row_arrays(m, top, h[top - m:])
            if row is not None:
                ids, kept, n_h = row
                p = p * (d * len(ids) / n_h)
                p[ids] += kept / n_h
        return p

    def _row_arrays(self, m, top, hm):
        """(ids, max(N - d, 0), N(h ·)) of one history's row as arrays, or None; cached."""
        kn = self.kneser_ney and m < top
        key = (kn, hm)
        cache = self._rows                              # emptied by fit()
        if key not in cache:
            counts, totals = self._tables(m, top)
            row = counts.get(hm)
            cache[key] = None if not row else (
                np.fromiter((self.index[c] for c in row), np.int64, len(row)),
                np.maximum(np.fromiter(row.values(), np.float64, len(row)) - self.discount, 0.0),
                totals[hm])
        return cache[key]

    def __repr__(self):
        kind = "Kneser-Ney" if self.kneser_ney else "absolute discounting"
        return f"AbsoluteDiscountNgram(order={self.order}, V={self.V}, d={self.discount}, {kind})"
