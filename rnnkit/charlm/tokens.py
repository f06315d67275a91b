"""What a model reads: syllables (one id per character) or 자모 (a Hangul syllable as 2-3 ids).

``tokens="syllable"`` keeps the text as it is: 1,676 distinct characters in the novel.
``tokens="jamo"`` replaces every Hangul syllable by its conjoining jamo
(:func:`rnnkit.data.jamo.decompose`), which shrinks the vocabulary to a few hundred symbols
and makes the sequence longer. Bits per *token* of the two models are not comparable;
bits per original *character* (total bits / number of characters of the text) are.
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import check_choice
from rnnkit.data import Vocab, decompose, recompose
from rnnkit.data.jamo import L_COUNT, S_BASE, S_COUNT, T_COUNT, V_COUNT

#: Number of 자모 parts of :func:`jamo_parts`: 19 initials, 21 vowels, 27 finals.
N_PARTS = L_COUNT + V_COUNT + (T_COUNT - 1)

TOKENS = ("syllable", "jamo")


def check_tokens(tokens):
    """``tokens`` if it is one of ``TOKENS`` ("syllable", "jamo"), else ``ValueError``."""
    return check_choice("tokens", tokens, TOKENS)


def to_tokens(text, tokens):
    """``text`` as the model's token string (unchanged, or with syllables decomposed)."""
    return decompose(text) if check_tokens(tokens) == "jamo" else text


def from_tokens(token_text, tokens):
    """Inverse of :func:`to_tokens` (jamo are recomposed into syllables)."""
    return recompose(token_text) if check_tokens(tokens) == "jamo" else token_text


def build_vocab(text, tokens):
    """The closed vocabulary of the whole ``text`` in the given token kind."""
    return Vocab.from_text(to_tokens(text, tokens))


def jamo_parts(chars):
    """Which 자모 each vocabulary entry is made of, as a 0/1 matrix P of shape (V, 67).

    Row v has a 1 in column L (initial consonant), 19 + V (vowel) and, if the syllable
    has a final consonant, 40 + T - 1: three (or two) ones for a Hangul syllable and
    none for anything else (punctuation, digits, 漢字, Latin letters). With a (67, E)
    matrix J of part vectors, ``P @ J`` gives every syllable a vector built from its
    parts, so that 강, 간 and 각 share the vectors of ㄱ and ㅏ even when one of them is
    rare. :class:`~rnnkit.charlm.model.CharLM` adds this to its embedding (``parts=``).

    Parameters
    ----------
    chars : sequence of V single characters (``vocab.chars``)

    Returns
    -------
    float32 array (V, 67)
    """
    chars = list(chars)
    if not all(isinstance(c, str) and len(c) == 1 for c in chars):
        raise ValueError("chars must be a sequence of single characters (vocab.chars)")
    out = np.zeros((len(chars), N_PARTS), dtype=np.float32)
    for row, ch in enumerate(chars):
        k = ord(ch) - S_BASE
        if 0 <= k < S_COUNT:
            lead, rest = divmod(k, V_COUNT * T_COUNT)
            vowel, tail = divmod(rest, T_COUNT)
            out[row, lead] = out[row, L_COUNT + vowel] = 1.0
            if tail:
                out[row, L_COUNT + V_COUNT + tail - 1] = 1.0
    return out
