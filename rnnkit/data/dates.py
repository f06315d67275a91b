"""Korean dates to ISO dates: the toy translation task of chapter 06 (seq2seq).

A *source* is a date written the way Koreans write it, a *target* the same date in
ISO 8601::

    "2026년 11월 25일"        -> "2026-11-25"
    "26년 11월 25일 (수)"     -> "2026-11-25"
    "2026년 3월 5일 목요일"   -> "2026-03-05"

Formats (chosen independently and uniformly by :func:`format_korean`):

- year: four digits ``2026년`` or two digits ``26년``. Two-digit years follow the POSIX
  ``%y`` rule that :func:`datetime.datetime.strptime` uses: 00-68 are 2000-2068,
  69-99 are 1969-1999. Dates are drawn from 1970-01-01 .. 2068-12-31, so every
  two-digit year is unambiguous.
- month and day: as numbers, ``3월 5일``, or zero-padded, ``03월 05일``.
- weekday: none, in parentheses ``(목)``, or spelled out ``목요일``. It is always the
  true weekday of the date (the model may ignore it; it never decides the answer).

A second task makes the input as long as we like: a *list* of dates ``"3월 5일, 11월
25일, ..."`` (month and day only) whose target is ``"03-05 11-25 ..."``
(:func:`date_list_pair`). Chapter 06 uses it to show that one fixed-size context vector
runs out of room as the list grows, and that attention does not.

Vocabularies (:class:`Vocab`) reserve ids 0, 1, 2 for ``PAD``, ``SOS`` (start of
sequence) and ``EOS`` (end of sequence). :func:`encode_batch` turns strings into padded
id arrays plus boolean masks that are ``True`` exactly on the real (non-padding)
positions. Everything here is numpy; :mod:`rnnkit.models.seq2seq` converts to torch.
"""
from __future__ import annotations

import datetime as _dt

import numpy as np

PAD, SOS, EOS = 0, 1, 2
SPECIALS = ("<pad>", "<sos>", "<eos>")

WEEKDAYS = "월화수목금토일"          # datetime.weekday(): Monday = 0
FIRST = _dt.date(1970, 1, 1)
LAST = _dt.date(2068, 12, 31)

YEAR_STYLES = ("yyyy", "yy")
NUMBER_STYLES = ("plain", "zero")
WEEKDAY_STYLES = ("none", "paren", "word")

SOURCE_CHARS = "0123456789년월일요() ,"  + "화수목금토"   # 월, 일 are already there
TARGET_CHARS = "0123456789- "


class Vocab:
    """Characters and their ids, with ``PAD = 0``, ``SOS = 1``, ``EOS = 2`` in front.

    Parameters
    ----------
    chars : str or iterable of str
        Distinct single characters; the k-th gets id ``k + 3``.
    """

    def __init__(self, chars):
        chars = tuple(chars)
        for c in chars:
            if not isinstance(c, str) or len(c) != 1:
                raise ValueError(f"chars must be single characters, got {c!r}")
        if len(set(chars)) != len(chars):
            raise ValueError(f"chars must be distinct, got duplicates "
                             f"{sorted({c for c in chars if chars.count(c) > 1})}")
        if not chars:
            raise ValueError("chars must hold at least one character")
        self.chars = chars
        self.tokens = SPECIALS + chars
        self.index = {c: k + len(SPECIALS) for k, c in enumerate(chars)}

    def __len__(self):
        return len(self.tokens)

    def __repr__(self):
        return f"Vocab({''.join(self.chars)!r})"

    def __eq__(self, other):
        return isinstance(other, Vocab) and self.chars == other.chars

    def encode(self, text, *, sos=False, eos=False):
        """Ids of the characters of ``text`` (int64), optionally with SOS in front / EOS at the end."""
        if not isinstance(text, str):
            raise ValueError(f"text must be a str, got {type(text).__name__}")
        bad = sorted({c for c in text if c not in self.index})
        if bad:
            raise ValueError(f"text has characters outside the vocabulary: {bad} in {text!r}")
        ids = [SOS] * sos + [self.index[c] for c in text] + [EOS] * eos
        return np.array(ids, dtype=np.int64)

    def decode(self, ids):
        """The string of ``ids``: stops at the first EOS, skips PAD and SOS."""
        out = []
        for i in np.asarray(ids).reshape(-1).tolist():
            if i == EOS:
                break
            if i in (PAD, SOS):
                continue
            if not 0 <= i < len(self.tokens):
                raise ValueError(f"ids must be in [0, {len(self.tokens)}), got {i}")
            out.append(self.tokens[i])
        return "".join(out)


