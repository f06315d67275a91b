"""rnnkit.spacing.counts: the count-based spacing baseline, on texts small enough to count by hand."""
import numpy as np
import pytest

from rnnkit.spacing.counts import EDGE, CountSpacer, _contexts, window_orders


def test_window_orders():
    assert window_orders(1) == [(1, 0), (1, 1)]
    assert window_orders(3) == [(1, 0), (1, 1), (2, 1), (2, 2), (3, 2), (3, 3)]
    with pytest.raises(ValueError, match=r"^k must be an integer >= 1, got 0"):
        window_orders(0)


def test_windows_hold_the_edge_character_beyond_the_line():
    assert _contexts("가나다", [(2, 1), (1, 2)], 2) == [["\n가나", "가나다"], ["가나다", "나다\n"]]
    assert EDGE == "\n"


def test_probabilities_counted_by_hand():
    m = CountSpacer(k=1, strength=1.0).fit("가나 다\n 가나 다  \n")
    # 4 boundaries, 2 spaces: p_0 = 1/2. After 가: (1,0) "가" 0 of 2, (1,1) "가나" 0 of 2;
    # after 나: "나" 2 of 2, "나다" 2 of 2.
    assert m.prior == 0.5
    p = m.probabilities("가나다")
    after_ga = (0 + (0 + 0.5) / 3) / 3                # 1/18
    after_na = (2 + (2 + 0.5) / 3) / 3                # 17/18
    np.testing.assert_allclose(p, [after_ga, after_na, 0.0], rtol=1e-15)
    assert m.predict("가나다").tolist() == [0, 1, 0]
    assert m.space("가나다") == "가나 다"
    # unseen characters keep the prior, and 1/2 is not above 1/2
    assert m.probabilities("라마").tolist() == [0.5, 0.0]
    assert m.predict("라마").tolist() == [0, 0]
    assert m.probabilities("가").tolist() == [0.0] and m.probabilities("").size == 0


def test_a_longer_window_overrules_a_shorter_one():
    # "는" is followed by a space twice, but "는데" never: the (1,1) window decides
    m = CountSpacer(k=1, strength=0.5).fit("나는 가\n너는 와\n가는데요")
    assert m.predict("그는데").tolist() == [0, 0, 0]
    assert m.predict("그는가").tolist() == [0, 1, 0]


def test_with_settings_shares_the_counts_and_checks_k():
    m = CountSpacer(k=3).fit("나는 학교에 간다\n너는 집에 간다")
    m1 = m.with_settings(k=1, strength=2.0)
    assert m1.counts is m.counts and (m1.k, m1.strength, m1.fitted_k) == (1, 2.0, 3)
    np.testing.assert_allclose(m1.probabilities("나는집에"),
                               CountSpacer(k=1, strength=2.0).fit("나는 학교에 간다\n너는 집에 간다")
                               .probabilities("나는집에"), rtol=1e-15)
    with pytest.raises(ValueError, match=r"^k must be an integer in \[1, 3\], got 4"):
        m.with_settings(k=4)


def test_space_works_line_by_line():
    m = CountSpacer(k=2).fit("나는 학교에 간다\n너는 집에 간다")
    assert m.space("너는학교에간다\n나는 집에간다") == "너는 학교에 간다\n나는 집에 간다"


def test_errors():
    with pytest.raises(ValueError, match=r"^the model has no counts yet"):
        CountSpacer().probabilities("가나")
    with pytest.raises(ValueError, match=r"^text must hold at least one line of two or more characters"):
        CountSpacer().fit("가\n나 \n")
    m = CountSpacer(k=1).fit("가 나")
    with pytest.raises(ValueError, match=r"^chars must be a str of one line without spaces"):
        m.probabilities("가 나")
    with pytest.raises(ValueError, match=r"^chars must be a str of one line without spaces"):
        m.probabilities("가\n나")
    with pytest.raises(ValueError, match=r"^strength must be a finite number > 0, got 0"):
        CountSpacer(strength=0)
