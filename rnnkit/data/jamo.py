"""Hangul syllables <-> 자모 (jamo), by Unicode arithmetic, with an exact round trip.

Each of the 11,172 precomposed syllables 가 (U+AC00) … 힣 (U+D7A3) is one number built
from three indices::

    code = 0xAC00 + (L * 21 + V) * 28 + T
    L in [0, 19)  initial consonant  (초성)  ㄱ ㄲ ㄴ … ㅎ
    V in [0, 21)  vowel              (중성)  ㅏ ㅐ ㅑ … ㅣ
    T in [0, 28)  final consonant    (종성)  T = 0 means "no final consonant"

:func:`decompose` writes each syllable as *conjoining* jamo from the Hangul Jamo block:
the initial as U+1100 + L, the vowel as U+1161 + V and, only if T > 0, the final as
U+11A7 + T. So 한 becomes ᄒ ᅡ ᆫ (three characters) and 가 becomes ᄀ ᅡ (two):

**a syllable without a final consonant is two jamo, with no filler.** No marker is
needed, because an initial consonant and a final consonant are different code points
(ᄀ U+1100 is an initial, ᆨ U+11A8 a final): after a vowel, a final continues the
syllable and an initial starts the next one. :func:`recompose` reads the boundaries
back from that alone.

**Bits per character from a jamo model.**
Split the text into train and held-out parts *first* (by characters, as
:func:`rnnkit.data.mujeong.split_text` does), then decompose each part. A model trained on
jamo assigns a total of ``B`` bits to the decomposed held-out text; its bits per
*original* character are ``B / len(valid)``, where ``len(valid)`` counts characters
before decomposition (equivalently ``len(recompose(jamo_valid))``), not jamo. Dividing
by the number of jamo would make the model look better than it is: the novel has
about two jamo per character (324,950 characters, 647,019 after decomposition, with
572 distinct symbols instead of 1,676). Only then can a jamo model and a character
model be compared.

Why not :func:`unicodedata.normalize`? On Hangul syllables NFD gives the same jamo, but
NFD also rewrites other characters and NFC does not undo it: the novel uses 15 CJK
*compatibility* ideographs (such as 金 U+F90A, marking the reading 김), which NFD maps
to their unified twins (金 U+91D1). Here only Hangul syllables are touched; every other
character, including the compatibility jamo ㄱ ㄴ ㄷ (U+3131 …) that the novel writes
on their own, passes through unchanged.
"""
from __future__ import annotations

S_BASE, S_COUNT = 0xAC00, 11172   # precomposed syllables 가 … 힣
L_BASE, L_COUNT = 0x1100, 19      # initial consonants ᄀ … ᄒ
V_BASE, V_COUNT = 0x1161, 21      # vowels ᅡ … ᅵ
T_BASE, T_COUNT = 0x11A7, 28      # U+11A7 + T for T = 1 … 27: final consonants ᆨ … ᇂ
N_COUNT = V_COUNT * T_COUNT       # 588 syllables share each initial consonant


def is_syllable(char: str) -> bool:
    """True if ``char`` (one character) is a precomposed Hangul syllable 가 … 힣."""
    if not isinstance(char, str) or len(char) != 1:
        raise ValueError(f"char must be a single character, got {char!r}")
    return S_BASE <= ord(char) < S_BASE + S_COUNT


def _is_initial(code: int) -> bool:
    return L_BASE <= code < L_BASE + L_COUNT


def _is_vowel(code: int) -> bool:
    return V_BASE <= code < V_BASE + V_COUNT


def _is_final(code: int) -> bool:
    return T_BASE < code < T_BASE + T_COUNT


def decompose_syllable(char: str) -> str:
    """The 2 or 3 conjoining jamo of one Hangul syllable.

    ``decompose_syllable("가") == "\\u1100\\u1161"`` (ᄀ ᅡ) and
    ``decompose_syllable("한") == "\\u1112\\u1161\\u11ab"`` (ᄒ ᅡ ᆫ).
    """
    if not isinstance(char, str) or len(char) != 1 or not is_syllable(char):
        raise ValueError(f"char must be one precomposed Hangul syllable (U+AC00 … U+D7A3), got {char!r}")
    s = ord(char) - S_BASE
    L, V, T = s // N_COUNT, (s % N_COUNT) // T_COUNT, s % T_COUNT
    jamo = chr(L_BASE + L) + chr(V_BASE + V)
    return jamo + chr(T_BASE + T) if T else jamo


def decompose(text: str) -> str:
    """Replace every Hangul syllable of ``text`` by its conjoining jamo.

    Parameters
    ----------
    text : str of length n, without conjoining jamo of its own

    Returns
    -------
    str of length between n and 3n; ``recompose(decompose(text)) == text``.

    ``text`` may not already contain modern conjoining jamo (U+1100–U+1112,
    U+1161–U+1175, U+11A8–U+11C2): :func:`recompose` could not tell them from the ones
    made here, so the round trip would not be exact. Such input raises ``ValueError``.
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    out = []
    for i, ch in enumerate(text):
        code = ord(ch)
        if S_BASE <= code < S_BASE + S_COUNT:
            out.append(decompose_syllable(ch))
        elif _is_initial(code) or _is_vowel(code) or _is_final(code):
            raise ValueError(f"text already contains a conjoining jamo {ch!r} (U+{code:04X}) at index "
                             f"{i}; compose it first (e.g. unicodedata.normalize('NFC', text)) so "
                             f"that the decomposition can be undone exactly")
        else:
            out.append(ch)
    return "".join(out)


def recompose(jamo: str) -> str:
    """Inverse of :func:`decompose`: join each initial + vowel (+ final) into a syllable.

    Parameters
    ----------
    jamo : str, for example the output of :func:`decompose` or a sample from a jamo model

    Returns
    -------
    str. Every initial consonant followed by a vowel becomes a syllable, together with
    the final consonant right after the vowel if there is one. Jamo that do not fit
    this pattern (a model may sample a vowel with no initial, say) are kept as they are,
    so no input is ever rejected.
    """
    if not isinstance(jamo, str):
        raise ValueError(f"jamo must be a str, got {type(jamo).__name__}")
    out, i, n = [], 0, len(jamo)
    while i < n:
        code = ord(jamo[i])
        if _is_initial(code) and i + 1 < n and _is_vowel(ord(jamo[i + 1])):
            L, V, T = code - L_BASE, ord(jamo[i + 1]) - V_BASE, 0
            i += 2
            if i < n and _is_final(ord(jamo[i])):
                T = ord(jamo[i]) - T_BASE
                i += 1
            out.append(chr(S_BASE + (L * V_COUNT + V) * T_COUNT + T))
        else:
            out.append(jamo[i])
            i += 1
    return "".join(out)
