"""Tests of rnnkit.charlm.explore: chapter 07's figures, tables and widgets."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from rnnkit.charlm import CharLM, sample  # noqa: E402
from rnnkit.charlm import explore as ex  # noqa: E402
from rnnkit.data import Vocab  # noqa: E402

TAUS = [0, 0.3, 0.5, 0.7, 0.8, 1.0, 1.2, 1.5]
FIG_LABELS = dict(x="next", y="p", step="τ = ", greedy="greedy", title="{prompt} τ={tau} rest={rest:.2f}")


@pytest.fixture
def model(vocab):
    torch.manual_seed(0)
    return CharLM(len(vocab), embed=16, hidden=16, layers=1, tie=True).eval()


def test_rank_frequency_counts_every_character():
    chars, counts = ex.rank_frequency("가나가다가나")
    assert chars == ["가", "나", "다"]
    assert counts.tolist() == [3, 2, 1]
    with pytest.raises(ValueError, match="text"):
        ex.rank_frequency("")


def test_tokenization_stats_counts_unseen_held_out_tokens():
    rows = ex.tokenization_stats("형식은 웃었다", "형식은 갔다 웃었다")
    by = {r["kind"]: r for r in rows}
    assert by["word"]["vocab"] == 2 and by["word"]["valid_tokens"] == 3
    assert by["word"]["oov_tokens"] == 1 and by["word"]["oov_rate"] == pytest.approx(1 / 3)
    assert by["syllable"]["oov_types"] == 1            # 갔 is new; 다 and the space were seen
    assert by["syllable"]["train_tokens"] == 7
    # 자모: 형 식 은 웃 었 have 3 jamo, 다 has 2, plus the space; in 갔 = ᄀ ᅡ ᆻ only the
    # initial ᄀ is new (ᅡ occurs in 다, the final ᆻ in 었; the final ᆨ of 식 is another code point)
    assert by["jamo"]["train_tokens"] == 18
    assert by["jamo"]["oov_tokens"] == 1 and by["jamo"]["oov_types"] == 1
    with pytest.raises(ValueError, match="kind"):
        ex.tokenization_stats("a", "b", kinds=("bpe",))


def test_next_char_probs_sum_to_one_and_greedy_is_argmax(model, vocab):
    p1 = ex.next_char_probs(model, vocab, "형식은", 1.0)
    assert p1.shape == (len(vocab),) and abs(p1.sum() - 1) < 1e-12
    p0 = ex.next_char_probs(model, vocab, "형식은", 0)
    assert p0.sum() == 1.0 and p0.max() == 1.0 and int(p0.argmax()) == int(p1.argmax())
    # Lower temperature: the likeliest character gets more mass, the distribution sharpens.
    p_low = ex.next_char_probs(model, vocab, "형식은", 0.3)
    assert p_low.max() > p1.max()
    # τ = 1 is the model's own softmax
    with torch.no_grad():
        logits, _ = model(torch.as_tensor(vocab.encode("형식은"))[None])
    np.testing.assert_allclose(p1, torch.softmax(logits[0, -1].double(), 0).numpy(), rtol=1e-12)
    # greedy sampling picks the argmax
    assert sample(model, vocab, "형식은", 1, temperature=0) == vocab.chars[int(p0.argmax())]
    for bad in (-0.1, float("nan"), "1"):
        with pytest.raises(ValueError, match="temperature"):
            ex.next_char_probs(model, vocab, "형식은", bad)


def test_temperature_figure_has_one_step_per_temperature_with_matching_samples(model, vocab):
    fig = ex.temperature_figure(model, vocab, "형식은", TAUS, FIG_LABELS, length=50, seed=3, top=5, wrap=20)
    steps = fig.layout.sliders[0].steps
    assert len(steps) == len(TAUS)
    assert [s.label for s in steps] == ["greedy", "0.3", "0.5", "0.7", "0.8", "1", "1.2", "1.5"]
    for t, s in zip(TAUS, steps):
        data, layout = s.args
        text = sample(model, vocab, "형식은", 50, temperature=t, seed=3)
        assert layout["annotations[0].text"] == ex.sample_html("형식은" + text, wrap=20)
        assert layout["annotations[0].text"].count("<br>") >= 2           # 53 characters, 20 per line
        assert layout["yaxis.range"][1] >= max(data["y"][0])
        probs = ex.next_char_probs(model, vocab, "형식은", t)
        top5 = np.sort(probs)[::-1][:5]
        np.testing.assert_allclose(data["y"][0], top5, atol=1e-4)
        assert sum(data["y"][0]) <= 1 + 1e-3
    # the greedy step puts probability 1 on the first bar
    assert steps[0].args[0]["y"][0][0] == 1.0
    # the figure starts at the first temperature
    assert list(fig.data[0].y) == steps[0].args[0]["y"][0]
    assert fig.layout.annotations[0].text == steps[0].args[1]["annotations[0].text"]


def test_temperature_figure_rejects_bad_input(model, vocab):
    with pytest.raises(ValueError, match="temperatures"):
        ex.temperature_figure(model, vocab, "형식은", [], FIG_LABELS)
    with pytest.raises(ValueError, match="temperatures"):
        ex.temperature_figure(model, vocab, "형식은", [1.0, -1.0], FIG_LABELS)
    with pytest.raises(ValueError, match="labels lacks"):
        ex.temperature_figure(model, vocab, "형식은", [1.0], {"x": "x"})
    with pytest.raises(ValueError, match="vocabulary lacks"):
        ex.temperature_figure(model, vocab, "Q", [1.0], FIG_LABELS)
    with pytest.raises(ValueError, match="vocab"):
        ex.temperature_figure(model, Vocab("가나"), "가", [1.0], FIG_LABELS)


def test_sample_html_escapes_and_breaks_lines():
    assert ex.sample_html("a<b\ncd", wrap=2) == "a&lt;<br>b↵<br>cd"
    assert ex.sample_html("abcde", wrap=2) == "ab<br>cd<br>e"


def test_plot_temperature_bars_heights(model, vocab):
    fig, axes = plt.subplots(1, 3)
    h = ex.plot_temperature_bars(axes, model, vocab, "형식은", [0, 1.0, 2.0],
                                 dict(title="{tau} {rest:.2f}", greedy="g", y="p"), top=4)
    assert h.shape == (3, 4)
    assert h[0].tolist() == [1.0, 0.0, 0.0, 0.0]
    assert np.all(np.diff(h[1]) <= 0)             # bars sorted by probability
    assert h[2, 0] < h[1, 0]                      # τ = 2 flattens
    assert axes[0].get_title() == "g 0.00"
    with pytest.raises(ValueError, match="one Axes per temperature"):
        ex.plot_temperature_bars(axes[:2], model, vocab, "형식은", [0, 1, 2],
                                 dict(title="", greedy="g", y="p"))
    plt.close(fig)


def test_nearest_neighbours_by_cosine(vocab):
    torch.manual_seed(0)
    m = CharLM(len(vocab), embed=4, hidden=4, tie=True)
    with torch.no_grad():
        W = m.embed.weight
        W.normal_()
        a, b, c = vocab.index["형"], vocab.index["식"], vocab.index["은"]
        W[b] = 3 * W[a] + 1e-3                       # same direction as 형
        W[c] = -W[a]                                 # opposite
    nn = ex.nearest_neighbours(m, vocab, "형", k=3)
    assert nn["형"][0][0] == "식" and nn["형"][0][1] == pytest.approx(1.0, abs=1e-3)
    assert all(d != "형" for d, _ in nn["형"])
    far = ex.nearest_neighbours(m, vocab, "형", k=len(vocab) - 1)["형"]
    assert far[-1] == ("은", -1.0)
    with pytest.raises(ValueError, match="chars"):
        ex.nearest_neighbours(m, vocab, "Q")


def test_neighbour_agreement_finds_a_planted_structure():
    vocab = Vocab("abcdefghi")
    torch.manual_seed(0)
    m = CharLM(len(vocab), embed=2, hidden=2, tie=True)
    with torch.no_grad():                          # vowels along one axis, consonants along another
        for i, ch in enumerate(vocab.chars):
            m.embed.weight[i] = torch.tensor([1.0, 0.01 * i]) if ch in "aei" else torch.tensor([0.01 * i, 1.0])
    obs, chance = ex.neighbour_agreement(m, vocab, vocab.chars, lambda ch: ch in "aei", k=2)
    assert obs == 1.0
    assert chance == pytest.approx((3 * 2 / 8 + 6 * 5 / 8) / 9)
    with pytest.raises(ValueError, match="k \\+ 1"):
        ex.neighbour_agreement(m, vocab, "ab", lambda ch: 0, k=2)


def test_plot_stream_batches_grid():
    fig, ax = plt.subplots()
    sb = ex.plot_stream_batches(ax, "abcdefghijklmnopq", 2, 3, dict(row="r{b}", window="w{k}", title="t"))
    assert sb.xs.shape == (2, 8) and len(sb) == 3
    texts = [t.get_text() for t in ax.texts]
    assert texts[:8] == list("abcdefgh") and texts[8:16] == list("ijklmnop")
    assert texts[16:] == ["w1", "w2", "w3"]
    with pytest.raises(ValueError, match="text"):
        ex.plot_stream_batches(ax, "a", 1, 1, dict(row="", window="", title=""))
    plt.close(fig)


def test_plot_training_log_draws_curves_and_baselines():
    log = [dict(step=10, seconds=30.0, train_bpc=6.0, valid_bpc=5.5),
           dict(step=20, seconds=90.0, train_bpc=5.0, valid_bpc=4.8)]
    fig, ax = plt.subplots()
    ex.plot_training_log(ax, log, dict(train="tr", valid="va", x="min"), x="minutes",
                         baselines=[("bigram", 4.55)])
    lines = ax.get_lines()
    assert lines[0].get_xdata().tolist() == [0.5, 1.5]
    assert lines[1].get_ydata().tolist() == [5.5, 4.8]
    assert list(lines[2].get_ydata()) == [4.55, 4.55]
    with pytest.raises(ValueError, match="x must"):
        ex.plot_training_log(ax, log, dict(train="tr", valid="va", x="min"), x="hours")
    plt.close(fig)


def test_result_rows_orders_and_keeps_every_run():
    bench = {"ngrams": [{"name": "uni", "heldout_bpc": 6.7}],
             "runs": [{"name": "a", "config": {"tokens": "syllable"}, "parameters": 10, "steps": 5,
                       "heldout_bpc": 3.7, "heldout_bits_per_token": 3.7, "dynamic_bpc": 3.4, "minutes": 10,
                       "train_bpc_last": 2.9},
                      {"name": "j", "config": {"tokens": "jamo"}, "parameters": 9, "steps": 4,
                       "heldout_bpc": 3.9, "heldout_bits_per_token": 1.95, "dynamic_bpc": None, "minutes": 10,
                       "shared_cpu": True}]}
    rows = ex.result_rows(bench, shipped=dict(name="ship", parameters=10, steps=50, minutes=60,
                                              heldout_bpc=3.4))
    assert [r["name"] for r in rows] == ["uni", "j", "a", "ship"]
    assert rows[1]["tokens"] == "jamo" and rows[1]["bits_per_token"] == 1.95
    assert rows[2]["dynamic"] == 3.4 and rows[3]["bpc"] == 3.4
    assert rows[2]["train_bpc"] == 2.9 and rows[0]["train_bpc"] is None and rows[1]["train_bpc"] is None
    assert [r["shared_cpu"] for r in rows] == [False, True, False, False]
    two = ex.result_rows(bench, shipped=[dict(name="lstm", heldout_bpc=3.4), dict(name="mix", heldout_bpc=3.3)])
    assert [r["name"] for r in two][-2:] == ["lstm", "mix"] and two[-1]["bpc"] == 3.3 and two[-1]["steps"] is None
    with pytest.raises(ValueError, match="bench"):
        ex.result_rows({"ngrams": []})


def test_sampler_text_and_widget(model, vocab):
    assert ex.sampler_text(model, vocab, "형식은", temperature=0.7, top_k=0, seed=1, length=20) == \
        sample(model, vocab, "형식은", 20, temperature=0.7, seed=1, include_prompt=True)
    assert ex.sampler_text(model, vocab, "형식은", temperature=1.0, top_k=1, seed=1, length=10) == \
        sample(model, vocab, "형식은", 10, temperature=0, include_prompt=True)
    labels = dict(temperature="t", top_k="k", prompt="p", seed="s", length="n", button="go", bad="bad: {error}")
    w = ex.sampler_widget(model, vocab, labels, length=20)
    out = w.children[-1]
    assert "형식은" in out.value
    w.children[0].children[0].value = "QQ"             # a prompt the model cannot read
    w.children[-2].click()
    assert out.value.startswith("<p>bad:") and "vocabulary lacks" in out.value
    with pytest.raises(ValueError, match="labels lacks"):
        ex.sampler_widget(model, vocab, {"temperature": "t"})


def test_neighbours_use_the_vectors_the_model_reads(vocab):
    from rnnkit.charlm.tokens import jamo_parts

    torch.manual_seed(0)
    m = CharLM(len(vocab), embed=8, hidden=8, tie=True, parts=jamo_parts(vocab.chars))
    with torch.no_grad():
        m.embed.weight.zero_()                     # own rows all zero: only the shared parts remain
    # 형 and 영 share the vowel ㅕ and the final ㅇ: with parts they are close, own rows say nothing
    cos = dict(ex.nearest_neighbours(m, vocab, "형", k=len(vocab) - 1)["형"])
    U = m.token_vectors().detach().double()
    a, b = U[vocab.index["형"]], U[vocab.index["영"]]
    assert cos["영"] == pytest.approx(float(a @ b / a.norm() / b.norm()), abs=1e-3)
    own = dict(ex.nearest_neighbours(m, vocab, "형", k=len(vocab) - 1, vectors=m.embed.weight)["형"])
    assert own["영"] == 0.0
    with pytest.raises(ValueError, match="vectors"):
        ex.nearest_neighbours(m, vocab, "형", vectors=torch.zeros(3, 8))


def test_plot_bench_curves_rescales_jamo_runs_to_bits_per_character():
    bench = {"ngrams": [{"name": "4-gram", "heldout_bpc": 3.9}, {"name": "uni", "heldout_bpc": 6.7}],
             "runs": [{"name": "syl", "heldout_bpc": 3.7, "heldout_bits_per_token": 3.7,
                       "log": [dict(seconds=60, valid_bpc=4.0), dict(seconds=120, valid_bpc=3.7)]},
                      {"name": "jamo", "heldout_bpc": 3.8, "heldout_bits_per_token": 1.9,
                       "log": [dict(seconds=30, valid_bpc=2.0), dict(seconds=600, valid_bpc=1.9)]},
                      {"name": "nolog", "heldout_bpc": 4.0, "log": []},
                      {"name": "mix", "heldout_bpc": 3.4, "heldout_bits_per_token": 3.4, "heldout_lstm_bpc": 3.5,
                       "log": [dict(seconds=60, valid_bpc=4.0), dict(seconds=540, valid_bpc=3.5)]}]}
    fig, ax = plt.subplots()
    drawn = ex.plot_bench_curves(ax, bench, dict(x="min", y="bpc"))
    assert set(drawn) == {"syl", "jamo", "mix"}
    np.testing.assert_allclose(np.stack(drawn["mix"]), [[9.0], [3.4]])   # one star: the mixture at the end
    np.testing.assert_allclose(drawn["jamo"][0], [0.5, 10.0])
    np.testing.assert_allclose(drawn["jamo"][1], [4.0, 3.8])          # bits per jamo x 2 jamo per character
    np.testing.assert_allclose(drawn["syl"][1], [4.0, 3.7])
    assert len([l for l in ax.get_lines() if l.get_linestyle() == "--"]) == 1     # the unigram is off the chart
    colour = {l.get_label(): l.get_color() for l in ax.get_lines()}
    strong = matplotlib.colormaps["tab20"].colors
    assert colour["syl"] == strong[0] and colour["jamo"] == strong[2]     # the best curve gets the first colour
    with pytest.raises(ValueError, match="labels lacks"):
        ex.plot_bench_curves(ax, bench, {"x": "min"})
    plt.close(fig)


def _longest_copy_brute(sample_text, source_text):
    best, start = "", 0
    for i in range(len(sample_text)):
        for j in range(i + 1, len(sample_text) + 1):
            if j - i > len(best) and sample_text[i:j] in source_text:
                best, start = sample_text[i:j], i
    return best, start


def test_longest_copy_finds_the_longest_recited_piece():
    source = "형식은 영채를 생각하였다. 선형은 웃었다."
    assert ex.longest_copy("그날 형식은 영채를 보았다", source) == ("형식은 영채를 ", 3)
    assert ex.longest_copy("", source) == ("", 0)
    assert ex.longest_copy("xyz", source) == ("", 0)
    assert ex.longest_copy("은다은다", "은다") == ("은다", 0)     # ties: the first piece
    rng = np.random.default_rng(0)
    for _ in range(200):
        sample_text = "".join(rng.choice(list("abc"), rng.integers(0, 12)))
        source_text = "".join(rng.choice(list("abcd"), rng.integers(0, 30)))
        assert ex.longest_copy(sample_text, source_text) == _longest_copy_brute(sample_text, source_text)


@pytest.mark.parametrize("args, name", [((None, "abc"), "sample_text"), (("abc", ["a"]), "source_text")])
def test_longest_copy_rejects_non_strings(args, name):
    with pytest.raises(ValueError, match=name):
        ex.longest_copy(*args)
