"""rnnkit.data.spacing: labels of the word-spacing task and its scores, on hand-made strings."""
import numpy as np
import pytest

from rnnkit.data.spacing import (heldout_lines, respace, same_characters, score_labels, score_lines, score_system,
                                 unspace)


def test_unspace_labels_the_character_before_each_space():
    chars, labels = unspace("나는 학교에 간다")
    assert chars == "나는학교에간다"
    assert labels.tolist() == [0, 1, 0, 0, 1, 0, 0]
    assert labels.dtype == np.int8


def test_runs_of_spaces_tabs_and_edges_of_lines():
    chars, labels = unspace("  가  나\t다 \n 라마  \n\n바")
    assert chars == "가나다\n라마\n\n바"
    #                   가 나 다 \n 라 마 \n \n 바
    assert labels.tolist() == [1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert unspace("") == ("", pytest.approx(np.zeros(0)))
    assert unspace("   ")[0] == "" and unspace("   ")[1].size == 0
    c, l = unspace("a\u3000b c")                     # an ideographic space is a space too
    assert c == "abc" and l.tolist() == [1, 1, 0]


def test_respace_is_the_inverse_up_to_normalized_spaces():
    for text in ["나는 학교에 간다", "  가  나\t다 \n 라마  \n\n바", "가", ""]:
        chars, labels = unspace(text)
        assert unspace(respace(chars, labels)) == (chars, pytest.approx(labels))
    assert respace(*unspace("  가  나\t다 \n 라마  ")) == "가 나 다\n라마"
    # labels at the end of a line, or on a newline, never make a space
    assert respace("가나\n다", np.array([1, 1, 1, 1])) == "가 나\n다"
    assert respace("가나", np.array([True, False])) == "가 나"


def test_respace_rejects_bad_labels():
    with pytest.raises(ValueError, match=r"^labels must be a 0/1 integer or bool array of shape \(len\(chars\),\) = \(3,\)"):
        respace("가나다", np.array([0, 1]))
    with pytest.raises(ValueError, match=r"^labels must be a 0/1 integer or bool array"):
        respace("가나다", np.array([0.0, 1.0, 0.0]))
    with pytest.raises(ValueError, match=r"^labels must hold only 0 and 1"):
        respace("가나다", np.array([0, 2, 0]))
    with pytest.raises(ValueError, match=r"^chars must not contain spaces"):
        respace("가 나", np.array([0, 0, 0]))
    with pytest.raises(ValueError, match=r"^text must be a str, got bytes"):
        unspace(b"abc")


def test_scores_counted_by_hand():
    true = ["나는 학교에 간다", "비가 온다"]
    pred = ["나 는학교에 간다", "비가 온다"]
    # line 1: true spaces after 는, 에; predicted after 나, 에 -> TP 1 (에), FP 1 (나), FN 1 (는)
    # line 2: exact -> TP 1
    s = score_lines(true, pred)
    assert (s["tp"], s["fp"], s["fn"]) == (2, 1, 1)
    assert s["precision"] == 2 / 3 and s["recall"] == 2 / 3 and s["f1"] == 2 / 3
    assert s["exact"] == 0.5
    assert s["lines"] == 2 and s["boundaries"] == 6 + 3 and s["spaces"] == 3


def test_scores_of_precision_and_recall_differ():
    true = ["가나 다라 마바"]                 # spaces after 나 and 라
    s = score_lines(true, ["가 나 다 라 마 바"])   # a space at every boundary
    assert (s["tp"], s["fp"], s["fn"]) == (2, 3, 0)
    assert s["precision"] == 2 / 5 and s["recall"] == 1.0
    assert s["f1"] == pytest.approx(2 * 0.4 / 1.4, abs=1e-15)
    assert s["exact"] == 0.0


def test_no_space_predicted_scores_zero():
    s = score_lines(["가 나", "다 라 마"], ["가나", "다라마"])
    assert s == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "exact": 0.0, "tp": 0, "fp": 0, "fn": 3,
                 "lines": 2, "boundaries": 1 + 2, "spaces": 3}
    # a line without any space is exact when nothing is predicted
    assert score_lines(["가나다", "가 나"], ["가나다", "가나"])["exact"] == 0.5