SOURCE_VOCAB = Vocab(SOURCE_CHARS)
TARGET_VOCAB = Vocab(TARGET_CHARS)


def _check_date(date):
    if not isinstance(date, _dt.date) or isinstance(date, _dt.datetime):
        raise ValueError(f"date must be a datetime.date, got {type(date).__name__}")
    if not FIRST <= date <= LAST:
        raise ValueError(f"date must be between {FIRST} and {LAST}, got {date}")


def _check_choice(name, value, options):
    if value not in options:
        raise ValueError(f"{name} must be one of {options}, got {value!r}")


def format_korean(date, year="yyyy", numbers="plain", weekday="none"):
    """``date`` written in Korean, e.g. ``"2026년 11월 25일"``.

    Parameters
    ----------
    date : datetime.date between 1970-01-01 and 2068-12-31
    year : "yyyy" (``2026년``) or "yy" (``26년``)
    numbers : "plain" (``3월 5일``) or "zero" (``03월 05일``)
    weekday : "none", "paren" (``(목)``) or "word" (``목요일``)
    """
    _check_date(date)
    _check_choice("year", year, YEAR_STYLES)
    _check_choice("numbers", numbers, NUMBER_STYLES)
    _check_choice("weekday", weekday, WEEKDAY_STYLES)
    y = f"{date.year}" if year == "yyyy" else f"{date.year % 100:02d}"
    num = "{:d}" if numbers == "plain" else "{:02d}"
    text = f"{y}년 {num.format(date.month)}월 {num.format(date.day)}일"
    w = WEEKDAYS[date.weekday()]
    if weekday == "paren":
        text += f" ({w})"
    elif weekday == "word":
        text += f" {w}요일"
    return text


