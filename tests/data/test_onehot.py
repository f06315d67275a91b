import numpy as np
import pytest

from rnnkit.data.vocab import EOS, PAD, SEQ2SEQ_SPECIALS, SOS, Vocab, one_hot


def test_hello_vocab_in_order_of_appearance():
    v = Vocab.from_text("hello", order="appearance")
    assert v.chars == ("h", "e", "l", "o")
    assert len(v) == 4
    np.testing.assert_array_equal(v.encode("hell"), [0, 1, 2, 2])
    assert v.encode("hello").dtype == np.int64
    assert v.decode(np.array([3, 2, 1, 0])) == "oleh"


def test_special_tokens_take_the_first_ids():
    v = Vocab("ab", specials=SEQ2SEQ_SPECIALS)
    assert v.tokens == ("<pad>", "<sos>", "<eos>", "a", "b") and len(v) == 5
    assert [v.special_id(t) for t in (PAD, SOS, EOS)] == [0, 1, 2]
    np.testing.assert_array_equal(v.encode("ba", sos=True, eos=True), [1, 4, 3, 2])
    assert v.decode([1, 3, 4, 2, 3, 0]) == "ab"          # stops at EOS, skips SOS and PAD
    assert v.decode([0, 3, 0, 4]) == "ab"
    assert Vocab.from_json(v.to_json()) == v
    assert v != Vocab("ab")
    with pytest.raises(ValueError, match="has no special token '<sos>'"):
        Vocab("ab").encode("a", sos=True)
    with pytest.raises(ValueError, match="specials must be distinct names"):
        Vocab("ab", specials=("<pad>", "<pad>"))
    with pytest.raises(ValueError, match="ids must lie in"):
        v.decode([5])


def test_one_hot_picks_a_column_of_the_weights():
    x = one_hot(np.array([[0, 2], [3, 3]]), 4)
    assert x.shape == (2, 2, 4) and x.dtype == np.float64
    np.testing.assert_array_equal(x.sum(-1), 1)
    np.testing.assert_array_equal(x.argmax(-1), [[0, 2], [3, 3]])
    W = np.arange(12.0).reshape(4, 3)          # (V, H): row-vector layout Wx
    np.testing.assert_array_equal(x[0, 1] @ W, W[2])
    assert one_hot(np.array([1]), 3, dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize("bad, match", [
    (lambda: Vocab([]), "at least one"),
    (lambda: Vocab(["a", "a"]), "distinct"),
    (lambda: Vocab(["ab"]), "single characters"),
    (lambda: Vocab.from_text(""), "non-empty"),
    (lambda: Vocab.from_text("ab", order="random"), r"order must be one of \('sorted', 'appearance'\)"),
    (lambda: Vocab.from_text("hello").encode("help"), r"1 character\(s\) not in the vocabulary \(first, sorted: 'p'\)"),
    (lambda: Vocab.from_text("hello").decode(np.array([4])), r"\[0, V = 4\)"),
    (lambda: one_hot(np.array([0, 4]), 4), r"\[0, V = 4\)"),
    (lambda: one_hot(np.array([0.0]), 4), "integer"),
    (lambda: one_hot(np.array([0]), 0), "V must be"),
])
def test_bad_input_raises_value_error(bad, match):
    with pytest.raises(ValueError, match=match):
        bad()