def test_the_last_character_of_a_line_is_not_a_boundary():
    # the label of the last character is never read, whatever it holds
    s = score_labels([np.array([1, 0, 0])], [np.array([1, 0, 1])])
    assert (s["tp"], s["fp"], s["fn"], s["boundaries"], s["exact"]) == (1, 0, 0, 2, 1.0)
    # a trailing space in the original or the prediction is not a space of the task
    assert score_lines(["가 나 "], ["가 나"])["exact"] == 1.0
    assert score_lines(["가 나"], [" 가 나  "])["f1"] == 1.0


def test_score_lines_refuses_changed_characters_and_newlines():
    with pytest.raises(ValueError, match=r"^predicted_lines\[1\] changes the characters of the line"):
        score_lines(["가 나", "다 라"], ["가 나", "다 러"])
    with pytest.raises(ValueError, match=r"^line 0 contains a newline"):
        score_lines(["가\n나"], ["가\n나"])
    with pytest.raises(ValueError, match=r"^predicted_lines must have one line per true line, 2, got 1"):
        score_lines(["가", "나"], ["가"])
    with pytest.raises(ValueError, match=r"^predicted\[0\] must have the shape of true\[0\], \(3,\), got \(2,\)"):
        score_labels([np.zeros(3)], [np.zeros(2)])
    assert same_characters("가 나다", "가나 다") and not same_characters("가나", "가너")


def test_heldout_lines_are_the_nonblank_lines_after_the_split():
    text = "가 나\n다 라\n\n" + "마 바\n  \n사 아 자 차"
    # 23 characters; frac=0.5 cuts at int(11.5) = 11, inside "마 바": the held-out part is "바\n  \n사 아 자 차"
    assert len(text) == 23
    assert heldout_lines(text, 0.5) == ["바", "사 아 자 차"]


def test_on_the_novel(novel):
    lines = heldout_lines(novel)
    assert len(lines) == 399
    chars = [unspace(line) for line in lines]
    s = score_labels([c[1] for c in chars], [np.zeros_like(c[1]) for c in chars])
    # 7,738 spaces among 23,834 boundaries; 29 lines (chapter numbers, "한다.") have no space
    assert (s["spaces"], s["boundaries"]) == (7738, 23834)
    assert s["f1"] == 0.0 and s["exact"] == 29 / 399
    assert lines[0].startswith("한 낭군도 되어 보인다.")          # the split falls inside a sentence
    assert score_lines(lines, lines)["f1"] == 1.0


def test_score_system_runs_the_system_on_lines_without_spaces():
    seen = []

    def system(chars):
        seen.append(chars)
        return chars[0] + " " + chars[1:]                  # a space after the first character

    s = score_system(["가 나다", "라마 바"], system)
    assert seen == ["가나다", "라마바"]
    assert (s["tp"], s["fp"], s["fn"], s["exact"], s["excluded"]) == (1, 1, 1, 0.5, [])


def test_score_system_can_leave_out_lines_whose_characters_change():
    def system(chars):
        return chars.replace("되", "돼")                   # a 'correction'

    with pytest.raises(ValueError, match=r"^predicted_lines\[1\] changes the characters"):
        score_system(["가 나", "안 되요"], system)
    s = score_system(["가 나", "안 되요", "다 라"], system, skip_changed=True)
    assert s["excluded"] == [1] and s["lines"] == 2 and s["spaces"] == 2 and s["tp"] == 0
    with pytest.raises(ValueError, match=r"^the system changed the characters of every line"):
        score_system(["안 되요"], system, skip_changed=True)
    with pytest.raises(ValueError, match=r"^system must return a str, got NoneType for lines\[0\]"):
        score_system(["가 나"], lambda c: None)
