"""The word-spacing task of chapter 08 (띄어쓰기): remove the spaces, predict where they were.

A line of text becomes its characters without spaces and one label per character,
"a space follows this character":

    >>> chars, labels = unspace("아버지가 방에  들어가신다")
    >>> chars, labels.tolist()
    ('아버지가방에들어가신다', [0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0])

Every whitespace character except the newline counts as a space; a run of them is one
space; spaces at the start or end of a line are not boundaries (the last character of a
line always has label 0, and so has a newline). :func:`respace` puts the spaces back.

The protocol every row of the chapter's table is measured with (:func:`heldout_lines`,
:func:`score_lines`):

1. the text of 『무정』 is split as in chapter 07, :func:`~rnnkit.data.mujeong.split_text`: the
   first 90 % of the characters for training, the last 10 % held out (292,455 + 32,495);
2. the held-out part is cut into lines at the newlines; every line holding at least one
   non-space character is kept (399 lines; the first starts in the middle of a sentence,
   where the split falls);
3. a system receives each line with its spaces removed and returns it with spaces;
4. there is a boundary after every character of a line except the last; a boundary is a
   true space if the original line had a space there. Over all boundaries of all lines:
   precision = TP / (TP + FP), recall = TP / (TP + FN), F1 their harmonic mean
   (precision is 0 when nothing is predicted, and F1 is 0 when precision + recall is 0);
   ``exact`` is the share of lines whose every boundary is right.

A system that changes the characters of a line (a spelling corrector may) cannot be
scored on it: :func:`score_lines` refuses it, and :func:`same_characters` lets a caller
leave such lines out and say how many.
"""
from __future__ import annotations

import numpy as np

from .mujeong import split_text


def _check_str(name, text):
    if not isinstance(text, str):
        raise ValueError(f"{name} must be a str, got {type(text).__name__}")
    return text


def _is_space(ch):
    return ch.isspace() and ch != "\n"


def unspace(text):
    """Remove the spaces of ``text`` and label where they were.

    Parameters
    ----------
    text : str, one line or many (newlines are kept as characters)

    Returns
    -------
    chars : str, ``text`` without its spaces (every whitespace character but ``\\n``)
    labels : (len(chars),) int8 array; ``labels[i] = 1`` if a space stood between
        ``chars[i]`` and the next character of the same line, else 0
    """
    text = _check_str("text", text)
    chars, labels, pending = [], [], False
    for ch in text:
        if _is_space(ch):
            pending = bool(chars) and chars[-1] != "\n"     # leading spaces of a line are not boundaries
            continue
        if pending and ch != "\n":                         # trailing spaces of a line are not either
            labels[-1] = 1
        chars.append(ch)
        labels.append(0)
        pending = False
    return "".join(chars), np.array(labels, dtype=np.int8)


def respace(chars, labels):
    """Insert a space after ``chars[i]`` wherever ``labels[i]`` is true: the inverse of :func:`unspace`.

    Labels of the last character of a line (before a newline or at the end) are ignored,
    so ``respace(*unspace(line))`` is the line with its spaces normalized (one space per
    run, none at the ends). ``chars`` must contain no space.

    Parameters
    ----------
    chars : str without spaces;  labels : (len(chars),) array of 0/1 or bool
    """
    chars = _check_str("chars", chars)
    labels = np.asarray(labels)
    if labels.shape != (len(chars),) or not (labels.dtype == bool or np.issubdtype(labels.dtype, np.integer)):
        raise ValueError(f"labels must be a 0/1 integer or bool array of shape (len(chars),) = ({len(chars)},), "
                         f"got shape {labels.shape} and dtype {labels.dtype}")
    if labels.size and not np.isin(labels, (0, 1)).all():
        raise ValueError("labels must hold only 0 and 1 (or False and True)")
    if any(_is_space(ch) for ch in chars):
        raise ValueError("chars must not contain spaces (pass the first result of unspace)")
    out = []
    for i, ch in enumerate(chars):
        out.append(ch)
        if labels[i] and ch != "\n" and i + 1 < len(chars) and chars[i + 1] != "\n":
            out.append(" ")
    return "".join(out)


def heldout_lines(text, frac=0.9):
    """The held-out lines of the standard split: the task's test set.

    ``split_text(text, frac)[1]`` cut at the newlines, keeping the lines with at least
    one non-space character, as they are (with their spaces).
    """
    valid = split_text(_check_str("text", text), frac)[1]
    return [line for line in valid.split("\n") if line.strip()]