def parse_korean(text):
    """The ``datetime.date`` of a string made by :func:`format_korean` (a reference parser).

    Raises ValueError if ``text`` is not in one of the formats, is not a real date, or
    names the wrong weekday.
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    parts = text.split(" ")
    if len(parts) not in (3, 4):
        raise ValueError(f"text must look like '2026년 11월 25일' (+ optional weekday), got {text!r}")
    y, m, d = parts[:3]
    if not (y.endswith("년") and m.endswith("월") and d.endswith("일")):
        raise ValueError(f"text must look like '2026년 11월 25일', got {text!r}")
    y, m, d = y[:-1], m[:-1], d[:-1]
    if not (y.isdigit() and m.isdigit() and d.isdigit() and len(y) in (2, 4)
            and 1 <= len(m) <= 2 and 1 <= len(d) <= 2):
        raise ValueError(f"text has malformed numbers: {text!r}")
    fmt = "%Y %m %d" if len(y) == 4 else "%y %m %d"
    date = _dt.datetime.strptime(f"{y} {m} {d}", fmt).date()
    if len(parts) == 4:
        w = parts[3]
        name = WEEKDAYS[date.weekday()]
        if w not in (f"({name})", f"{name}요일"):
            raise ValueError(f"text names the wrong weekday for {date}: {w!r}")
    _check_date(date)
    return date


def _rng(seed):
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int or a numpy Generator, got {seed!r}")
    return np.random.default_rng(int(seed))


def _check_n(n):
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative int, got {n!r}")
    return int(n)


def random_dates(n, seed=0):
    """``n`` dates drawn uniformly from 1970-01-01 .. 2068-12-31 (a list of datetime.date)."""
    n = _check_n(n)
    rng = _rng(seed)
    span = (LAST - FIRST).days + 1
    return [FIRST + _dt.timedelta(days=int(k)) for k in rng.integers(0, span, size=n)]


def date_pairs(n, seed=0):
    """``n`` (source, target) pairs of the date task, formats drawn uniformly.

    >>> date_pairs(2, seed=0)   # doctest: +SKIP
    [('2053년 6월 23일', '2053-06-23'), ...]
    """
    n = _check_n(n)
    rng = _rng(seed)
    pairs = []
    for date in random_dates(n, rng):
        style = (YEAR_STYLES[rng.integers(2)], NUMBER_STYLES[rng.integers(2)],
                 WEEKDAY_STYLES[rng.integers(3)])
        pairs.append((format_korean(date, *style), date.isoformat()))
    return pairs


def date_list_pair(k, rng):
    """One pair of the list task: ``k`` random month-day dates, e.g.
    ``("3월 5일, 11월 25일", "03-05 11-25")``. Numbers are plain or zero-padded per date."""
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive int (number of dates), got {k!r}")
    rng = _rng(rng)
    src, tgt = [], []
    for date in random_dates(int(k), rng):
        num = "{:d}" if rng.integers(2) == 0 else "{:02d}"
        src.append(f"{num.format(date.month)}월 {num.format(date.day)}일")
        tgt.append(f"{date.month:02d}-{date.day:02d}")
    return ", ".join(src), " ".join(tgt)


def date_list_pairs(n, k_min=1, k_max=8, seed=0):
    """``n`` pairs of the list task, the number of dates uniform in ``k_min .. k_max``."""
    n = _check_n(n)
    for name, v in (("k_min", k_min), ("k_max", k_max)):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive int, got {v!r}")
    if k_min > k_max:
        raise ValueError(f"k_min must be <= k_max, got k_min={k_min}, k_max={k_max}")
    rng = _rng(seed)
    return [date_list_pair(int(rng.integers(k_min, k_max + 1)), rng) for _ in range(n)]


def pad(seqs, pad_id=PAD):
    """Stack 1-D int sequences into an (N, T_max) array padded with ``pad_id``.

    Returns
    -------
    ids : (N, T_max) int64
    mask : (N, T_max) bool, True exactly on the real positions (``mask[i, :len(seqs[i])]``)
    """
    seqs = [np.asarray(s) for s in seqs]
    if not seqs:
        raise ValueError("seqs must hold at least one sequence")
    for i, s in enumerate(seqs):
        if s.ndim != 1 or (s.size and not np.issubdtype(s.dtype, np.integer)):
            raise ValueError(f"seqs[{i}] must be a 1-D integer sequence, got shape {s.shape}, dtype {s.dtype}")
    lengths = np.array([len(s) for s in seqs])
    ids = np.full((len(seqs), max(lengths.max(), 1)), pad_id, dtype=np.int64)
    mask = np.arange(ids.shape[1])[None, :] < lengths[:, None]
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = s
    return ids, mask


def encode_batch(pairs, src_vocab=SOURCE_VOCAB, tgt_vocab=TARGET_VOCAB):
    """Padded arrays for a batch of (source, target) strings.

    Returns a dict of numpy arrays (N batch, S source length, T target length + 1):

    - ``src`` (N, S) int64 source ids, PAD after the end; ``src_mask`` (N, S) bool
    - ``tgt_in`` (N, T) decoder inputs: SOS then the target characters
    - ``tgt_out`` (N, T) what the decoder must predict: the target characters then EOS
    - ``tgt_mask`` (N, T) bool, True on the real positions of ``tgt_out`` (EOS included)
    """
    pairs = list(pairs)
    if not pairs:
        raise ValueError("pairs must hold at least one (source, target) pair")
    for i, p in enumerate(pairs):
        if not (isinstance(p, (tuple, list)) and len(p) == 2):
            raise ValueError(f"pairs[{i}] must be a (source, target) pair of strings, got {p!r}")
    src, src_mask = pad([src_vocab.encode(s) for s, _ in pairs])
    tgt_in, _ = pad([tgt_vocab.encode(t, sos=True) for _, t in pairs])
    tgt_out, tgt_mask = pad([tgt_vocab.encode(t, eos=True) for _, t in pairs])
    return {"src": src, "src_mask": src_mask, "tgt_in": tgt_in, "tgt_out": tgt_out, "tgt_mask": tgt_mask}
