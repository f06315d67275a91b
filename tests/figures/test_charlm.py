"""Tests of rnnkit.figures.charlm: chapter 07's figures and widgets draw the numbers of
rnnkit.charlm.stats (tested in tests/charlm/test_stats.py)."""
from __future__ import annotations

import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnnkit.charlm import sample, stats
from rnnkit.data import Vocab
from rnnkit.figures import charlm as fig_charlm
from rnnkit.figures.web import figure_html

TAUS = [0, 0.3, 0.5, 0.7, 0.8, 1.0, 1.2, 1.5]
FIG_LABELS = dict(x="next", y="p", step="τ = ", greedy="greedy", title="{prompt} τ={tau} rest={rest:.2f}")
SAMPLER_LABELS = dict(temperature="t", top_k="k", prompt="p", seed="s", length="n", button="go",
                      bad="bad: {error}")


def test_temperature_figure_has_one_step_per_temperature_with_matching_samples(model, vocab):
    fig = fig_charlm.temperature_figure(model, vocab, "형식은", TAUS, FIG_LABELS, length=50, seed=3, top=5,
                                        wrap=20)
    steps = fig.layout.sliders[0].steps
    assert len(steps) == len(TAUS)
    assert [s.label for s in steps] == ["greedy", "0.3", "0.5", "0.7", "0.8", "1", "1.2", "1.5"]
    assert fig.layout.sliders[0].currentvalue.prefix == "τ = "
    for t, s in zip(TAUS, steps):
        assert s.method == "update"
        data, layout = s.args
        text = sample(model, vocab, "형식은", 50, temperature=t, seed=3)
        assert layout["annotations[0].text"] == fig_charlm.sample_html("형식은" + text, wrap=20)
        assert layout["annotations[0].text"].count("<br>") >= 2           # 53 characters, 20 per line
        assert layout["yaxis.range"][1] >= max(data["y"][0])
        probs = stats.next_char_probs(model, vocab, "형식은", t)
        top5 = np.sort(probs)[::-1][:5]
        np.testing.assert_allclose(data["y"][0], top5, atol=1e-4)
        assert sum(data["y"][0]) <= 1 + 1e-3
        tau = "greedy" if t == 0 else f"{t:g}"
        assert layout["title.text"] == f"형식은 τ={tau} rest={max(0.0, 1 - float(top5.sum())):.2f}"
    # the greedy step puts probability 1 on the first bar
    assert steps[0].args[0]["y"][0][0] == 1.0
    # the bars are the five likeliest characters at τ = 1, made visible
    ids, _ = stats.top_next_chars(model, vocab, "형식은", [1.0], top=5)
    assert list(fig.data[0].x) == [stats.show_char(vocab.chars[i]) for i in ids]
    # the figure starts at the first temperature
    assert list(fig.data[0].y) == steps[0].args[0]["y"][0]
    assert fig.layout.annotations[0].text == steps[0].args[1]["annotations[0].text"]
    assert list(fig.layout.yaxis.range) == steps[0].args[1]["yaxis.range"]
    assert "<script" in figure_html(fig)                                   # the site can store it


def test_temperature_steps_are_what_the_figure_stores(model, vocab):
    names, steps = fig_charlm.temperature_steps(model, vocab, "형식은", [0, 1.0], FIG_LABELS, length=10, top=3)
    fig = fig_charlm.temperature_figure(model, vocab, "형식은", [0, 1.0], FIG_LABELS, length=10, top=3)
    assert list(fig.data[0].x) == names and len(names) == 3
    assert [list(s.args) for s in fig.layout.sliders[0].steps] == steps


def test_temperature_figure_rejects_bad_input(model, vocab):
    with pytest.raises(ValueError, match="temperatures"):
        fig_charlm.temperature_figure(model, vocab, "형식은", [], FIG_LABELS)
    with pytest.raises(ValueError, match="temperatures"):
        fig_charlm.temperature_figure(model, vocab, "형식은", [1.0, -1.0], FIG_LABELS)
    with pytest.raises(ValueError, match="labels lacks"):
        fig_charlm.temperature_figure(model, vocab, "형식은", [1.0], {"x": "x"})
    with pytest.raises(ValueError, match="vocabulary lacks"):
        fig_charlm.temperature_figure(model, vocab, "Q", [1.0], FIG_LABELS)
    with pytest.raises(ValueError, match="vocab"):
        fig_charlm.temperature_figure(model, Vocab("가나"), "가", [1.0], FIG_LABELS)
    with pytest.raises(ValueError, match="length must be an integer >= 1"):
        fig_charlm.temperature_figure(model, vocab, "형식은", [1.0], FIG_LABELS, length=0)


def test_sample_html_escapes_and_breaks_lines():
    assert fig_charlm.sample_html("a<b\ncd", wrap=2) == "a&lt;<br>b↵<br>cd"
    assert fig_charlm.sample_html("abcde", wrap=2) == "ab<br>cd<br>e"
    assert fig_charlm.sample_html("", wrap=3) == ""
    with pytest.raises(ValueError, match="wrap must be an integer >= 1"):
        fig_charlm.sample_html("abc", wrap=0)
    with pytest.raises(ValueError, match="text must be a str"):
        fig_charlm.sample_html(None)


