"""Tests of rnnkit.charlm.stats: chapter 07's numbers (text statistics, neighbours, results,
temperature, samples). The figures that draw them are tested in tests/figures/test_charlm.py."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit.charlm import CharLM, sample
from rnnkit.charlm import stats
from rnnkit.data import Vocab

STATS_PY = Path(stats.__file__)


@pytest.fixture
def model(vocab):
    torch.manual_seed(0)
    return CharLM(len(vocab), embed=16, hidden=16, layers=1, tie=True).eval()


def _imported(node):
    """Top-level names of the modules an import statement reads ('.model' for relative ones)."""
    if isinstance(node, ast.Import):
        return [a.name.split(".")[0] for a in node.names]
    return ["." * node.level + (node.module or "").split(".")[0]]


def test_stats_imports_no_plotting_library_and_torch_only_inside_functions():
    tree = ast.parse(STATS_PY.read_text(encoding="utf-8"))
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    for node in imports:
        assert not set(_imported(node)) & {"matplotlib", "plotly", "ipywidgets"}, f"line {node.lineno}"
    # at module level neither torch nor the charlm modules that import it (model, sample)
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            assert not set(_imported(node)) & {"torch", ".model", ".sample"}, f"line {node.lineno}"


def test_stats_text_functions_run_without_torch():
    """With torch unimportable (and the charlm package's own __init__ bypassed, since it
    loads the models), the text statistics still import and run."""
    code = f"""
