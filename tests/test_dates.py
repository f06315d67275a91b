"""rnnkit.data.dates: the Korean-date task, its vocabularies, padding and masks."""
import datetime as dt
import re

import numpy as np
import pytest

from rnnkit.data import dates
from rnnkit.data.dates import EOS, PAD, SOS
from rnnkit.data.vocab import SEQ2SEQ_SPECIALS, Vocab

SOURCE_RE = re.compile(r"^(\d{2}|\d{4})년 (\d{1,2})월 (\d{1,2})일( \((.)\)| (.)요일)?$")


def independent_parse(text):
    """Parse a source string without rnnkit: regex + datetime (POSIX %y pivot: 00-68 -> 20xx).

    Raises ValueError for text in no format of the task, an impossible date or a wrong weekday.
    """
    m = SOURCE_RE.match(text)
    if not m:
        raise ValueError(f"not a date of the task: {text!r}")
    y, mo, d = m.group(1), int(m.group(2)), int(m.group(3))
    year = int(y) if len(y) == 4 else (2000 + int(y) if int(y) <= 68 else 1900 + int(y))
    date = dt.date(year, mo, d)                     # raises on 2월 30일 and the like
    weekday = m.group(5) or m.group(6)
    if weekday is not None and weekday != "월화수목금토일"[date.weekday()]:
        raise ValueError(f"wrong weekday in {text!r}")
    return date


def test_format_examples_by_hand():
    wed = dt.date(2026, 11, 25)                     # a Wednesday
    assert dates.format_korean(wed) == "2026년 11월 25일"
    assert dates.format_korean(wed, "yy", "plain", "paren") == "26년 11월 25일 (수)"
    assert dates.format_korean(dt.date(2026, 3, 5), "yyyy", "zero", "word") == "2026년 03월 05일 목요일"
    assert dates.format_korean(dt.date(1999, 12, 31), "yy") == "99년 12월 31일"
    assert dates.format_korean(dt.date(2005, 1, 2), "yy", "zero") == "05년 01월 02일"


def test_seeded_sample_exact_strings():
    assert dates.date_pairs(4, seed=0) == [
        ("2054년 3월 19일", "2054-03-19"),
        ("2033년 1월 22일 토요일", "2033-01-22"),     # a Saturday
        ("20년 08월 08일 (토)", "2020-08-08"),        # a Saturday
        ("96년 09월 16일 월요일", "1996-09-16"),      # a Monday
    ]
    # the same seed gives the same data; another seed does not
    assert dates.date_pairs(50, seed=3) == dates.date_pairs(50, seed=3)
    assert dates.date_pairs(50, seed=3) != dates.date_pairs(50, seed=4)


def test_every_generated_date_is_valid_and_target_is_its_iso_form():
    pairs = dates.date_pairs(3000, seed=1)
    styles = set()
    for src, tgt in pairs:
        date = independent_parse(src)
        assert tgt == date.isoformat()
        assert dt.date(1970, 1, 1) <= date <= dt.date(2068, 12, 31)
        styles.add((len(src.split(" ")[0]), "(" in src, "요일" in src))
    assert len(styles) == 2 * 3                      # every year style x weekday style occurs


def test_two_digit_year_pivot():
    """Two-digit years follow the POSIX %y pivot, so they read back as the dates they were."""
    for date in (dt.date(2068, 1, 1), dt.date(1970, 1, 1), dt.date(2000, 2, 29), dt.date(1999, 12, 31)):
        text = dates.format_korean(date, "yy")
        assert independent_parse(text) == date
        assert dt.datetime.strptime(text, "%y년 %m월 %d일").date() == date
    assert dates.format_korean(dt.date(2068, 1, 1), "yy") == "68년 1월 1일"
    assert dates.format_korean(dt.date(1970, 1, 1), "yy") == "70년 1월 1일"


def test_the_oracle_rejects_wrong_weekday_and_impossible_dates():
    """The test's own parser is strict, so the round trip above means something."""
    with pytest.raises(ValueError, match="weekday"):
        independent_parse("2026년 11월 25일 (목)")
    with pytest.raises(ValueError):
        independent_parse("2026년 2월 30일")
    with pytest.raises(ValueError, match="not a date"):
        independent_parse("2026-11-25")


def test_date_list_pairs():
    rng = np.random.default_rng(5)
    src, tgt = dates.date_list_pair(3, rng)
    parts = src.split(", ")
    assert len(parts) == 3 and len(tgt.split(" ")) == 3
    for p, t in zip(parts, tgt.split(" ")):
        m = re.fullmatch(r"(\d{1,2})월 (\d{1,2})일", p)
        assert m and t == f"{int(m.group(1)):02d}-{int(m.group(2)):02d}"
    ks = [len(s.split(", ")) for s, _ in dates.date_list_pairs(400, 2, 5, seed=0)]
    assert set(ks) == {2, 3, 4, 5}


