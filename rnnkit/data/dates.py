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

The two vocabularies are :class:`rnnkit.data.vocab.Vocab` with the special tokens
``SEQ2SEQ_SPECIALS`` in front: ids 0, 1, 2 are ``PAD``, ``SOS`` (start of sequence) and
``EOS`` (end of sequence). :func:`encode_batch` turns strings into padded id arrays
plus boolean masks that are ``True`` exactly on the real (non-padding) positions.
Everything here is numpy; :mod:`rnnkit.models.seq2seq` converts to torch.
"""
from __future__ import annotations

import datetime as _dt

import numpy as np

from rnnkit.checks import check_choice, check_generator, check_int
from rnnkit.data.vocab import SEQ2SEQ_SPECIALS, Vocab

PAD, SOS, EOS = 0, 1, 2                 # the ids of SEQ2SEQ_SPECIALS: "<pad>", "<sos>", "<eos>"

WEEKDAYS = "월화수목금토일"          # datetime.weekday(): Monday = 0
FIRST = _dt.date(1970, 1, 1)
LAST = _dt.date(2068, 12, 31)

YEAR_STYLES = ("yyyy", "yy")
NUMBER_STYLES = ("plain", "zero")
WEEKDAY_STYLES = ("none", "paren", "word")

SOURCE_CHARS = "0123456789년월일요() ,"  + "화수목금토"   # 월, 일 are already there
TARGET_CHARS = "0123456789- "
SOURCE_VOCAB = Vocab(SOURCE_CHARS, specials=SEQ2SEQ_SPECIALS)
TARGET_VOCAB = Vocab(TARGET_CHARS, specials=SEQ2SEQ_SPECIALS)


def _check_date(date):
    if not isinstance(date, _dt.date) or isinstance(date, _dt.datetime):
        raise ValueError(f"date must be a datetime.date, got {type(date).__name__}")
    if not FIRST <= date <= LAST:
        raise ValueError(f"date must be between {FIRST} and {LAST}, got {date}")


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
    check_choice("year", year, YEAR_STYLES)
    check_choice("numbers", numbers, NUMBER_STYLES)
    check_choice("weekday", weekday, WEEKDAY_STYLES)
    y = f"{date.year}" if year == "yyyy" else f"{date.year % 100:02d}"
    num = "{:d}" if numbers == "plain" else "{:02d}"
    text = f"{y}년 {num.format(date.month)}월 {num.format(date.day)}일"
    w = WEEKDAYS[date.weekday()]
    if weekday == "paren":
        text += f" ({w})"
    elif weekday == "word":
        text += f" {w}요일"
    return text


def random_dates(n, seed=0):
    """``n`` dates drawn uniformly from 1970-01-01 .. 2068-12-31 (a list of datetime.date)."""
    n = check_int("n", n, 0)
    rng = check_generator("seed", seed)
    span = (LAST - FIRST).days + 1
    return [FIRST + _dt.timedelta(days=int(k)) for k in rng.integers(0, span, size=n)]


def date_pairs(n, seed=0):
    """``n`` (source, target) pairs of the date task, formats drawn uniformly.

    >>> date_pairs(2, seed=0)   # doctest: +SKIP
    [('2053년 6월 23일', '2053-06-23'), ...]
    """
    n = check_int("n", n, 0)
    rng = check_generator("seed", seed)
    pairs = []
    for date in random_dates(n, rng):
        style = (YEAR_STYLES[rng.integers(2)], NUMBER_STYLES[rng.integers(2)],
                 WEEKDAY_STYLES[rng.integers(3)])
        pairs.append((format_korean(date, *style), date.isoformat()))
    return pairs


def date_list_pair(k, rng):
    """One pair of the list task: ``k`` random month-day dates, e.g.
    ``("3월 5일, 11월 25일", "03-05 11-25")``. Numbers are plain or zero-padded per date."""
    k = check_int("k", k, 1)
    rng = check_generator("rng", rng)
    src, tgt = [], []
    for date in random_dates(k, rng):
        num = "{:d}" if rng.integers(2) == 0 else "{:02d}"
        src.append(f"{num.format(date.month)}월 {num.format(date.day)}일")
        tgt.append(f"{date.month:02d}-{date.day:02d}")
    return ", ".join(src), " ".join(tgt)


def date_list_pairs(n, k_min=1, k_max=8, seed=0):
    """``n`` pairs of the list task, the number of dates uniform in ``k_min .. k_max``."""
    n = check_int("n", n, 0)
    k_min = check_int("k_min", k_min, 1)
    k_max = check_int("k_max", k_max, 1)
    if k_min > k_max:
        raise ValueError(f"k_min must be <= k_max, got k_min={k_min}, k_max={k_max}")
    rng = check_generator("seed", seed)
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
