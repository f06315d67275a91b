"""rnnkit.data.vocab.Vocab: ids, unknown characters, JSON files."""
from __future__ import annotations

import json

import numpy as np
import pytest

from rnnkit.data import Vocab, split_text

MIXED = "무정(無情)은 1917년에…\n\"따옴표\"와 \\ 그리고 😀, 金 ㄱ."


def test_from_text_sorts_by_code_point():
    v = Vocab.from_text("hello")
    assert v.chars == ("e", "h", "l", "o")
    assert v.index == {"e": 0, "h": 1, "l": 2, "o": 3}
    assert len(v) == 4 and "h" in v and "z" not in v
    ids = v.encode("hello")
    assert ids.dtype == np.int64 and ids.shape == (5,)
    np.testing.assert_array_equal(ids, [1, 0, 2, 2, 3])
    assert v.decode(ids) == "hello"
    assert v.decode([3, 1]) == "oh"          # plain lists work too


def test_round_trip_on_mixed_text():
    v = Vocab.from_text(MIXED)
    assert len(v) == len(set(MIXED))
    assert list(v.chars) == sorted(set(MIXED))
    assert v.decode(v.encode(MIXED)) == MIXED
    assert v.encode("").shape == (0,) and v.decode(np.array([], dtype=np.int64)) == ""


def test_unknown_characters_are_refused_by_default():
    v = Vocab.from_text("가나다")
    with pytest.raises(ValueError, match="not in the vocabulary") as err:
        v.encode("가라마가")
    assert "'라마'" in str(err.value)      # lists them (sorted)


def test_unknown_characters_map_to_unk_when_asked():
    v = Vocab.from_text("가나다", unk="�")
    assert v.chars == ("가", "나", "다", "�")            # appended as the last id
    np.testing.assert_array_equal(v.encode("가라나"), [0, 3, 1])
    assert v.decode(v.encode("가라나")) == "가�나"          # the unknown character is gone
    w = Vocab.from_text("가�나", unk="�")                  # already in the text: sorted in place
    assert w.chars == tuple(sorted("가�나")) and w.unk == "�"
    assert Vocab(["a", "?"], unk="?").encode("ab").tolist() == [0, 1]


@pytest.mark.parametrize("chars, unk, match", [
    ([], None, "at least one"),
    (["a", "bc"], None, "single characters"),
    (["a", 1], None, "single characters"),
    (["a", "b", "a"], None, r"duplicates \['a'\]"),
    (["a", "b"], "z", "unk"),
    (["a", "b"], "ab", "unk"),
    (5, None, "chars"),
])
def test_constructor_rejects_bad_input(chars, unk, match):
    with pytest.raises(ValueError, match=match):
        Vocab(chars, unk=unk)


def test_from_text_and_encode_reject_non_strings():
    with pytest.raises(ValueError, match="text"):
        Vocab.from_text("")
    with pytest.raises(ValueError, match="text"):
        Vocab.from_text(["a"])
    with pytest.raises(ValueError, match="text"):
        Vocab.from_text("ab").encode(b"ab")


@pytest.mark.parametrize("ids, match", [
    (np.zeros((2, 2), dtype=np.int64), r"1-D"),
    (np.array([0.0, 1.0]), "integers"),
    (np.array([0, 3]), r"\[0, V = 3\)"),
    (np.array([-1]), r"\[0, V = 3\)"),
])
def test_decode_rejects_bad_ids(ids, match):
    with pytest.raises(ValueError, match=match):
        Vocab.from_text("abc").decode(ids)


def test_save_and_load_round_trip(tmp_path):
    v = Vocab.from_text(MIXED, unk="�")
    path = tmp_path / "vocab.json"
    v.save(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == "rnnkit.data.Vocab" and doc["version"] == 1
    assert doc["chars"] == list(v.chars) and doc["unk"] == "�"
    assert '"무"' in path.read_text(encoding="utf-8")        # characters stored as themselves,
    assert "\\u" not in path.read_text(encoding="utf-8")    # not as \\u escapes
    w = Vocab.load(path)
    assert w == v and w.chars == v.chars and w.unk == v.unk
    assert w.decode(v.encode(MIXED)) == MIXED
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vocab.json"]   # no temporary file left
    assert (path.stat().st_mode & 0o777) == 0o644


def test_save_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "vocab.json"
    old = Vocab.from_text("abc")
    old.save(path)
    before = path.read_bytes()
    new = Vocab.from_text("xyz")

    def broken():
        raise RuntimeError("disk full")

    monkeypatch.setattr(new, "to_json", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        new.save(path)
    assert path.read_bytes() == before                         # the old file is intact,
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vocab.json"]   # no debris
    Vocab.from_text("xyz").save(path)                          # and overwriting works
    assert Vocab.load(path).chars == ("x", "y", "z")


@pytest.mark.parametrize("content, match", [
    ("not json", "not valid JSON"),
    ('{"chars": ["a"]}', "format"),
    ('{"format": "rnnkit.data.Vocab", "version": 99, "chars": ["a"]}', "version 99"),
    ('{"format": "rnnkit.data.Vocab", "version": 1, "chars": "a"}', "list 'chars'"),
    ('{"format": "rnnkit.data.Vocab", "version": 1, "chars": ["a", "a"]}', "duplicates"),
])
def test_load_rejects_other_files_naming_the_path(tmp_path, content, match):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=match) as err:
        Vocab.load(path)
    assert str(path) in str(err.value)


def test_save_and_load_reject_bad_paths():
    with pytest.raises(ValueError, match="path"):
        Vocab.from_text("a").save("")
    with pytest.raises(ValueError, match="path"):
        Vocab.load(None)


def test_the_novels_vocabulary(novel):
    v = Vocab.from_text(novel)
    assert len(v) == 1_676
    ids = v.encode(novel)
    assert ids.shape == (324_950,) and ids.dtype == np.int64
    assert ids.min() == 0 and ids.max() == 1_675
    assert v.decode(ids) == novel
    assert v.chars[0] == "\n" and v.chars[1] == " "
    # A vocabulary of the training part alone would not know 40 held-out characters.
    train, valid = split_text(novel)
    unseen = set(valid) - set(train)
    assert len(unseen) == 40
    assert sum(c in unseen for c in valid) == 53
    with pytest.raises(ValueError, match="40 character"):
        Vocab.from_text(train).encode(valid)


def test_from_text_in_order_of_first_appearance():
    v = Vocab.from_text("hello", order="appearance")
    assert v.chars == ("h", "e", "l", "o")
    assert Vocab.from_text("hello", order="appearance", unk="?").chars == ("h", "e", "l", "o", "?")
    with pytest.raises(ValueError, match=r"order must be one of \('sorted', 'appearance'\), got 'random'"):
        Vocab.from_text("hello", order="random")
