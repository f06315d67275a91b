import itertools

import numpy as np
import pytest
import torch

from rnnkit.charlm import CharLM
from rnnkit.charlm.units import (auc, correlation, find_units, state_trace, text_properties, unit_matrix,
                                 units_html)


def test_text_properties_by_hand():
    text = 'a "bc" (d)\n"e'
    p = text_properties(text)
    #            a  ␣  "  b  c  "  ␣  (  d  )  ⏎  "  e
    assert p["quote"].tolist() == [0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1]
    assert p["paren"].tolist() == [0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0]
    assert p["word_pos"].tolist() == [1, 0, 1, 2, 3, 4, 0, 1, 2, 3, 0, 1, 2]
    assert p["line_pos"].tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1, 2]


def test_unclosed_quote_and_stray_paren_end_with_the_line():
    p = text_properties('"ab\ncd)e')
    assert p["quote"].tolist() == [1, 1, 1, 0, 0, 0, 0, 0]
    assert not p["paren"].any()              # a ')' without '(' does not go below zero


def test_auc_equals_pairwise_count_with_ties():
    rng = np.random.default_rng(0)
    acts = rng.integers(0, 4, size=(30, 3)).astype(float)     # many ties
    labels = rng.random(30) < 0.4
    want = []
    for u in range(3):
        pos, neg = acts[labels, u], acts[~labels, u]
        pairs = [(p > n) + 0.5 * (p == n) for p, n in itertools.product(pos, neg)]
        want.append(np.mean(pairs))
    np.testing.assert_allclose(auc(acts, labels), want, atol=1e-12)


def test_auc_perfect_and_reversed():
    labels = np.array([0, 0, 1, 1, 0, 1], bool)
    acts = np.stack([labels * 1.0, labels * -1.0, np.zeros(6)], axis=1)
    np.testing.assert_allclose(auc(acts, labels), [1.0, 0.0, 0.5])


def test_correlation_matches_numpy_and_constant_column():
    rng = np.random.default_rng(1)
    acts = rng.normal(size=(50, 2))
    acts[:, 1] = 3.0
    values = rng.integers(0, 9, size=50)
    r = correlation(acts, values)
    assert r[0] == pytest.approx(np.corrcoef(acts[:, 0], values)[0, 1], abs=1e-12)
    assert r[1] == 0.0


def test_find_units_picks_the_informative_unit_and_orients_it():
    rng = np.random.default_rng(2)
    T, U = 400, 20
    labels = rng.random(T) < 0.3
    acts = rng.normal(size=(T, U))
    acts[:, 7] = -(labels + 0.3 * rng.normal(size=T))           # low where the label holds
    out = find_units(acts, labels, top=3)
    best = out["best"]
    assert best["index"] == 7 and best["name"] == "unit 7" and best["sign"] == -1
    half = T // 2
    assert best["test"] == pytest.approx(1 - auc(acts[half:, [7]], labels[half:])[0])
    assert best["test"] > 0.95 and out["kind"] == "auc" and out["chance"] == 0.5
    assert [u["index"] for u in out["top"]][0] == 7 and len(out["top"]) == 3
    assert 0.35 < out["median_test"] < 0.65                     # noise units sit near chance
    assert out["test_scores"].shape == (U,)
    again = find_units(acts, labels, top=3)
    assert again["random"] == out["random"]                     # seeded


def test_find_units_numeric_property():
    rng = np.random.default_rng(3)
    pos = np.tile(np.arange(10), 20)
    acts = rng.normal(size=(200, 5))
    acts[:, 2] = pos + rng.normal(size=200)
    out = find_units(acts, pos)
    assert out["kind"] == "r" and out["chance"] == 0.0
    assert out["best"]["index"] == 2 and out["best"]["sign"] == 1 and out["best"]["test"] > 0.9


def test_find_units_bad_input():
    acts = np.zeros((10, 3))
    with pytest.raises(ValueError, match=r"prop must have shape \(T,\) = \(10,\)"):
        find_units(acts, np.zeros(9, bool))
    with pytest.raises(ValueError, match="names must have one name per column"):
        find_units(acts, np.arange(10), names=["a"])
    with pytest.raises(ValueError, match="both True and False"):
        auc(acts, np.ones(10, bool))
    with pytest.raises(ValueError, match="must not all be equal"):
        correlation(acts, np.ones(10))
    with pytest.raises(ValueError, match="at least 4 rows"):
        find_units(np.zeros((3, 2)), np.array([True, False, True]))


