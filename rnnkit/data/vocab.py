"""The one vocabulary of rnnkit: characters <-> integer ids, and one-hot vectors.

Chapter 01 numbers the characters of "hello" in order of first appearance
(``Vocab.from_text("hello", order="appearance")``: h, e, l, o); chapter 06 puts special
tokens in front (``Vocab(chars, specials=SEQ2SEQ_SPECIALS)``: PAD = 0, SOS = 1, EOS = 2);
chapter 07 builds it from the whole novel (``Vocab.from_text(text)``).

Chapter 07's vocabulary has 1,676 characters, sorted by code point, so the ids do not depend on where a character first appears.
This is a *closed* vocabulary. Built from the training 90% alone it would miss 40
characters of the held-out part (53 occurrences, mostly rare 漢字 and syllables such
as 횡 or 챕), and a model could not even name them.

**Unknown characters.**
``Vocab(chars)`` without ``unk`` refuses to encode a character it does not know:
:meth:`Vocab.encode` raises ``ValueError`` listing the unknown characters. This is the
right default for a closed vocabulary, where an unknown character means a bug (another
text, another normalization). With ``unk="�"`` (any single character) every unknown
character is encoded as the id of ``unk`` instead; that character is then part of the
vocabulary like any other, and decoding gives it back, not the original character.

**Special tokens.** ``specials`` are names such as ``"<pad>"`` that take the first ids;
the characters follow. ``encode(text, sos=True, eos=True)`` wraps the ids in ``<sos>`` and
``<eos>``, and ``decode`` reads up to the first ``<eos>`` and skips ``<pad>`` and ``<sos>``.
"""
from __future__ import annotations

import json

import numpy as np

from rnnkit.atomic import atomic_write
from rnnkit.checks import check_choice, check_int, check_path

FORMAT = "rnnkit.data.Vocab"
VERSION = 1
PAD, SOS, EOS = "<pad>", "<sos>", "<eos>"
SEQ2SEQ_SPECIALS = (PAD, SOS, EOS)     # ids 0, 1, 2, as in chapter 06