def test_vocab_specials_and_round_trip():
    v = dates.SOURCE_VOCAB
    assert isinstance(v, Vocab) and v.specials == SEQ2SEQ_SPECIALS
    assert v.tokens[:3] == ("<pad>", "<sos>", "<eos>") and (PAD, SOS, EOS) == (0, 1, 2)
    assert [v.special_id(t) for t in SEQ2SEQ_SPECIALS] == [PAD, SOS, EOS]
    assert len(v) == 3 + len(set(dates.SOURCE_CHARS))
    ids = v.encode("26년 11월 25일 (수)", sos=True, eos=True)
    assert ids[0] == SOS and ids[-1] == EOS and ids.dtype == np.int64
    assert v.decode(ids) == "26년 11월 25일 (수)"
    t = dates.TARGET_VOCAB
    assert t.decode([t.index["2"], t.index["0"], EOS, t.index["9"]]) == "20"   # stops at EOS
    assert t.decode([SOS, t.index["1"], PAD]) == "1"
    assert t.decode([t.index["1"], PAD, t.index["2"], SOS, t.index["3"]]) == "123"   # skips PAD, SOS anywhere
    assert t.decode([EOS]) == "" and t.decode([]) == ""
    assert t.decode(np.array([t.index["7"], EOS, PAD, PAD])) == "7"
    np.testing.assert_array_equal(t.encode("1-2", sos=True, eos=True),
                                  [SOS, t.index["1"], t.index["-"], t.index["2"], EOS])
    assert t.index["0"] == 3 and len(t) == 3 + len(dates.TARGET_CHARS)        # characters follow the specials


def test_pad_masks_zero_exactly_the_padding():
    seqs = [np.array([5, 6, 7]), np.array([8]), np.array([9, 10, 11, 12, 13])]
    ids, mask = dates.pad(seqs)
    assert ids.shape == (3, 5) and mask.dtype == bool
    np.testing.assert_array_equal(mask.sum(1), [3, 1, 5])
    np.testing.assert_array_equal(ids[0], [5, 6, 7, PAD, PAD])
    np.testing.assert_array_equal(mask[1], [True, False, False, False, False])
    assert (ids[~mask] == PAD).all() and (ids[mask] != PAD).all()


def test_encode_batch_shifts_targets():
    pairs = [("2026년 11월 25일", "2026-11-25"), ("26년 1월 2일 (금)", "2026-01-02")]
    b = dates.encode_batch(pairs)
    assert b["src"].shape == (2, len("26년 1월 2일 (금)"))
    np.testing.assert_array_equal(b["src_mask"].sum(1), [len(pairs[0][0]), len(pairs[1][0])])
    assert b["tgt_in"].shape == b["tgt_out"].shape == b["tgt_mask"].shape == (2, 11)
    assert (b["tgt_in"][:, 0] == SOS).all() and (b["tgt_out"][:, 10] == EOS).all()
    np.testing.assert_array_equal(b["tgt_in"][:, 1:], b["tgt_out"][:, :-1])
    assert dates.TARGET_VOCAB.decode(b["tgt_out"][1]) == "2026-01-02"


@pytest.mark.parametrize("call, name", [
    (lambda: dates.format_korean(dt.date(1969, 12, 31)), "date"),
    (lambda: dates.format_korean("2026-11-25"), "date"),
    (lambda: dates.format_korean(dt.date(2026, 1, 1), year="yyy"), "year"),
    (lambda: dates.format_korean(dt.date(2026, 1, 1), numbers="roman"), "numbers"),
    (lambda: dates.format_korean(dt.date(2026, 1, 1), weekday="short"), "weekday"),
    (lambda: dates.date_pairs(-1), "n"),
    (lambda: dates.date_pairs(3, seed=-2), "seed"),
    (lambda: dates.date_list_pair(0, 0), "k"),
    (lambda: dates.date_list_pairs(3, 4, 2), "k_min"),
    (lambda: dates.SOURCE_VOCAB.encode("2026/11/25"), "text"),
    (lambda: dates.TARGET_VOCAB.decode([99]), "ids"),
    (lambda: dates.date_pairs(2.5), "n"),
    (lambda: dates.date_list_pair(2, rng=-1), "rng"),
    (lambda: dates.date_list_pairs(3, 0, 2), "k_min"),
    (lambda: dates.pad([]), "seqs"),
    (lambda: dates.pad([np.zeros((2, 2), int)]), r"seqs\[0\]"),
    (lambda: dates.encode_batch(["2026년 1월 1일"]), r"pairs\[0\]"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