def test_unit_matrix_columns_and_names():
    h = np.arange(2 * 2 * 3, dtype=float).reshape(2, 2, 3) / 10
    c = -h
    acts, names = unit_matrix({"h": h, "c": c})
    assert acts.shape == (2, 12)
    assert names[:4] == ["L1 h 0", "L1 h 1", "L1 h 2", "L2 h 0"] and names[6] == "L1 c 0"
    np.testing.assert_allclose(acts[:, 4], h[:, 1, 1])
    np.testing.assert_allclose(acts[:, 6 + 5], np.tanh(c[:, 1, 2]))
    with pytest.raises(ValueError, match=r"\(T, L, H\)"):
        unit_matrix({"h": h[0]})


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_state_trace_matches_the_model(cell):
    torch.manual_seed(0)
    model = CharLM(11, cell=cell, embed=6, hidden=5, layers=2)
    ids = torch.randint(0, 11, (40,))
    trace = state_trace(model, ids.numpy(), start=8)
    assert trace["h"].shape == (32, 2, 5) and (("c" in trace) == (cell == "lstm"))
    model.eval()
    with torch.no_grad():
        e = torch.nn.functional.embedding(ids, model.token_vectors())
        out, state = model.rnn(e[None])
    np.testing.assert_allclose(trace["h"][:, -1], out[0, 8:].numpy(), atol=1e-6)      # top layer output
    last = state[0] if cell == "lstm" else state
    np.testing.assert_allclose(trace["h"][-1], last[:, 0].numpy(), atol=1e-6)         # every layer
    if cell == "lstm":
        np.testing.assert_allclose(trace["c"][-1], state[1][:, 0].numpy(), atol=1e-6)


def test_state_trace_bad_input():
    model = CharLM(5, embed=4, hidden=3)
    with pytest.raises(ValueError, match=r"ids must lie in \[0, V\) = \[0, 5\)"):
        state_trace(model, np.array([0, 5]))
    with pytest.raises(ValueError, match="start must be"):
        state_trace(model, np.array([0, 1]), start=2)
    with pytest.raises(ValueError, match="cell 'lstm' or 'gru'"):
        state_trace(CharLM(5, cell="mingru", embed=4, hidden=3), np.array([0]))
    assert model.training                                                             # mode restored


def test_units_html_escapes_and_colours():
    out = units_html('<a>\n b', [1.0, -0.5, 0.0, 0.3, 2.0, 0.1], label="L2 c 5 & more")
    assert "&lt;" in out and "&gt;" in out and "<br>" in out and "&nbsp;" in out
    assert "L2 c 5 &amp; more" in out and "<script" not in out
    assert 'background:rgba(214,39,40,1.00)" title="+1.00">&lt;' in out        # red, full
    assert 'background:rgba(31,119,180,0.50)" title="-0.50">a' in out          # blue, half
    assert 'rgba(214,39,40,1.00)" title="+2.00">&nbsp;' in out                 # clipped at 1
    assert 'rgba(214,39,40,0.10)" title="+0.10">b' in out
    with pytest.raises(ValueError, match=r"values must have shape \(T\) = \(2,\), got \(1,\)"):
        units_html("ab", [0.1])
    with pytest.raises(ValueError, match="scale must be a positive"):
        units_html("ab", [0.1, 0.2], scale=0)


def test_stored_unit_scores_are_consistent_and_hold_no_text():
    from rnnkit import results
    from rnnkit.charlm.units import PROPERTIES

    stored = results.load("charlm_units")
    assert stored["command"] == "python bench/charlm_units.py"
    assert set(stored["properties"]) == set(PROPERTIES) and stored["units"] == 2560
    for name, p in stored["properties"].items():
        scores = np.array(p["test_scores"])
        assert scores.shape == (2560,)
        assert p["best"] == p["top"][0]
        assert [u["select"] for u in p["top"]] == sorted((u["select"] for u in p["top"]), reverse=True)
        for unit in p["top"] + [p["random"]]:
            assert abs(scores[unit["index"]] - unit["test"]) < 1e-4          # rounded to 4 places in the file
        assert p["median_test"] == pytest.approx(np.median(scores), abs=1e-4)
    assert stored["properties"]["quote"]["best"]["test"] > 0.95              # what section 7.11 reports
    assert stored["word_end"]["unit"] == stored["properties"]["word_pos"]["best"]["name"]
    # numbers and names only: no Hangul from the novel anywhere in the file
    text = results.path("charlm_units").read_text(encoding="utf-8")
    assert not any("\uac00" <= ch <= "\ud7a3" for ch in text)