def test_plot_temperature_bars_heights(model, vocab):
    fig, axes = plt.subplots(1, 3)
    h = fig_charlm.plot_temperature_bars(axes, model, vocab, "형식은", [0, 1.0, 2.0],
                                         dict(title="{tau} {rest:.2f}", greedy="g", y="p"), top=4)
    assert h.shape == (3, 4)
    assert h[0].tolist() == [1.0, 0.0, 0.0, 0.0]
    assert np.all(np.diff(h[1]) <= 0)             # bars sorted by probability
    assert h[2, 0] < h[1, 0]                      # τ = 2 flattens
    assert axes[0].get_title() == "g 0.00"
    assert axes[1].get_title() == f"1 {1 - h[1].sum():.2f}"
    np.testing.assert_array_equal([p.get_height() for p in axes[1].patches], h[1])
    ids, probs = stats.top_next_chars(model, vocab, "형식은", [0, 1.0, 2.0], top=4)
    np.testing.assert_array_equal(h, probs)
    assert [t.get_text() for t in axes[1].get_xticklabels()] == [stats.show_char(vocab.chars[i]) for i in ids]
    with pytest.raises(ValueError, match="one Axes per temperature"):
        fig_charlm.plot_temperature_bars(axes[:2], model, vocab, "형식은", [0, 1, 2],
                                         dict(title="", greedy="g", y="p"))
    plt.close(fig)


def test_plot_stream_batches_grid():
    fig, ax = plt.subplots()
    sb = fig_charlm.plot_stream_batches(ax, "abcdefghijklmnopq", 2, 3, dict(row="r{b}", window="w{k}", title="t"))
    assert sb.xs.shape == (2, 8) and len(sb) == 3
    texts = [t.get_text() for t in ax.texts]
    assert texts[:8] == list("abcdefgh") and texts[8:16] == list("ijklmnop")
    assert texts[16:] == ["w1", "w2", "w3"]
    assert len(ax.patches) == 16
    assert [t.get_text() for t in ax.get_yticklabels()] == ["r1", "r2"]
    with pytest.raises(ValueError, match="text"):
        fig_charlm.plot_stream_batches(ax, "a", 1, 1, dict(row="", window="", title=""))
    with pytest.raises(ValueError, match="labels lacks"):
        fig_charlm.plot_stream_batches(ax, "abc", 1, 1, dict(row=""))
    plt.close(fig)


def test_plot_training_log_draws_curves_and_baselines():
    log = [dict(step=10, seconds=30.0, train_bpc=6.0, valid_bpc=5.5),
           dict(step=20, seconds=90.0, train_bpc=5.0, valid_bpc=4.8)]
    fig, ax = plt.subplots()
    fig_charlm.plot_training_log(ax, log, dict(train="tr", valid="va", x="min"), x="minutes",
                                 baselines=[("bigram", 4.55)])
    lines = ax.get_lines()
    assert lines[0].get_xdata().tolist() == [0.5, 1.5]
    assert lines[1].get_ydata().tolist() == [5.5, 4.8]
    assert list(lines[2].get_ydata()) == [4.55, 4.55]
    assert ax.get_xlabel() == "min"
    with pytest.raises(ValueError, match="x must"):
        fig_charlm.plot_training_log(ax, log, dict(train="tr", valid="va", x="min"), x="hours")
    with pytest.raises(ValueError, match="log must"):
        fig_charlm.plot_training_log(ax, [], dict(train="tr", valid="va", x="min"))
    plt.close(fig)


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
    drawn = fig_charlm.plot_bench_curves(ax, bench, dict(x="min", y="bpc"))
    assert set(drawn) == {"syl", "jamo", "mix"}
    np.testing.assert_allclose(np.stack(drawn["mix"]), [[9.0], [3.4]])   # one star: the mixture at the end
    np.testing.assert_allclose(drawn["jamo"][0], [0.5, 10.0])
    np.testing.assert_allclose(drawn["jamo"][1], [4.0, 3.8])          # bits per jamo x 2 jamo per character
    np.testing.assert_allclose(drawn["syl"][1], [4.0, 3.7])
    lines = {l.get_label(): l for l in ax.get_lines()}
    assert "4-gram" in lines and "uni" not in lines                               # the unigram is off the chart
    np.testing.assert_allclose(lines["4-gram"].get_ydata(), [3.9, 3.9])
    assert lines["4-gram"].get_linestyle() == "--"
    assert "4-gram" in [t.get_text() for t in ax.get_legend().get_texts()]        # named in the legend
    assert not ax.texts                                                            # not on the line, under the curves
    np.testing.assert_allclose(lines["jamo"].get_ydata(), [4.0, 3.8])            # drawn as returned
    assert lines["mix"].get_marker() == "*"
    strong = matplotlib.colormaps["tab20"].colors
    assert lines["syl"].get_color() == strong[0] and lines["jamo"].get_color() == strong[2]   # best: first colour
    with pytest.raises(ValueError, match="labels lacks"):
        fig_charlm.plot_bench_curves(ax, bench, {"x": "min"})
    with pytest.raises(ValueError, match="bench"):
        fig_charlm.plot_bench_curves(ax, {"ngrams": []}, dict(x="min", y="bpc"))
    plt.close(fig)


