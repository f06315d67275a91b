"""The stored baselines of chapter 08 (rnnkit/results/spacing_baselines.json) against the code."""
import pytest

from rnnkit import results
from rnnkit.data import split_text
from rnnkit.data.spacing import heldout_lines, respace, score_system
from rnnkit.spacing.counts import CountSpacer


@pytest.fixture(scope="module")
def stored():
    return results.load("spacing_baselines")


def test_the_file_names_its_command_and_the_protocol(stored):
    assert stored["command"] == "python bench/spacing_baselines.py"
    assert stored["heldout_lines"] == 399
    assert [r["name"] for r in stored["rows"]] == ["no space", "counts", "Kiwi"]


def test_every_row_is_consistent(stored):
    for r in stored["rows"]:
        assert r["tp"] + r["fn"] == r["spaces"]
        assert r["precision"] == (r["tp"] / (r["tp"] + r["fp"]) if r["tp"] + r["fp"] else 0.0)
        assert r["recall"] == r["tp"] / r["spaces"]
        p, q = r["precision"], r["recall"]
        assert r["f1"] == pytest.approx(2 * p * q / (p + q) if p + q else 0.0, rel=1e-12)
    rows = {r["name"]: r for r in stored["rows"]}
    assert rows["no space"]["f1"] == 0.0 and rows["no space"]["spaces"] == 7738
    kiwi = rows["Kiwi"]
    assert kiwi["lines"] == 399 - kiwi["excluded_lines"]
    assert 0.94 < kiwi["f1"] < 0.95                       # the "about 0.945"
    assert rows["counts"]["on_kiwi_lines"]["lines"] == kiwi["lines"]


def test_the_counts_row_is_what_the_code_gives(novel, stored):
    """Re-run the no-space and count rows (a few seconds) and compare every count."""
    row = {r["name"]: r for r in stored["rows"]}["counts"]
    lines = heldout_lines(novel)
    model = CountSpacer(row["k"], row["strength"]).fit(split_text(novel)[0])
    s = score_system(lines, lambda chars: respace(chars, model.predict(chars)))
    assert (s["tp"], s["fp"], s["fn"], s["lines"]) == (row["tp"], row["fp"], row["fn"], row["lines"])
    assert s["exact"] == row["exact"]
    assert (row["k"], row["strength"]) == (stored["counts_selection"]["chosen"]["k"],
                                           stored["counts_selection"]["chosen"]["strength"])


def test_the_check_runs_record_their_commands_and_consistent_scores():
    data = results.load("spacing_check_runs")
    assert "shared" in data["note"]
    assert {r["config"]["bidirectional"] for r in data["runs"]} == {True, False}
    for r in data["runs"]:
        assert r["command"].startswith("python bench/spacing_model.py ") and "--save" in r["command"]
        assert ("--unidirectional" in r["command"]) == (not r["config"]["bidirectional"])
        p, q = r["tp"] / (r["tp"] + r["fp"]), r["tp"] / (r["tp"] + r["fn"])
        assert r["precision"] == p and r["recall"] == q
        assert r["f1"] == pytest.approx(2 * p * q / (p + q), rel=1e-12)
        assert r["lines"] == 399 and r["steps"] == r["log"][-1]["step"] + (r["steps"] % 10)