def same_characters(a, b):
    """True if the lines ``a`` and ``b`` differ at most in their spaces."""
    return unspace(_check_str("a", a))[0] == unspace(_check_str("b", b))[0]


def score_labels(true, predicted):
    """Precision, recall and F1 of spaces, and the share of exact lines, from labels.

    Parameters
    ----------
    true, predicted : lists of label arrays, one per line, each of shape (len(chars),)
        as :func:`unspace` returns (only the first len(chars) - 1 entries, the
        boundaries, are read)

    Returns
    -------
    dict with ``precision``, ``recall``, ``f1``, ``exact`` (floats), ``tp``, ``fp``,
    ``fn``, ``lines``, ``boundaries``, ``spaces`` (ints)
    """
    if not isinstance(true, (list, tuple)) or not isinstance(predicted, (list, tuple)):
        raise ValueError("true and predicted must be lists of label arrays, one per line")
    if len(true) != len(predicted):
        raise ValueError(f"predicted must have one label array per line, {len(true)}, got {len(predicted)}")
    tp = fp = fn = exact = boundaries = 0
    for j, (t, p) in enumerate(zip(true, predicted)):
        t, p = np.asarray(t), np.asarray(p)
        if t.ndim != 1 or p.shape != t.shape:
            raise ValueError(f"predicted[{j}] must have the shape of true[{j}], {t.shape}, got {p.shape}")
        t, p = t[:-1].astype(bool), p[:-1].astype(bool)          # boundaries: all but the last character
        tp += int(np.sum(t & p))
        fp += int(np.sum(~t & p))
        fn += int(np.sum(t & ~p))
        exact += bool(np.array_equal(t, p))
        boundaries += t.size
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1,
            "exact": exact / len(true) if true else 0.0, "tp": tp, "fp": fp, "fn": fn,
            "lines": len(true), "boundaries": boundaries, "spaces": tp + fn}


def score_lines(true_lines, predicted_lines):
    """:func:`score_labels` of spaced lines: the original lines and a system's output.

    Each predicted line must have the characters of its original line (spaces aside);
    otherwise ValueError names the first line that differs.
    """
    if not isinstance(true_lines, (list, tuple)) or not isinstance(predicted_lines, (list, tuple)):
        raise ValueError("true_lines and predicted_lines must be lists of str")
    if len(true_lines) != len(predicted_lines):
        raise ValueError(f"predicted_lines must have one line per true line, {len(true_lines)}, "
                         f"got {len(predicted_lines)}")
    true, pred = [], []
    for j, (a, b) in enumerate(zip(true_lines, predicted_lines)):
        ca, la = unspace(_check_str(f"true_lines[{j}]", a))
        cb, lb = unspace(_check_str(f"predicted_lines[{j}]", b))
        if "\n" in ca or "\n" in cb:
            raise ValueError(f"line {j} contains a newline: pass one line per entry")
        if ca != cb:
            raise ValueError(f"predicted_lines[{j}] changes the characters of the line "
                             f"({ca[:20]!r}… -> {cb[:20]!r}…); leave such lines out with same_characters")
        true.append(la)
        pred.append(lb)
    return score_labels(true, pred)


def score_system(lines, system, skip_changed=False):
    """Run a spacing system on lines without their spaces, and score it (the protocol above).

    Parameters
    ----------
    lines : list of str, the original lines (e.g. :func:`heldout_lines`)
    system : callable, ``system(chars) -> str``: a line without spaces in, the line with
        the spaces it predicts out
    skip_changed : bool; if True, lines whose characters the system changed are left
        out of the score (and listed), else they raise ValueError

    Returns
    -------
    dict of :func:`score_labels` plus ``excluded``, the indices of the lines left out
    """
    if not isinstance(lines, (list, tuple)) or not lines:
        raise ValueError("lines must be a non-empty list of str")
    if not callable(system):
        raise ValueError(f"system must be a callable taking a str and returning a str, got {type(system).__name__}")
    kept, outputs, excluded = [], [], []
    for j, line in enumerate(lines):
        chars = unspace(_check_str(f"lines[{j}]", line))[0]
        out = system(chars)
        if not isinstance(out, str):
            raise ValueError(f"system must return a str, got {type(out).__name__} for lines[{j}]")
        if skip_changed and unspace(out)[0] != chars:
            excluded.append(j)
            continue
        kept.append(line)
        outputs.append(out)
    if not kept:
        raise ValueError("the system changed the characters of every line: nothing left to score")
    return score_lines(kept, outputs) | {"excluded": excluded}