import sys, types
sys.modules["torch"] = None
pkg = types.ModuleType("rnnkit.charlm")
pkg.__path__ = [{str(STATS_PY.parent)!r}]
sys.modules["rnnkit.charlm"] = pkg
from rnnkit.charlm import stats
chars, counts = stats.rank_frequency("가나가")
assert chars == ["가", "나"] and counts.tolist() == [2, 1]
assert stats.longest_copy("가나다", "나다라") == ("나다", 1)
assert stats.tokenization_stats("가 나", "나 다")[2]["oov_tokens"] == 1
assert not any(m.split(".")[0] in ("matplotlib", "plotly", "ipywidgets") for m in sys.modules)
print("ok")
"""
    root = STATS_PY.parents[2]
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root,
                       env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_show_char_makes_whitespace_visible():
    assert [stats.show_char(c) for c in "\n \t가"] == ["↵", "␣", "⇥", "가"]
    assert stats.VISIBLE["\n"] == "↵"


def test_rank_frequency_counts_every_character():
    chars, counts = stats.rank_frequency("가나가다가나")
    assert chars == ["가", "나", "다"]
    assert counts.tolist() == [3, 2, 1] and counts.dtype == np.int64
    with pytest.raises(ValueError, match="text"):
        stats.rank_frequency("")


def test_tokenization_stats_counts_unseen_held_out_tokens():
    rows = stats.tokenization_stats("형식은 웃었다", "형식은 갔다 웃었다")
    by = {r["kind"]: r for r in rows}
    assert [r["kind"] for r in rows] == ["syllable", "jamo", "word"]
    assert by["word"]["vocab"] == 2 and by["word"]["valid_tokens"] == 3
    assert by["word"]["oov_tokens"] == 1 and by["word"]["oov_rate"] == pytest.approx(1 / 3)
    assert by["syllable"]["oov_types"] == 1            # 갔 is new; 다 and the space were seen
    assert by["syllable"]["train_tokens"] == 7
    # 자모: 형 식 은 웃 었 have 3 jamo, 다 has 2, plus the space; in 갔 = ᄀ ᅡ ᆻ only the
    # initial ᄀ is new (ᅡ occurs in 다, the final ᆻ in 었; the final ᆨ of 식 is another code point)
    assert by["jamo"]["train_tokens"] == 18
    assert by["jamo"]["oov_tokens"] == 1 and by["jamo"]["oov_types"] == 1
    with pytest.raises(ValueError, match=r"kinds\[0\] must be one of"):
        stats.tokenization_stats("a", "b", kinds=("bpe",))
    with pytest.raises(ValueError, match="valid_text"):
        stats.tokenization_stats("a", "")


def test_check_model_names_what_is_wrong(model, vocab):
    assert stats.check_model(model, vocab) is model
    with pytest.raises(ValueError, match="model must be a CharLM"):
        stats.check_model(torch.nn.Linear(2, 2), vocab)
    with pytest.raises(ValueError, match="vocab has 2 characters"):
        stats.check_model(model, Vocab("가나"))


def test_next_char_probs_sum_to_one_and_greedy_is_argmax(model, vocab):
    p1 = stats.next_char_probs(model, vocab, "형식은", 1.0)
    assert p1.shape == (len(vocab),) and p1.dtype == np.float64 and abs(p1.sum() - 1) < 1e-12
    p0 = stats.next_char_probs(model, vocab, "형식은", 0)
    assert p0.sum() == 1.0 and p0.max() == 1.0 and int(p0.argmax()) == int(p1.argmax())
    # Lower temperature: the likeliest character gets more mass, the distribution sharpens.
    p_low = stats.next_char_probs(model, vocab, "형식은", 0.3)
    assert p_low.max() > p1.max()
    # τ = 1 is the model's own softmax
    with torch.no_grad():
        logits, _ = model(torch.as_tensor(vocab.encode("형식은"))[None])
    np.testing.assert_allclose(p1, torch.softmax(logits[0, -1].double(), 0).numpy(), rtol=1e-12)
    # greedy sampling picks the argmax
    assert sample(model, vocab, "형식은", 1, temperature=0) == vocab.chars[int(p0.argmax())]
    for bad in (-0.1, float("nan"), "1"):
        with pytest.raises(ValueError, match="temperature"):
            stats.next_char_probs(model, vocab, "형식은", bad)
    with pytest.raises(ValueError, match="vocabulary lacks"):
        stats.next_char_probs(model, vocab, "Q")


def test_top_next_chars_keeps_one_order_for_every_temperature(model, vocab):
    taus = [0, 0.5, 1.0, 2.0]
    ids, probs = stats.top_next_chars(model, vocab, "형식은", taus, top=5)
    assert ids.shape == (5,) and probs.shape == (4, 5)
    p1 = stats.next_char_probs(model, vocab, "형식은", 1.0)
    np.testing.assert_array_equal(ids, np.argsort(-p1, kind="stable")[:5])
    for t, row in zip(taus, probs):
        np.testing.assert_array_equal(row, stats.next_char_probs(model, vocab, "형식은", t)[ids])
    assert probs[0].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]          # greedy: all mass on the first
    assert np.all(np.diff(probs[1:], axis=1) <= 0)                 # the order holds at every τ > 0
    assert probs[3, 0] < probs[2, 0] < probs[1, 0]                 # higher τ flattens
    ids_all, _ = stats.top_next_chars(model, vocab, "형식은", [1.0], top=10 ** 6)
    assert sorted(ids_all.tolist()) == list(range(len(vocab)))     # top is capped at V
    with pytest.raises(ValueError, match="temperatures must hold at least one"):
        stats.top_next_chars(model, vocab, "형식은", [])
    with pytest.raises(ValueError, match=r"temperatures\[1\]"):
        stats.top_next_chars(model, vocab, "형식은", [1.0, -1.0])
    with pytest.raises(ValueError, match="top must be an integer >= 1"):
        stats.top_next_chars(model, vocab, "형식은", [1.0], top=0)


def test_nearest_neighbours_by_cosine(vocab):
    torch.manual_seed(0)
    m = CharLM(len(vocab), embed=4, hidden=4, tie=True)
    with torch.no_grad():
        W = m.embed.weight
        W.normal_()
        a, b, c = vocab.index["형"], vocab.index["식"], vocab.index["은"]
        W[b] = 3 * W[a] + 1e-3                       # same direction as 형
        W[c] = -W[a]                                 # opposite
    nn = stats.nearest_neighbours(m, vocab, "형", k=3)
    assert nn["형"][0][0] == "식" and nn["형"][0][1] == pytest.approx(1.0, abs=1e-3)
    assert all(d != "형" for d, _ in nn["형"])
    far = stats.nearest_neighbours(m, vocab, "형", k=len(vocab) - 1)["형"]
    assert far[-1] == ("은", -1.0)
    with pytest.raises(ValueError, match="chars"):
        stats.nearest_neighbours(m, vocab, "Q")
    with pytest.raises(ValueError, match="among"):
        stats.nearest_neighbours(m, vocab, "형", among="형Q")
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        stats.nearest_neighbours(m, vocab, "형", k=0)


def test_neighbour_agreement_finds_a_planted_structure():
    vocab = Vocab("abcdefghi")
    torch.manual_seed(0)
    m = CharLM(len(vocab), embed=2, hidden=2, tie=True)
    with torch.no_grad():                          # vowels along one axis, consonants along another
        for i, ch in enumerate(vocab.chars):
            m.embed.weight[i] = torch.tensor([1.0, 0.01 * i]) if ch in "aei" else torch.tensor([0.01 * i, 1.0])
    obs, chance = stats.neighbour_agreement(m, vocab, vocab.chars, lambda ch: ch in "aei", k=2)
    assert obs == 1.0
    assert chance == pytest.approx((3 * 2 / 8 + 6 * 5 / 8) / 9)
    with pytest.raises(ValueError, match="k \\+ 1"):
        stats.neighbour_agreement(m, vocab, "ab", lambda ch: 0, k=2)
    with pytest.raises(ValueError, match="key must be a callable"):
        stats.neighbour_agreement(m, vocab, "abc", "vowel", k=2)


def test_neighbours_use_the_vectors_the_model_reads(vocab):
    from rnnkit.charlm.tokens import jamo_parts

    torch.manual_seed(0)
    m = CharLM(len(vocab), embed=8, hidden=8, tie=True, parts=jamo_parts(vocab.chars))
    with torch.no_grad():
        m.embed.weight.zero_()                     # own rows all zero: only the shared parts remain
    # 형 and 영 share the vowel ㅕ and the final ㅇ: with parts they are close, own rows say nothing
    cos = dict(stats.nearest_neighbours(m, vocab, "형", k=len(vocab) - 1)["형"])
    U = m.token_vectors().detach().double()
    a, b = U[vocab.index["형"]], U[vocab.index["영"]]
    assert cos["영"] == pytest.approx(float(a @ b / a.norm() / b.norm()), abs=1e-3)
    own = dict(stats.nearest_neighbours(m, vocab, "형", k=len(vocab) - 1, vectors=m.embed.weight)["형"])
    assert own["영"] == 0.0
    with pytest.raises(ValueError, match="vectors"):
        stats.nearest_neighbours(m, vocab, "형", vectors=torch.zeros(3, 8))


BENCH = {"ngrams": [{"name": "uni", "heldout_bpc": 6.7}],
         "runs": [{"name": "a", "config": {"tokens": "syllable"}, "parameters": 10, "steps": 5,
                   "heldout_bpc": 3.7, "heldout_bits_per_token": 3.7, "dynamic_bpc": 3.4, "minutes": 10,
                   "train_bpc_last": 2.9},
                  {"name": "j", "config": {"tokens": "jamo"}, "parameters": 9, "steps": 4,
                   "heldout_bpc": 3.9, "heldout_bits_per_token": 1.95, "dynamic_bpc": None, "minutes": 10,
                   "shared_cpu": True},
                  {"name": "unfinished", "config": {}, "heldout_bpc": None}]}


def test_result_rows_orders_and_keeps_every_run():
    rows = stats.result_rows(BENCH, shipped=dict(name="ship", parameters=10, steps=50, minutes=60,
                                                 heldout_bpc=3.4))
    assert [r["name"] for r in rows] == ["uni", "j", "a", "ship"]
    assert rows[0] == dict(name="uni", tokens="-", parameters=None, steps=None, minutes=None, bpc=6.7,
                           bits_per_token=6.7, dynamic=None, train_bpc=None, shared_cpu=False)
    assert rows[1]["tokens"] == "jamo" and rows[1]["bits_per_token"] == 1.95
    assert rows[2]["dynamic"] == 3.4 and rows[3]["bpc"] == 3.4
    assert rows[2]["train_bpc"] == 2.9 and rows[0]["train_bpc"] is None and rows[1]["train_bpc"] is None
    assert rows[3]["parameters"] == 10 and rows[3]["steps"] == 50 and rows[3]["tokens"] == "syllable"
    assert [r["shared_cpu"] for r in rows] == [False, True, False, False]
    two = stats.result_rows(BENCH, shipped=[dict(name="lstm", heldout_bpc=3.4), dict(name="mix", heldout_bpc=3.3)])
    assert [r["name"] for r in two][-2:] == ["lstm", "mix"] and two[-1]["bpc"] == 3.3 and two[-1]["steps"] is None
    with pytest.raises(ValueError, match="bench"):
        stats.result_rows({"ngrams": []})
    with pytest.raises(ValueError, match=r"shipped .* entries \[1\]"):
        stats.result_rows(BENCH, shipped=[dict(name="ok", heldout_bpc=3.0), dict(name="no number")])


def test_bench_curves_rescale_jamo_runs_and_reduce_a_mixture_to_its_final_number():
    bench = {"runs": [{"name": "syl", "heldout_bpc": 3.7, "heldout_bits_per_token": 3.7,
                       "log": [dict(seconds=60, valid_bpc=4.0), dict(seconds=120, valid_bpc=3.7)]},
                      {"name": "jamo", "heldout_bpc": 3.8, "heldout_bits_per_token": 1.9,
                       "log": [dict(seconds=30, valid_bpc=2.0), dict(seconds=90, valid_bpc=None),
                               dict(seconds=600, valid_bpc=1.9)]},
                      {"name": "nolog", "heldout_bpc": 4.0, "log": []},
                      {"name": "mix", "heldout_bpc": 3.4, "heldout_bits_per_token": 3.4, "heldout_lstm_bpc": 3.5,
                       "log": [dict(seconds=60, valid_bpc=4.0), dict(seconds=540, valid_bpc=3.5)]}]}
    curves = stats.bench_curves(bench)
    assert [c["name"] for c in curves] == ["jamo", "syl", "mix"]          # highest final bpc first
    by = {c["name"]: c for c in curves}
    assert [c["mixture"] for c in curves] == [False, False, True]
    np.testing.assert_allclose(by["jamo"]["minutes"], [0.5, 10.0])
    np.testing.assert_allclose(by["jamo"]["bpc"], [4.0, 3.8])             # bits per jamo x 2 jamo per character
    np.testing.assert_allclose(by["syl"]["minutes"], [1.0, 2.0])
    np.testing.assert_allclose(by["syl"]["bpc"], [4.0, 3.7])
    np.testing.assert_allclose([by["mix"]["minutes"], by["mix"]["bpc"]], [[9.0], [3.4]])
    with pytest.raises(ValueError, match="bench"):
        stats.bench_curves([])


def test_sampler_text_is_the_prompt_and_its_sample(model, vocab):
    assert stats.sampler_text(model, vocab, "형식은", temperature=0.7, top_k=0, seed=1, length=20) == \
        sample(model, vocab, "형식은", 20, temperature=0.7, seed=1, include_prompt=True)
    assert stats.sampler_text(model, vocab, "형식은", temperature=1.0, top_k=1, seed=1, length=10) == \
        sample(model, vocab, "형식은", 10, temperature=0, include_prompt=True)
    text = stats.sampler_text(model, vocab, "형식은", temperature=0, length=12)
    assert text.startswith("형식은") and len(text) == 15
    with pytest.raises(ValueError, match="top_k must be an integer >= 0"):
        stats.sampler_text(model, vocab, "형식은", top_k=-1)
    with pytest.raises(ValueError, match="temperature"):
        stats.sampler_text(model, vocab, "형식은", temperature=float("inf"))
    with pytest.raises(ValueError, match="vocabulary lacks"):
        stats.sampler_text(model, vocab, "QQ")


def _longest_copy_brute(sample_text, source_text):
    best, start = "", 0
    for i in range(len(sample_text)):
        for j in range(i + 1, len(sample_text) + 1):
            if j - i > len(best) and sample_text[i:j] in source_text:
                best, start = sample_text[i:j], i
    return best, start


def test_longest_copy_finds_the_longest_recited_piece():
    source = "형식은 영채를 생각하였다. 선형은 웃었다."
    assert stats.longest_copy("그날 형식은 영채를 보았다", source) == ("형식은 영채를 ", 3)
    assert stats.longest_copy("", source) == ("", 0)
    assert stats.longest_copy("xyz", source) == ("", 0)
    assert stats.longest_copy("은다은다", "은다") == ("은다", 0)     # ties: the first piece
    rng = np.random.default_rng(0)
    for _ in range(200):
        sample_text = "".join(rng.choice(list("abc"), rng.integers(0, 12)))
        source_text = "".join(rng.choice(list("abcd"), rng.integers(0, 30)))
        assert stats.longest_copy(sample_text, source_text) == _longest_copy_brute(sample_text, source_text)


@pytest.mark.parametrize("args, name", [((None, "abc"), "sample_text"), (("abc", ["a"]), "source_text")])
def test_longest_copy_rejects_non_strings(args, name):
    with pytest.raises(ValueError, match=name):
        stats.longest_copy(*args)
