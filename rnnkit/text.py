"""Characters as integer ids and one-hot vectors: the input side of a character-level RNN.

The book's first example feeds the word "hello" to an RNN one character at a time::

    vocab = CharVocab.from_text("hello")     # h, e, l, o  (order of first appearance)
    ids = vocab.encode("hell")               # array([0, 1, 2, 2])
    x = one_hot(ids, len(vocab))             # (4, 4): row t is the one-hot vector x_t

A one-hot vector of character ``k`` is the k-th standard basis vector of R^V, so
``W_xh x_t`` simply picks column k of ``W_xh`` (row k of ``Wx`` in the code's layout).
"""
from __future__ import annotations

import numpy as np

from rnnkit.data.vocab import Vocab


class CharVocab(Vocab):
    """:class:`rnnkit.data.Vocab` for the small examples: ids in order of first appearance.

    Chapter 07's vocabulary sorts the characters of the novel by code point, so that the
    ids do not depend on the text's order; for "hello" the classic numbering is h, e, l, o,
    which is what ``CharVocab.from_text`` gives by default. Everything else (``chars``,
    ``index``, ``encode``, ``decode``, ``unk``, saving) is ``Vocab``'s.

    Parameters
    ----------
    chars : iterable of str
        Distinct single characters; ``chars[k]`` gets id ``k``.
    unk : str or None
        As in :class:`rnnkit.data.Vocab`.
    """

    @classmethod
    def from_text(cls, text, order="appearance", *, unk=None):
        """The characters of ``text``, in order of first appearance or sorted by code point.

        ``order="appearance"`` gives h, e, l, o for "hello" (the classic example);
        ``order="sorted"`` gives e, h, l, o, the same ids as ``Vocab.from_text``.
        """
        return super().from_text(text, order=order, unk=unk)

    def __repr__(self):
        head = "".join(self.chars[:20]) + ("…" if len(self) > 20 else "")
        return f"CharVocab({head!r})"


def one_hot(ids, V, dtype=np.float64):
    """One-hot vectors of integer ids.

    Parameters
    ----------
    ids : integer array of any shape S, values in [0, V)
    V : int, vocabulary size
    dtype : float dtype of the result

    Returns
    -------
    x : array of shape S + (V,) with ``x[..., k] = 1`` where ``ids == k`` and 0 elsewhere
    """
    ids = np.asarray(ids)
    if not isinstance(V, (int, np.integer)) or V < 1:
        raise ValueError(f"V must be a positive integer, got {V!r}")
    if ids.size and not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids must be an integer array, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"ids must lie in [0, V = {V}), got values in [{ids.min()}, {ids.max()}]")
    return np.eye(V, dtype=dtype)[ids.astype(np.int64)]
