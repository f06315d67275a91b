"""The stored results of chapter 08's model table and lookahead (rnnkit/results/spacing_{models,lookahead}.json)."""
import numpy as np
import pytest

from rnnkit import results
from rnnkit.data.spacing import heldout_lines, respace, score_system, unspace
from rnnkit.spacing.checkpoint import SHIPPED, load_checkpoint

SCORES = ("precision", "recall", "f1", "exact", "tp", "fp", "fn")


@pytest.fixture(scope="module")
def models():
    return results.load("spacing_models")


@pytest.fixture(scope="module")
def look():
    return results.load("spacing_lookahead")


def test_model_rows_share_the_recipe_and_are_consistent(models):
    assert models["command"].startswith("python bench/spacing_table.py")
    assert models["recipe"]["embed"] == 64 and models["recipe"]["hidden"] == 128 and models["recipe"]["dropout"] == 0.2
    names = [r["name"] for r in models["rows"]]
    assert {"uni2", "bi1", "bi2"} <= set(names) and names == [n for n in ("uni2", "bi1", "bi2", "bi2res") if n in names]
    for r in models["rows"]:
        assert r["command"].startswith(f"python bench/spacing_table.py --only {r['name']} --steps 2000 ")
        assert r["steps"] == 2000 and r["threads"] == 1 and r["seed"] == 0
        assert r["lines"] == 399 and r["boundaries"] == 23834 and r["spaces"] == 7738
        assert r["tp"] + r["fn"] == r["spaces"]
        assert r["precision"] == r["tp"] / (r["tp"] + r["fp"]) and r["recall"] == r["tp"] / r["spaces"]
        assert len(r["labels"]) == 399 and sum(len(s) for s in r["labels"]) == 23834
        assert sum(s.count("1") for s in r["labels"]) == r["tp"] + r["fp"]
    params = {r["name"]: r["parameters"] for r in models["rows"]}
    assert params["uni2"] == 336_257 and params["bi1"] == 303_617 and params["bi2"] == 698_881


def test_model_rows_score_their_stored_labels(models, novel):
    lines = heldout_lines(novel)
    for r in models["rows"]:
        table = {}
        for line, s in zip(lines, r["labels"]):
            chars = unspace(line)[0]
            table[chars] = respace(chars, np.array([int(ch) for ch in s] + [0]))
        got = score_system(lines, table.get)
        assert {k: got[k] for k in SCORES} == {k: r[k] for k in SCORES}, r["name"]


def test_lookahead_rows_end_with_the_shipped_model_s_score(look):
    assert look["command"] == "python bench/spacing_lookahead.py"
    assert [r["d"] for r in look["rows"]] == [0, 1, 2, 3, 4, 6, 8, "all"]
    _, _, ckpt = load_checkpoint(SHIPPED)
    assert look["model_sha256"] == ckpt["sha256"]
    stored = ckpt["meta"]["heldout"]
    assert {k: look["rows"][-1][k] for k in SCORES} == {k: stored[k] for k in SCORES}
    f1 = [r["f1"] for r in look["rows"]]
    assert f1[0] < 0.85 < f1[1] < f1[2] < f1[3]            # seeing more to the right helps, most in the first characters
    assert all(abs(f - f1[-1]) < 0.001 for f in f1[4:])
