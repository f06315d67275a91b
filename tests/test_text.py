import numpy as np
import pytest

from rnnkit.text import CharVocab, one_hot


def test_hello_vocab_in_order_of_appearance():
    v = CharVocab.from_text("hello")
    assert v.chars == ("h", "e", "l", "o")
    assert len(v) == 4
    np.testing.assert_array_equal(v.encode("hell"), [0, 1, 2, 2])
    assert v.encode("hello").dtype == np.int64
    assert v.decode(np.array([3, 2, 1, 0])) == "oleh"


def test_sorted_order_and_round_trip():
    v = CharVocab.from_text("무정 무정한", order="sorted")
    assert v.chars == tuple(sorted(set("무정 무정한")))
    assert v.decode(v.encode("정한 무")) == "정한 무"


def test_char_vocab_is_a_vocab_with_another_default_order():
    from rnnkit.data import Vocab
    v = CharVocab.from_text("hello")
    assert isinstance(v, Vocab) and repr(v) == "CharVocab('helo')"
    assert CharVocab.from_text("hello", order="sorted") == Vocab.from_text("hello")
    u = CharVocab.from_text("hello", unk="?")
    assert u.chars == ("h", "e", "l", "o", "?") and u.decode(u.encode("help")) == "hel?"
    assert Vocab.from_json(v.to_json()).chars == v.chars


def test_one_hot_picks_a_column_of_the_weights():
    x = one_hot(np.array([[0, 2], [3, 3]]), 4)
    assert x.shape == (2, 2, 4) and x.dtype == np.float64
    np.testing.assert_array_equal(x.sum(-1), 1)
    np.testing.assert_array_equal(x.argmax(-1), [[0, 2], [3, 3]])
    W = np.arange(12.0).reshape(4, 3)          # (V, H): row-vector layout Wx
    np.testing.assert_array_equal(x[0, 1] @ W, W[2])
    assert one_hot(np.array([1]), 3, dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize("bad, match", [
    (lambda: CharVocab([]), "at least one"),
    (lambda: CharVocab(["a", "a"]), "distinct"),
    (lambda: CharVocab(["ab"]), "single characters"),
    (lambda: CharVocab.from_text(""), "non-empty"),
    (lambda: CharVocab.from_text("ab", order="random"), "order must be 'sorted' or 'appearance'"),
    (lambda: CharVocab.from_text("hello").encode("help"), r"1 character\(s\) not in the vocabulary \(first, sorted: 'p'\)"),
    (lambda: CharVocab.from_text("hello").decode(np.array([4])), r"\[0, V = 4\)"),
    (lambda: one_hot(np.array([0, 4]), 4), r"\[0, V = 4\)"),
    (lambda: one_hot(np.array([0.0]), 4), "integer"),
    (lambda: one_hot(np.array([0]), 0), "V must be"),
])
def test_bad_input_raises_value_error(bad, match):
    with pytest.raises(ValueError, match=match):
        bad()
