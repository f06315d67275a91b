"""rnnkit.data.jamo: syllable arithmetic, exact round trips, and what is left alone."""
from __future__ import annotations

import unicodedata

import pytest

from rnnkit.data import decompose, recompose, split_text
from rnnkit.data.jamo import decompose_syllable, is_syllable

ALL_SYLLABLES = "".join(chr(c) for c in range(0xAC00, 0xD7A4))


@pytest.mark.parametrize("syllable, jamo", [
    ("가", "\u1100\u1161"),            # ㄱ ㅏ, no final consonant: two jamo
    ("각", "\u1100\u1161\u11a8"),      # ㄱ ㅏ ㄱ(final)
    ("한", "\u1112\u1161\u11ab"),      # ㅎ ㅏ ㄴ(final)
    ("정", "\u110c\u1165\u11bc"),      # ㅈ ㅓ ㅇ(final)
    ("무", "\u1106\u116e"),            # ㅁ ㅜ
    ("힣", "\u1112\u1175\u11c2"),      # the last syllable: ㅎ ㅣ ㅎ(final)
])
def test_known_syllables(syllable, jamo):
    assert decompose_syllable(syllable) == jamo
    assert decompose(syllable) == jamo
    assert recompose(jamo) == syllable


def test_every_syllable_agrees_with_unicode_nfd_and_comes_back():
    lengths = {2: 0, 3: 0}
    for s in ALL_SYLLABLES:
        jamo = decompose_syllable(s)
        assert jamo == unicodedata.normalize("NFD", s)      # the standard as a reference
        lengths[len(jamo)] += 1
    assert lengths == {2: 19 * 21, 3: 19 * 21 * 27}        # 399 without a final consonant
    assert recompose(decompose(ALL_SYLLABLES)) == ALL_SYLLABLES


def test_boundaries_need_no_filler():
    # 각아 and 가가 differ only in whether the 3rd jamo is a final or an initial ㄱ.
    assert decompose("각아") == "\u1100\u1161\u11a8\u110b\u1161"
    assert decompose("가가") == "\u1100\u1161\u1100\u1161"
    for word in ["각아", "가가", "가각", "각각", "아가씨", "않았다"]:
        assert recompose(decompose(word)) == word


def test_round_trip_keeps_everything_that_is_not_a_syllable():
    text = "Hello, 世界! 金\uf90a ㄱㄴㄷ ㅏ 한국어 😀\n\t『무정』… 1917년 \u3164."
    jamo = decompose(text)
    assert recompose(jamo) == text
    others = [c for c in text if not is_syllable(c)]
    assert [c for c in jamo if not 0x1100 <= ord(c) <= 0x11FF] == others
    # NFD would not be reversible here: it rewrites the compatibility ideograph U+F90A.
    assert unicodedata.normalize("NFC", unicodedata.normalize("NFD", text)) != text


def test_number_of_original_characters_is_recoverable():
    text = "가각 abc 한"
    jamo = decompose(text)
    assert len(jamo) == 2 + 3 + 5 + 3
    assert len(recompose(jamo)) == len(text) == 8     # bits per character divide by this


def test_decompose_refuses_text_with_conjoining_jamo():
    with pytest.raises(ValueError, match=r"text already contains a conjoining jamo .* index 1"):
        decompose("가\u1100\u1161")
    with pytest.raises(ValueError, match="U\\+11A8"):
        decompose("\u11a8")


def test_recompose_keeps_jamo_that_do_not_form_a_syllable():
    # What a jamo model might sample: pieces that do not form a syllable stay as they are.
    cases = {
        "\u1161": "\u1161",                               # a vowel alone
        "\u11a8": "\u11a8",                               # a final alone
        "\u1100": "\u1100",                               # an initial at the end
        "\u1100\u11a8": "\u1100\u11a8",                   # initial + final, no vowel
        "\u1100\u1100\u1161": "\u1100가",                 # the second initial takes the vowel
        "\u1161\u1100\u1161\u11a8\u11a8": "\u1161각\u11a8",  # one final per syllable
        "": "",
    }
    for jamo, expected in cases.items():
        assert recompose(jamo) == expected


def test_bad_arguments():
    with pytest.raises(ValueError, match="text"):
        decompose(["가"])
    with pytest.raises(ValueError, match="jamo"):
        recompose(None)
    for bad in ["a", "가나", "", "\u1100"]:
        with pytest.raises(ValueError, match="char"):
            decompose_syllable(bad)
    with pytest.raises(ValueError, match="char"):
        is_syllable("가나")
    assert is_syllable("가") and is_syllable("힣") and not is_syllable("ㄱ") and not is_syllable("a")


def test_round_trip_on_the_novel(novel):
    jamo = decompose(novel)
    assert recompose(jamo) == novel
    assert len(jamo) == 647_019
    assert len(set(jamo)) == 572          # 1,676 distinct characters become 572 symbols
    # Decompose after splitting: the held-out part is the same characters as for a
    # character model, and a jamo model's bits are divided by its 32,495 characters.
    train, valid = split_text(novel)
    assert decompose(train) + decompose(valid) == jamo
    assert len(recompose(decompose(valid))) == len(valid) == 32_495
    # Unicode normalization would change 15 compatibility ideographs of the novel.
    nfc = unicodedata.normalize("NFC", unicodedata.normalize("NFD", novel))
    assert len({a for a, b in zip(novel, nfc) if a != b}) == 15