def test_sampler_widget_shows_a_sample_and_names_unreadable_prompts(model, vocab):
    w = fig_charlm.sampler_widget(model, vocab, SAMPLER_LABELS, length=20)
    out = w.children[-1]
    expected = stats.sampler_text(model, vocab, "형식은", temperature=0.8, top_k=0, seed=0, length=20)
    assert out.value == f"<pre style='white-space: pre-wrap'>{expected}</pre>"
    w.children[0].children[0].value = "QQ"             # a prompt the model cannot read
    button, bar = w.children[-2].children
    button.click()
    assert out.value.startswith("<p>bad:") and "vocabulary lacks" in out.value
    w.children[0].children[0].value = "형식은"
    w.children[1].children[0].value = 0.0              # greedy
    button.click()
    greedy = stats.sampler_text(model, vocab, "형식은", temperature=0, length=20)
    assert out.value == f"<pre style='white-space: pre-wrap'>{greedy}</pre>"
    with pytest.raises(ValueError, match="labels lacks"):
        fig_charlm.sampler_widget(model, vocab, {"temperature": "t"})
    with pytest.raises(ValueError, match="model must be a CharLM"):
        fig_charlm.sampler_widget(object(), vocab, SAMPLER_LABELS)


def out_is_sample(value):
    return value.startswith("<pre") and "형식은" in value


def test_sampler_widget_bounds_the_seed_and_shows_progress(model, vocab):
    """Issue #17, item 10: seed 2**64 overflowed, -1 and 2**63 - 1 gave one text; no progress."""
    w = fig_charlm.sampler_widget(model, vocab, SAMPLER_LABELS, length=20)
    seed = w.children[0].children[1]
    button, bar = w.children[-2].children
    assert (seed.min, seed.max) == (0, 2**32 - 1)
    seen = []
    bar.observe(lambda change: seen.append(change["new"]), names="value")
    button.click()
    assert seen[-1] == 20 and 10 in seen and bar.max == 20      # updated every 10 characters, up to the length
    assert bar.layout.visibility == "hidden" and not button.disabled
    seed.value = 2**64                                          # clamped to what sample accepts
    button.click()
    assert seed.value == 2**32 - 1 and out_is_sample(w.children[-1].value)
    seed.value = -1
    assert seed.value == 0


def test_korean_labels_render_without_missing_glyphs(model, vocab, tmp_path):
    """With the book's style the Hangul of the chapter's labels has a glyph in some font."""
    import rnnkit.figures.style

    with matplotlib.rc_context(), warnings.catch_warnings():   # the style is this test's only
        rnnkit.figures.style.setup(dpi=80)
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 4.5))
        warnings.simplefilter("error")                  # a missing glyph is a UserWarning
        fig_charlm.plot_stream_batches(top, "형식은 영채를 생각하였다. 선형은 웃었다.", 2, 5,
                                       {"row": "줄 {b}", "window": "창 {k}", "title": "입력 x: 2개 스트림 × 5단계 창"})
        fig_charlm.plot_temperature_bars([bottom], model, vocab, "형식은", [1.0],
                                         {"title": "τ = {tau}  (나머지 {rest:.2f})", "greedy": "0", "y": "확률"}, top=8)
        fig.tight_layout()
        fig.savefig(tmp_path / "charlm.png")
    assert (tmp_path / "charlm.png").stat().st_size > 5000
    plt.close(fig)


def test_plot_unit_scores_marks_best_random_and_chance():
    from rnnkit.charlm.units import find_units

    rng = np.random.default_rng(0)
    labels = rng.random(200) < 0.3
    acts = rng.normal(size=(200, 30))
    acts[:, 4] = labels + 0.2 * rng.normal(size=200)
    found = find_units(acts, labels)
    fig, ax = plt.subplots()
    fig_charlm.plot_unit_scores(ax, found, dict(title="quote", x="AUC", y="units", best="best {name} {score:.2f}",
                                                random="rand {name} {score:.2f}", chance="chance"))
    assert sum(p.get_height() for p in ax.patches) == 30                    # every unit in the histogram
    xs = [line.get_xdata()[0] for line in ax.get_lines()]
    assert xs == [0.5, found["best"]["test"], found["random"]["test"]]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[1] == f"best unit 4 {found['best']['test']:.2f}" and legend[2].startswith("rand unit ")
    with pytest.raises(ValueError, match="labels lacks the key"):
        fig_charlm.plot_unit_scores(ax, found, dict(title="t"))
    with pytest.raises(ValueError, match="found must be a dict from find_units with key 'test_scores'"):
        fig_charlm.plot_unit_scores(ax, {"kind": "auc", "chance": 0.5}, dict(title="t", x="", y="", best="", random="",
                                                                            chance=""))
    plt.close(fig)
