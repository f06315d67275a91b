"""A character vocabulary: characters <-> integer ids, saved beside a model as JSON.

Chapter 07 builds it from the whole novel (``Vocab.from_text(text)``): 1,676 characters,
sorted by code point, so the ids do not depend on where a character first appears.
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
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

_FORMAT = "rnnkit.data.Vocab"
_VERSION = 1


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

    Attributes
    ----------
    chars : tuple of str, length V
    index : dict str -> int, the inverse of ``chars``
    unk : str or None
    """

    def __init__(self, chars, *, unk=None):
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
        self.chars = chars
        self.index = {c: k for k, c in enumerate(chars)}
        self.unk = unk

    @classmethod
    def from_text(cls, text, *, order="sorted", unk=None):
        """The distinct characters of ``text``, sorted by code point (default) or in order of
        first appearance (``order="appearance"``: h, e, l, o for "hello").

        If ``unk`` is given and does not occur in ``text``, it is added as the last id.
        """
        if not isinstance(text, str) or not text:
            raise ValueError(f"text must be a non-empty str, got {text!r:.60}")
        if order not in ("sorted", "appearance"):
            raise ValueError(f"order must be 'sorted' or 'appearance', got {order!r}")
        chars = sorted(set(text)) if order == "sorted" else list(dict.fromkeys(text))
        if unk is not None and isinstance(unk, str) and len(unk) == 1 and unk not in chars:
            chars.append(unk)
        return cls(chars, unk=unk)

    def __len__(self):
        return len(self.chars)

    def __contains__(self, char):
        return char in self.index

    def __eq__(self, other):
        return isinstance(other, Vocab) and (self.chars, self.unk) == (other.chars, other.unk)

    def __repr__(self):
        head = "".join(self.chars[:20]) + ("…" if len(self) > 20 else "")
        return f"Vocab(V={len(self)}, chars={head!r}, unk={self.unk!r})"

    def encode(self, text):
        """Ids of the characters of ``text``.

        Parameters
        ----------
        text : str of length n

        Returns
        -------
        ids : np.ndarray of int64, shape (n,), values in [0, V)
        """
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
        chars = self.chars
        return "".join([chars[i] for i in ids.tolist()])

    def to_json(self) -> str:
        """The vocabulary as a JSON document (UTF-8 text, characters not escaped)."""
        return json.dumps({"format": _FORMAT, "version": _VERSION, "unk": self.unk,
                           "chars": list(self.chars)}, ensure_ascii=False)

    @classmethod
    def from_json(cls, document: str):
        """Inverse of :meth:`to_json`; ``ValueError`` if ``document`` is not one."""
        try:
            obj = json.loads(document)
        except (TypeError, json.JSONDecodeError) as err:
            raise ValueError(f"document is not valid JSON: {err}") from None
        if not isinstance(obj, dict) or obj.get("format") != _FORMAT:
            raise ValueError(f"document is not a saved {_FORMAT} (its 'format' field is missing or wrong)")
        if obj.get("version") != _VERSION:
            raise ValueError(f"document has version {obj.get('version')!r}; "
                             f"this rnnkit reads version {_VERSION}")
        if not isinstance(obj.get("chars"), list):
            raise ValueError("document must hold a list 'chars'")
        return cls(obj["chars"], unk=obj.get("unk"))

    def save(self, path):
        """Write the vocabulary to ``path`` as JSON, atomically.

        The document goes to a temporary file in the same directory, which
        :func:`os.replace` then renames to ``path``: a reader sees either the old file
        or the complete new one, never a partial write.
        """
        if not isinstance(path, (str, os.PathLike)) or str(path) == "":
            raise ValueError(f"path must be a non-empty str or os.PathLike, got {path!r}")
        path = Path(path)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(self.to_json())
            os.chmod(tmp, 0o644)          # mkstemp creates 0600; a saved vocabulary is meant to be shared
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    @classmethod
    def load(cls, path):
        """Read a vocabulary written by :meth:`save`."""
        if not isinstance(path, (str, os.PathLike)) or str(path) == "":
            raise ValueError(f"path must be a non-empty str or os.PathLike, got {path!r}")
        try:
            return cls.from_json(Path(path).read_text(encoding="utf-8"))
        except ValueError as err:
            raise ValueError(f"{path}: {err}") from None