class Vocab:
    """A fixed sequence of distinct characters; character ``chars[k]`` has id ``k``.

    Parameters
    ----------
    chars : iterable of str
        Distinct single characters, in id order.
    unk : str or None
        ``None`` (default): encoding an unknown character raises ``ValueError``.
        A single character that is one of ``chars``: unknown characters are encoded as
        its id.
    specials : tuple of str
        Names of special tokens (for example ``SEQ2SEQ_SPECIALS``); they take ids
        ``0 .. len(specials) - 1`` and the characters follow.

    Attributes
    ----------
    chars : tuple of str
    tokens : tuple of str, length V: ``specials + chars``, token ``tokens[k]`` has id ``k``
    index : dict str -> int, the id of each character
    unk : str or None
    """

    def __init__(self, chars, *, unk=None, specials=()):
        if isinstance(chars, str):
            chars = list(chars)
        try:
            chars = tuple(chars)
        except TypeError:
            raise ValueError(f"chars must be an iterable of single characters, "
                             f"got {type(chars).__name__}") from None
        if not chars:
            raise ValueError("chars must hold at least one character, got none")
        for c in chars:
            if not isinstance(c, str) or len(c) != 1:
                raise ValueError(f"chars must be single characters (str of length 1), got {c!r}")
        if len(set(chars)) != len(chars):
            seen, dupes = set(), []
            for c in chars:
                if c in seen:
                    dupes.append(c)
                seen.add(c)
            raise ValueError(f"chars must be distinct, got duplicates {sorted(set(dupes))!r}")
        if unk is not None and (not isinstance(unk, str) or len(unk) != 1 or unk not in chars):
            raise ValueError(f"unk must be None or one of chars (a single character), got {unk!r}")
        if isinstance(specials, str) or not all(isinstance(t, str) and len(t) > 1 for t in specials) \
                or len(set(specials)) != len(specials):
            raise ValueError(f"specials must be distinct names of two or more characters, "
                             f"such as '<pad>', got {specials!r}")
        self.specials = tuple(specials)
        self.chars = chars
        self.tokens = self.specials + chars
        self.index = {c: k + len(self.specials) for k, c in enumerate(chars)}
        self.unk = unk

    def special_id(self, name):
        """The id of the special token ``name`` (``ValueError`` if this vocabulary lacks it)."""
        if name not in self.specials:
            raise ValueError(f"this vocabulary has no special token {name!r} (it has {self.specials})")
        return self.specials.index(name)

    @classmethod
    def from_text(cls, text, *, order="sorted", unk=None, specials=()):
        """The distinct characters of ``text``, sorted by code point (default) or in order of
        first appearance (``order="appearance"``: h, e, l, o for "hello").

        If ``unk`` is given and does not occur in ``text``, it is added as the last id.
        """
        if not isinstance(text, str) or not text:
            raise ValueError(f"text must be a non-empty str, got {text!r:.60}")
        check_choice("order", order, ("sorted", "appearance"))
        chars = sorted(set(text)) if order == "sorted" else list(dict.fromkeys(text))
        if unk is not None and isinstance(unk, str) and len(unk) == 1 and unk not in chars:
            chars.append(unk)
        return cls(chars, unk=unk, specials=specials)

    def __len__(self):
        return len(self.tokens)

    def __contains__(self, char):
        return char in self.index

    def __eq__(self, other):
        return isinstance(other, Vocab) and (self.tokens, self.unk) == (other.tokens, other.unk)

    def __repr__(self):
        head = "".join(self.chars[:20]) + ("…" if len(self) > 20 else "")
        extra = f", specials={self.specials!r}" if self.specials else ""
        return f"Vocab(V={len(self)}, chars={head!r}, unk={self.unk!r}{extra})"

    def encode(self, text, *, sos=False, eos=False):
        """Ids of the characters of ``text``, optionally after ``<sos>`` and before ``<eos>``.

        Parameters
        ----------
        text : str of length n
        sos, eos : bool, add the special token in front / at the end (the vocabulary
            must have it)

        Returns
        -------
        ids : np.ndarray of int64, shape (n + sos + eos,), values in [0, V)
        """
        ids = self._encode(text)
        if sos or eos:
            head = [self.special_id(SOS)] if sos else []
            tail = [self.special_id(EOS)] if eos else []
            ids = np.concatenate([np.array(head, np.int64), ids, np.array(tail, np.int64)])
        return ids

    def _encode(self, text):
        if not isinstance(text, str):
            raise ValueError(f"text must be a str, got {type(text).__name__}")
        index = self.index
        if self.unk is None:
            unknown = set(text).difference(index)
            if unknown:
                shown = "".join(sorted(unknown)[:20])
                raise ValueError(f"text contains {len(unknown)} character(s) not in the vocabulary "
                                 f"(first, sorted: {shown!r}); build the vocabulary from a text "
                                 f"that contains them, or pass unk= to map them to one id")
            return np.fromiter((index[c] for c in text), dtype=np.int64, count=len(text))
        u = index[self.unk]
        return np.fromiter((index.get(c, u) for c in text), dtype=np.int64, count=len(text))

    def decode(self, ids):
        """The string of the characters with ids ``ids``.

        With special tokens, decoding stops at the first ``<eos>`` and skips ``<pad>`` and
        ``<sos>`` (any other special token is written by its name).

        Parameters
        ----------
        ids : 1-D array_like of int, shape (n,), values in [0, V)

        Returns
        -------
        text : str of length n
        """
        ids = np.asarray(ids)
        if ids.ndim != 1:
            raise ValueError(f"ids must be 1-D of shape (n,), got shape {ids.shape}")
        if ids.size and not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"ids must be integers, got dtype {ids.dtype}")
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise ValueError(f"ids must lie in [0, V = {len(self)}), "
                             f"got values in [{ids.min()}, {ids.max()}]")
        tokens, ids = self.tokens, ids.tolist()
        if not self.specials:
            return "".join([tokens[i] for i in ids])
        eos = self.specials.index(EOS) if EOS in self.specials else None
        skip = {self.specials.index(t) for t in (PAD, SOS) if t in self.specials}
        if eos in ids:
            ids = ids[:ids.index(eos)]
        return "".join([tokens[i] for i in ids if i not in skip])

    def to_json(self) -> str:
        """The vocabulary as a JSON document (UTF-8 text, characters not escaped)."""
        doc = {"format": FORMAT, "version": VERSION, "unk": self.unk, "chars": list(self.chars)}
        if self.specials:
            doc["specials"] = list(self.specials)
        return json.dumps(doc, ensure_ascii=False)

    @classmethod
    def from_json(cls, document: str):
        """Inverse of :meth:`to_json`; ``ValueError`` if ``document`` is not one."""
        try:
            obj = json.loads(document)
        except (TypeError, json.JSONDecodeError) as err:
            raise ValueError(f"document is not valid JSON: {err}") from None
        if not isinstance(obj, dict) or obj.get("format") != FORMAT:
            raise ValueError(f"document is not a saved {FORMAT} (its 'format' field is missing or wrong)")
        if obj.get("version") != VERSION:
            raise ValueError(f"document has version {obj.get('version')!r}; "
                             f"this rnnkit reads version {VERSION}")
        if not isinstance(obj.get("chars"), list):
            raise ValueError("document must hold a list 'chars'")
        return cls(obj["chars"], unk=obj.get("unk"), specials=tuple(obj.get("specials", ())))

    def save(self, path):
        """Write the vocabulary to ``path`` as JSON, atomically.

        A reader sees either the old file or the complete new one (:mod:`rnnkit.atomic`).
        """
        atomic_write(check_path("path", path), self.to_json())

    @classmethod
    def load(cls, path):
        """Read a vocabulary written by :meth:`save`."""
        path = check_path("path", path)
        try:
            return cls.from_json(path.read_text(encoding="utf-8"))
        except ValueError as err:
            raise ValueError(f"{path}: {err}") from None


def one_hot(ids, V, dtype=np.float64):
    """One-hot vectors of integer ids: row ``k`` of the V x V identity for id ``k``.

    A one-hot vector of character ``k`` is the k-th standard basis vector of R^V, so
    ``W_xh x_t`` simply picks column k of ``W_xh`` (row k of ``Wx`` in the code's layout).

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
    V = check_int("V", V, 1)
    if ids.size and not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids must be an integer array, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"ids must lie in [0, V = {V}), got values in [{ids.min()}, {ids.max()}]")
    return np.eye(V, dtype=dtype)[ids.astype(np.int64)]
