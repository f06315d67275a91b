"""Chapter 06's prose quotes stored results in markdown (no cell recomputes them): the numbers
must be the files' numbers, in both languages.

Exercise 6's solution quotes ``rnnkit/results/seq2seq_length_k8.json`` (made by
``python bench/seq2seq_dates.py --k-max 8``); section 6.10 and exercises 8-9 quote
``rnnkit/results/beam_search.json`` (made by ``python bench/beam_search.py``).
"""
import json
from pathlib import Path

import pytest

from rnnkit import results

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("ko", "en")


def markdown(lang):
    nb = json.loads((ROOT / "book" / lang / "06_seq2seq.ipynb").read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


def exercise_6(lang):
    (cell,) = [s for s in markdown(lang) if "**6.**" in s and "--k-max 8" in s]
    return cell[cell.index("**6.**"):]


def pct(x, digits=1):
    return f"{100 * x:.{digits}f} %"


def k8_numbers():
    d = results.load("seq2seq_length_k8")
    assert d["command"] == "python bench/seq2seq_dates.py --k-max 8"
    attn = {r["k"]: r for r in d["models"]["seq2seq_datelist_attn"]["by_length"]}
    plain = {r["k"]: r for r in d["models"]["seq2seq_datelist"]["by_length"]}
    long = [attn[7], attn[8]]
    errors = sum(r["errors"] for r in long)
    other_count = sum(r["errors_other_count"] for r in long)
    one_wrong = sum(r["errors_one_date_wrong"] for r in long)
    return {
        "attention k=5": pct(attn[5]["exact_match"]), "attention k=7": pct(attn[7]["exact_match"]),
        "attention k=8": pct(attn[8]["exact_match"]), "plain k=3": pct(plain[3]["exact_match"]),
        "plain k=5": pct(plain[5]["exact_match"]),
        "attention teacher-forced k=8": pct(attn[8]["teacher_forced_char_acc"], 2),
        "errors": str(errors), "errors k=7": str(attn[7]["errors"]), "errors k=8": str(attn[8]["errors"]),
        "wrong count": str(other_count), "same count": str(errors - other_count),
        "one date wrong": str(one_wrong), "two or more wrong": str(errors - other_count - one_wrong),
        "lists": str(2 * d["n_per_k"]),
    }


def test_the_k8_file_has_what_the_solution_describes():
    d = results.load("seq2seq_length_k8")
    attn = {r["k"]: r for r in d["models"]["seq2seq_datelist_attn"]["by_length"]}
    plain = {r["k"]: r for r in d["models"]["seq2seq_datelist"]["by_length"]}
    assert all(attn[k]["exact_match"] == 1.0 for k in (1, 2, 3, 4, 6))          # "100 % otherwise"
    assert all(plain[k]["exact_match"] == 0.0 for k in (6, 7, 8))               # "0 % from k = 6 on"
    assert attn[7]["errors_one_date_dropped"] + attn[8]["errors_one_date_dropped"] == 2
    repeats = [e for r in (attn[7], attn[8]) for e in r["examples"]
               if len(set(e["prediction"].split())) < len(e["prediction"].split())]
    assert len(repeats) == 2                                                    # "two of the six examples"


@pytest.mark.parametrize("lang", LANGS)
def test_exercise_6_quotes_the_k8_file(lang):
    text = exercise_6(lang)
    assert "K_MAX" not in text and "seq2seq_length_k8.json" in text
    missing = {name: value for name, value in k8_numbers().items() if value not in text}
    assert missing == {}


@pytest.mark.parametrize("lang", LANGS)
def test_beam_section_quotes_the_beam_file(lang):
    bs = results.load("beam_search")
    assert bs["command"] == "python bench/beam_search.py"
    lst = bs["models"]["seq2seq_datelist"]
    under = bs["models"][f"seq2seq_dates_{bs['under_steps']}_updates"]
    by = {(r["beam_size"], r["alpha"]): r for r in lst["rows"]}
    gap = (lst["greedy"]["mean_log_prob"] - lst["target_mean_log_prob"]) / (1 - lst["greedy"]["exact_match"])
    quoted = [f"{lst['target_mean_log_prob']:.3f}".replace("-", "−"),
              f"{lst['greedy']['mean_log_prob']:.3f}".replace("-", "−"),
              *(f"{by[K, 0.0]['mean_log_prob']:.3f}".replace("-", "−") for K in (2, 4, 8)),
              pct(lst["greedy"]["exact_match"], 2), pct(by[8, 0.0]["exact_match"], 2),
              pct(by[4, 0.0]["exact_match"], 2), pct(under["greedy"]["exact_match"], 2),
              pct({(r["beam_size"], r["alpha"]): r for r in under["rows"]}[8, 0.0]["exact_match"], 2),
              f"{gap:.2f}", *(str(by[K, 0.0]["broken"]) for K in (2, 4, 8)), str(by[8, 0.0]["fixed"])]
    text = "\n".join(markdown(lang))
    assert [q for q in quoted if q not in text] == []
    # alpha = 1 changes no exact match on the two models the section shows
    for m in (lst, under):
        rows = {(r["beam_size"], r["alpha"]): r for r in m["rows"]}
        assert all(rows[K, 0.0]["exact_match"] == rows[K, 1.0]["exact_match"] for K in bs["beams"])
