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


class CharVocab:
    """A fixed list of distinct characters and the id (position) of each.

    Parameters
    ----------
    chars : iterable of str
        Distinct single characters; ``chars[k]`` gets id ``k``.
    """

    def __init__(self, chars):
        chars = tuple(chars)
        if not chars:
            raise ValueError("chars must hold at least one character, got none")
        for c in chars:
            if not isinstance(c, str) or len(c) != 1:
                raise ValueError(f"chars must be single characters, got {c!r}")
        if len(set(chars)) != len(chars):
            dupes = sorted({c for c in chars if chars.count(c) > 1})
            raise ValueError(f"chars must be distinct, got duplicates {dupes}")
        self.chars = chars
        self.index = {c: k for k, c in enumerate(chars)}

    @classmethod
    def from_text(cls, text, order="appearance"):
        """The characters of ``text``, in order of first appearance or sorted by code point.

        ``order="appearance"`` gives h, e, l, o for "hello" (the classic example);
        ``order="sorted"`` gives e, h, l, o.
        """
        if not isinstance(text, str) or not text:
            raise ValueError(f"text must be a non-empty string, got {text!r}")
        if order == "appearance":
            return cls(dict.fromkeys(text))
        if order == "sorted":
            return cls(sorted(set(text)))
        raise ValueError(f"order must be 'appearance' or 'sorted', got {order!r}")

    def __len__(self):
        return len(self.chars)

    def __repr__(self):
        return f"CharVocab({''.join(self.chars)!r})"

    def encode(self, text):
        """Ids of the characters of ``text``: an int64 array of shape (len(text),)."""
        if not isinstance(text, str):
            raise ValueError(f"text must be a string, got {type(text).__name__}")
        unknown = sorted(set(text) - set(self.index))
        if unknown:
            raise ValueError(f"text contains characters not in the vocabulary: {unknown}")
        return np.array([self.index[c] for c in text], dtype=np.int64)

    def decode(self, ids):
        """The string whose character ids are ``ids`` (a 1-D integer array or sequence)."""
        ids = np.asarray(ids)
        if ids.ndim != 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
            raise ValueError(f"ids must be a 1-D integer array, got shape {ids.shape}, dtype {ids.dtype}")
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise ValueError(f"ids must lie in [0, V = {len(self)}), got values in [{ids.min()}, {ids.max()}]")
        return "".join(self.chars[i] for i in ids)


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
