"""What a model reads: syllables (one id per character) or 자모 (a Hangul syllable as 2-3 ids).

``tokens="syllable"`` keeps the text as it is: 1,676 distinct characters in the novel.
``tokens="jamo"`` replaces every Hangul syllable by its conjoining jamo
(:func:`rnnkit.data.jamo.decompose`), which shrinks the vocabulary to a few hundred symbols
and makes the sequence longer. Bits per *token* of the two models are not comparable;
bits per original *character* (total bits / number of characters of the text) are.
"""
from __future__ import annotations

from rnnkit.data import Vocab, decompose, recompose

TOKENS = ("syllable", "jamo")


def check_tokens(tokens):
    if tokens not in TOKENS:
        raise ValueError(f"tokens must be one of {TOKENS}, got {tokens!r}")
    return tokens


def to_tokens(text, tokens):
    """``text`` as the model's token string (unchanged, or with syllables decomposed)."""
    return decompose(text) if check_tokens(tokens) == "jamo" else text


def from_tokens(token_text, tokens):
    """Inverse of :func:`to_tokens` (jamo are recomposed into syllables)."""
    return recompose(token_text) if check_tokens(tokens) == "jamo" else token_text


def build_vocab(text, tokens):
    """The closed vocabulary of the whole ``text`` in the given token kind."""
    return Vocab.from_text(to_tokens(text, tokens))
