"""rnnkit.charlm.ngram: hand-computed probabilities, normalization, bits, the novel's baselines.

The small example is "abracadabra" with the vocabulary a b c d r z (V = 6; z never
occurs). Counts, written out by hand:

    unigrams  a 5, b 2, r 2, c 1, d 1                               N(·) = 11
    bigrams   ab 2, br 2, ra 2, ac 1, ca 1, ad 1, da 1
    after a:  b 2, c 1, d 1   N(a ·) = 4  (the final a has no successor), N1+(a ·) = 3
    after r:  a 2             N(r ·) = 2, N1+(r ·) = 1
    continuation counts (distinct left neighbours): a 3 (r, c, d), b 1, r 1, c 1, d 1;
    total 7 over 5 characters
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from rnnkit.data import Vocab, split_text
from rnnkit.charlm.ngram import AbsoluteDiscountNgram, AddKNgram

TEXT = "abracadabra"
VOCAB = "abcdrz"
HISTORIES = ["", "a", "r", "z", "ab", "br", "zz", "abr", "cad", "zab", "aaaa", "\n가"]


def test_add_one_unigram_by_hand():
    m = AddKNgram(1, VOCAB, k=1).fit(TEXT)
    assert m.prob("", "a") == pytest.approx((5 + 1) / (11 + 6), abs=1e-15)
    assert m.prob("", "b") == pytest.approx(3 / 17, abs=1e-15)
    assert m.prob("", "z") == pytest.approx(1 / 17, abs=1e-15)
    assert m.prob("whatever came before", "a") == m.prob("", "a")       # a unigram ignores it


def test_add_k_bigram_by_hand():
    m = AddKNgram(2, VOCAB, k=0.5).fit(TEXT)
    assert m.prob("a", "b") == pytest.approx((2 + 0.5) / (4 + 0.5 * 6), abs=1e-15)
    assert m.prob("a", "z") == pytest.approx(0.5 / 7, abs=1e-15)
    assert m.prob("xyzr", "a") == pytest.approx(2.5 / (2 + 3), abs=1e-15)   # only the last char counts
    assert m.prob("z", "a") == pytest.approx(1 / 6, abs=1e-15)              # unseen history: uniform
    assert m.prob("", "a") == pytest.approx(5.5 / (11 + 3), abs=1e-15)      # no history yet: unigram


def test_short_histories_use_all_they_have():
    # A 4-gram model after only two characters uses the trigram counts of "ca":
    # N(ca d) = 1, N(ca ·) = 1 (not the bigram counts of "a").
    m = AddKNgram(4, VOCAB, k=0.5).fit(TEXT)
    assert m.prob("ca", "d") == pytest.approx((1 + 0.5) / (1 + 3), abs=1e-15)
    assert m.prob("xbra", "c") == pytest.approx((1 + 0.5) / (1 + 3), abs=1e-15)   # last 3: "bra"
    assert m.total_bits("d", history="ca") == pytest.approx(-math.log2(1.5 / 4), rel=1e-14)
    assert m.total_bits("ad") == pytest.approx(-math.log2(5.5 / 14) - math.log2(1.5 / 7), rel=1e-14)


def test_absolute_discounting_bigram_by_hand():
    d = 0.5
    m = AbsoluteDiscountNgram(2, VOCAB, discount=d).fit(TEXT)
    uniform = 1 / 6
    p1 = {c: max(n - d, 0) / 11 + d * 5 / 11 * uniform
          for c, n in dict(a=5, b=2, c=1, d=1, r=2, z=0).items()}
    assert p1["a"] == pytest.approx(29.5 / 66, abs=1e-15)               # 4.5/11 + 2.5/66
    for c in VOCAB:
        assert m.prob("", c) == pytest.approx(p1[c], abs=1e-15)
    # After "a": N = 4, three distinct successors.
    assert m.prob("a", "b") == pytest.approx((2 - d) / 4 + d * 3 / 4 * p1["b"], abs=1e-15)
    assert m.prob("a", "z") == pytest.approx(d * 3 / 4 * p1["z"], abs=1e-15)
    assert m.prob("a", "r") == pytest.approx(d * 3 / 4 * p1["r"], abs=1e-15)
    # After "r": one successor.
    assert m.prob("r", "a") == pytest.approx((2 - d) / 2 + d * 1 / 2 * p1["a"], abs=1e-15)
    # An unseen history falls back to the unigram level.
    assert m.prob("z", "c") == pytest.approx(p1["c"], abs=1e-15)


def test_kneser_ney_bigram_by_hand():
    d = 0.5
    m = AbsoluteDiscountNgram(2, VOCAB, discount=d, kneser_ney=True).fit(TEXT)
    cont = dict(a=3, b=1, c=1, d=1, r=1, z=0)
    p1 = {c: max(n - d, 0) / 7 + d * 5 / 7 / 6 for c, n in cont.items()}
    assert m.prob("a", "b") == pytest.approx((2 - d) / 4 + d * 3 / 4 * p1["b"], abs=1e-15)
    assert m.prob("a", "r") == pytest.approx(d * 3 / 4 * p1["r"], abs=1e-15)
    assert m.prob("z", "a") == pytest.approx(p1["a"], abs=1e-15)        # unseen history
    # With no history at all the unigram level is the longest used: plain counts.
    plain = AbsoluteDiscountNgram(2, VOCAB, discount=d).fit(TEXT)
    assert m.prob("", "a") == pytest.approx(plain.prob("", "a"), abs=1e-15)
    # Kneser-Ney moves mass from frequent-but-predictable a towards b, c, d, r.
    assert p1["a"] < plain.prob("", "a") and p1["c"] > plain.prob("", "c")


MODELS = [
    lambda: AddKNgram(1, VOCAB, k=1),
    lambda: AddKNgram(2, VOCAB, k=0.01),
    lambda: AddKNgram(4, VOCAB, k=0.3),
    lambda: AbsoluteDiscountNgram(1, VOCAB, discount=0.75),
    lambda: AbsoluteDiscountNgram(3, VOCAB, discount=0.75),
    lambda: AbsoluteDiscountNgram(4, VOCAB, discount=1.0),
    lambda: AbsoluteDiscountNgram(3, VOCAB, discount=0.1, kneser_ney=True),
    lambda: AbsoluteDiscountNgram(5, VOCAB, discount=0.9, kneser_ney=True),
]


@pytest.mark.parametrize("make", MODELS)
def test_distributions_sum_to_one_for_every_history(make):
    m = make().fit(TEXT + "zabracadabrarcz")
    for h in HISTORIES:
        p = m.distribution(h)
        assert p.shape == (6,) and p.dtype == np.float64
        assert abs(p.sum() - 1) < 1e-12, (h, p.sum())
        assert (p > 0).all()
        np.testing.assert_allclose(p, [m.prob(h, c) for c in VOCAB], rtol=1e-13, atol=0)


@pytest.mark.parametrize("make", MODELS)
def test_total_bits_is_the_sum_of_log_probabilities(make):
    m = make().fit(TEXT)
    k = m.order - 1
    text, history = "cadzbra", "xyabra"
    s = history[len(history) - k:] + text if k else text
    start = len(s) - len(text)
    expected = -sum(math.log2(m.prob(s[max(0, i - k):i], s[i])) for i in range(start, len(s)))
    assert m.total_bits(text, history) == pytest.approx(expected, rel=1e-13)
    assert m.bits_per_char(text, history) == pytest.approx(expected / len(text), rel=1e-13)
    # Without a history the first characters are scored from shorter histories.
    first = -math.log2(m.prob("", "c"))
    assert m.total_bits("c") == pytest.approx(first, rel=1e-13)


def test_uniform_model_costs_log2_v_bits():
    m = AddKNgram(2, VOCAB, k=1.0).fit("a")          # no bigram at all: every prob is 1/6
    assert m.bits_per_char("zzzz", history="q") == pytest.approx(math.log2(6), rel=1e-14)


def test_vocab_object_is_accepted():
    v = Vocab.from_text(TEXT + "z")
    m = AddKNgram(2, v, k=0.5).fit(TEXT)
    assert m.V == 6 and m.chars == v.chars


@pytest.mark.parametrize("make, match", [
    (lambda: AddKNgram(0, VOCAB), "order"),
    (lambda: AddKNgram(2.0, VOCAB), "order"),
    (lambda: AddKNgram(2, VOCAB, k=0), "k must be"),
    (lambda: AddKNgram(2, VOCAB, k=float("inf")), "k must be"),
    (lambda: AbsoluteDiscountNgram(2, VOCAB, discount=0), "discount"),
    (lambda: AbsoluteDiscountNgram(2, VOCAB, discount=1.5), "discount"),
    (lambda: AddKNgram(2, "abca"), "vocab"),
    (lambda: AddKNgram(2, ""), "vocab"),
    (lambda: AddKNgram(2, 7), "vocab"),
    (lambda: AddKNgram(2, VOCAB).fit("abq"), "text contains 1 character"),
    (lambda: AddKNgram(2, VOCAB).fit(""), "text must not be empty"),
    (lambda: AddKNgram(2, VOCAB).prob("a", "b"), "fit"),
    (lambda: AddKNgram(2, VOCAB).fit(TEXT).prob("a", "q"), "char"),
    (lambda: AbsoluteDiscountNgram(2, VOCAB).fit(TEXT).prob("a", "ab"), "char"),
    (lambda: AddKNgram(2, VOCAB).fit(TEXT).prob(3, "a"), "history"),
    (lambda: AddKNgram(2, VOCAB).fit(TEXT).bits_per_char("abq"), "text"),
])
def test_bad_arguments_name_themselves(make, match):
    with pytest.raises(ValueError, match=match):
        make()


# The README's reference points on the standard split, and the unrounded values.
BASELINES = [
    ("unigram add-one", lambda v: AddKNgram(1, v, k=1.0), 6.70, 6.6981),
    ("bigram add-0.01", lambda v: AddKNgram(2, v, k=0.01), 4.55, 4.5481),
    ("4-gram absolute discounting", lambda v: AbsoluteDiscountNgram(4, v, discount=0.75), 3.90, 3.9027),
    ("4-gram Kneser-Ney", lambda v: AbsoluteDiscountNgram(4, v, discount=0.75, kneser_ney=True), None, 3.6779),
]


@pytest.mark.parametrize("name, make, readme, measured", BASELINES, ids=[b[0] for b in BASELINES])
def test_held_out_bits_per_character_on_the_novel(novel, name, make, readme, measured):
    train, valid = split_text(novel)
    model = make(Vocab.from_text(novel)).fit(train)
    bpc = model.bits_per_char(valid, history=train)
    if readme is not None:
        assert round(bpc, 2) == readme
    assert bpc == pytest.approx(measured, abs=1e-4)
