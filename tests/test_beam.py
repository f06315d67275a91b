"""rnnkit.models.beam: beam search against greedy decoding, teacher forcing and brute force."""
import itertools

import numpy as np
import pytest
import torch

from rnnkit.data import dates
from rnnkit.data.dates import EOS, PAD
from rnnkit.data.vocab import SEQ2SEQ_SPECIALS, Vocab
from rnnkit.models import beam
from rnnkit.models import seq2seq as s2s
from rnnkit.models.seq2seq_checkpoint import load_checkpoint

torch.set_num_threads(1)

PAIRS = [("2026년 11월 25일 (수)", "2026-11-25"), ("26년 1월 2일", "2026-01-02"),
         ("99년 12월 31일", "1999-12-31"), ("1970년 01월 01일 목요일", "1970-01-01")]


def batch(pairs, model=None):
    """Tensors of ``pairs``; with ``model`` only the sources count (its target vocabulary may be tiny)."""
    if model is None:
        return s2s.to_tensors(dates.encode_batch(pairs))
    return s2s.to_tensors(dates.encode_batch([(s, "") for s, _ in pairs], model.src_vocab, model.tgt_vocab))


def make(attention=True, cell="lstm", seed=0, tgt_vocab=dates.TARGET_VOCAB, sharpen=1.0):
    """A small random model; ``sharpen`` scales the output layer so the distributions are far from uniform."""
    torch.manual_seed(seed)
    m = s2s.Seq2Seq(dates.SOURCE_VOCAB, tgt_vocab, embed=8, hidden=12, cell=cell, attention=attention,
                    attn_size=6).eval()
    with torch.no_grad():
        m.out.weight.mul_(sharpen)
        m.out.bias.mul_(sharpen)
    return m


TINY = Vocab("ab", specials=SEQ2SEQ_SPECIALS)          # V = 5: <pad> <sos> <eos> a b


def all_outputs(V, L):
    """Every distinct output of at most L tokens: cut at the first EOS (kept), PAD after it."""
    seen = set()
    for seq in itertools.product(range(V), repeat=L):
        seq = list(seq)
        if EOS in seq:
            k = seq.index(EOS) + 1
            seq = seq[:k] + [PAD] * (L - k)
        seen.add(tuple(seq))
    return torch.tensor(sorted(seen))


def brute_force(model, pairs, L, alpha=0.0):
    """(log-probs, scores, outputs) of every distinct output for each pair: shapes (N, M), (N, M), (M, L)."""
    outs = all_outputs(len(model.tgt_vocab), L)
    eos = outs == EOS
    lengths = torch.where(eos.any(1), eos.long().argmax(1) + 1, L)
    b = batch(pairs, model)
    M, N = len(outs), len(pairs)
    rep = torch.arange(N).repeat_interleave(M)
    lp = beam.sequence_log_prob(model, b["src"][rep], b["src_mask"][rep], outs.repeat(N, 1)).view(N, M)
    return lp, lp / lengths.double() ** alpha, outs


@pytest.mark.parametrize("attention,cell", [(True, "lstm"), (False, "lstm"), (True, "gru"), (False, "gru")])
def test_beam_size_1_is_greedy_exactly(attention, cell):
    m = make(attention, cell, sharpen=3.0)
    b = batch(PAIRS)
    g = s2s.greedy_decode(m, b["src"], b["src_mask"], max_len=12)
    for alpha in (0.0, 1.0):
        o = beam.beam_search(m, b["src"], b["src_mask"], beam_size=1, max_len=12, alpha=alpha)
        assert torch.equal(o["tokens"][:, 0], g["tokens"])
        assert torch.equal(o["log_prob"][:, 0], g["log_prob"])           # bit for bit
        assert torch.equal(o["lengths"][:, 0], g["lengths"])


def test_beam_size_1_is_greedy_on_the_shipped_list_model():
    model, _ = load_checkpoint("seq2seq_datelist")        # a model that makes mistakes
    pairs = dates.date_list_pairs(100, 1, 6, seed=5)
    b = batch(pairs)
    g = s2s.greedy_decode(model, b["src"], b["src_mask"], max_len=40)
    o = beam.beam_search(model, b["src"], b["src_mask"], beam_size=1, max_len=40)
    assert torch.equal(o["tokens"][:, 0], g["tokens"]) and torch.equal(o["log_prob"][:, 0], g["log_prob"])


@pytest.mark.parametrize("attention,cell", [(True, "lstm"), (False, "gru")])
def test_log_prob_equals_teacher_forced_recomputation_and_rows_are_sorted(attention, cell):
    m = make(attention, cell, sharpen=3.0)
    b = batch(PAIRS)
    for alpha in (0.0, 0.7):
        o = beam.beam_search(m, b["src"], b["src_mask"], beam_size=6, max_len=10, alpha=alpha)
        N, K, L = o["tokens"].shape
        rows = torch.arange(N).repeat_interleave(K)
        tf = beam.sequence_log_prob(m, b["src"][rows], b["src_mask"][rows], o["tokens"].view(N * K, L)).view(N, K)
        assert torch.allclose(tf, o["log_prob"], rtol=0, atol=1e-5)
        assert torch.allclose(o["score"], o["log_prob"] / o["lengths"].double() ** alpha, rtol=1e-12, atol=0)
        assert (o["score"][:, 1:] <= o["score"][:, :-1]).all()
        assert len({tuple(r) for r in o["tokens"][0].tolist()}) == K         # K different hypotheses


def test_shipped_model_log_prob_and_order():
    model, _ = load_checkpoint("seq2seq_datelist")
    pairs = dates.date_list_pairs(30, 2, 5, seed=8)
    b = batch(pairs)
    o = beam.beam_search(model, b["src"], b["src_mask"], beam_size=4, max_len=36)
    N, K, L = o["tokens"].shape
    rows = torch.arange(N).repeat_interleave(K)
    tf = beam.sequence_log_prob(model, b["src"][rows], b["src_mask"][rows], o["tokens"].view(N * K, L)).view(N, K)
    assert torch.allclose(tf, o["log_prob"], rtol=0, atol=1e-4)
    assert (o["log_prob"][:, 1:] <= o["log_prob"][:, :-1]).all()
    g = s2s.greedy_decode(model, b["src"], b["src_mask"], max_len=36)
    assert (o["log_prob"][:, 0] >= g["log_prob"] - 1e-9).all()
    assert (o["log_prob"][:, 0] > g["log_prob"] + 1e-3).any()          # the beam does find better ones here


@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_a_beam_that_never_prunes_is_exhaustive_search(alpha):
    m = make(attention=True, tgt_vocab=TINY, sharpen=4.0, seed=1)
    pairs = PAIRS[:3]
    L = 3
    lp, score, outs = brute_force(m, pairs, L, alpha)
    b = batch(pairs, m)
    o = beam.beam_search(m, b["src"], b["src_mask"], beam_size=5 ** L, max_len=L, alpha=alpha)
    valid = torch.isfinite(o["log_prob"])
    assert valid.sum(1).tolist() == [len(outs)] * 3           # 85 distinct outputs of <= 3 tokens, all kept
    for n in range(3):
        best = int(score[n].argmax())
        got = o["tokens"][n, 0].tolist() + [PAD] * (L - o["tokens"].shape[2])
        assert got == outs[best].tolist()                     # the exact argmax
        assert abs(float(o["score"][n, 0] - score[n, best])) < 1e-5
        assert np.allclose(np.sort(o["score"][n][valid[n]].numpy())[::-1], np.sort(score[n].numpy())[::-1],
                           atol=1e-5)                       # and the whole ranking


def test_greedy_and_small_beams_miss_the_argmax_that_exhaustive_search_finds():
    """The point of beam search: greedy's output is not always the most probable one."""
    m = make(attention=True, tgt_vocab=TINY, sharpen=4.0, seed=1)
    pairs = dates.date_pairs(40, seed=3)
    lp, _, outs = brute_force(m, pairs, 3)
    b = batch(pairs, m)
    g = s2s.greedy_decode(m, b["src"], b["src_mask"], max_len=3)
    exact = lp.max(1).values
    assert (g["log_prob"] <= exact + 1e-6).all()
    assert (g["log_prob"] < exact - 1e-3).sum() >= 1
    best = {K: beam.beam_search(m, b["src"], b["src_mask"], K, 3)["log_prob"][:, 0] for K in (1, 2, 4, 125)}
    assert torch.equal(best[1], g["log_prob"])
    assert torch.allclose(best[125], exact, atol=1e-5)
    assert (best[2] >= best[1] - 1e-9).sum() >= 35 and (best[4] - exact).abs().max() < (best[1] - exact).abs().max()


def test_length_normalisation_changes_the_ranking_as_documented():
    m = make(attention=True, tgt_vocab=TINY, sharpen=4.0, seed=1)
    pairs = dates.date_pairs(40, seed=3)
    lp, score1, outs = brute_force(m, pairs, 3, alpha=1.0)
    lengths = torch.where((outs == EOS).any(1), (outs == EOS).long().argmax(1) + 1, 3)
    b = batch(pairs, m)
    raw = beam.beam_search(m, b["src"], b["src_mask"], 125, 3, alpha=0.0)
    norm = beam.beam_search(m, b["src"], b["src_mask"], 125, 3, alpha=1.0)
    changed = [n for n in range(len(pairs)) if not torch.equal(raw["tokens"][n, 0], norm["tokens"][n, 0])]
    assert changed                                            # the exponent matters for some inputs
    for n in changed:
        # alpha = 1 prefers the higher mean log-prob per token, which here is a longer output
        assert norm["lengths"][n, 0] > raw["lengths"][n, 0]
        assert norm["log_prob"][n, 0] < raw["log_prob"][n, 0]
        assert norm["score"][n, 0] > raw["log_prob"][n, 0] / raw["lengths"][n, 0]
        assert abs(float(norm["score"][n, 0] - score1[n].max())) < 1e-5


def test_finished_hypotheses_are_kept_unchanged():
    m = make(attention=True, tgt_vocab=TINY, sharpen=4.0, seed=1)
    b = batch(PAIRS[:2], m)
    o = beam.beam_search(m, b["src"], b["src_mask"], beam_size=30, max_len=4)
    toks, lengths, fin = o["tokens"], o["lengths"], o["finished"]
    valid = torch.isfinite(o["log_prob"])
    one = (toks[:, :, 0] == EOS) & valid
    assert one.sum(1).tolist() == [1, 1]                     # the output "<eos>" alone survives 4 steps
    for n, k in zip(*torch.nonzero(valid, as_tuple=True)):
        L = int(lengths[n, k])
        assert (toks[n, k, :L - 1] != EOS).all()
        assert bool(fin[n, k]) == (toks[n, k, L - 1] == EOS).item()
        assert (toks[n, k, L:] == PAD).all()
    # in the history, a finished row is carried with the token PAD and the same log-prob
    h = o["history"]
    for t in range(1, len(h)):
        was = h[t - 1]["finished"].gather(1, h[t]["parent"])
        prev_lp = h[t - 1]["log_prob"].gather(1, h[t]["parent"])
        alive = torch.isfinite(h[t]["log_prob"])
        assert (h[t]["token"][was & alive] == PAD).all()
        assert torch.equal(h[t]["log_prob"][was & alive], prev_lp[was & alive])


def test_stops_when_every_hypothesis_has_finished():
    model, _ = load_checkpoint("seq2seq_dates_attn")
    b = batch(PAIRS)
    o = beam.beam_search(model, b["src"], b["src_mask"], beam_size=3, max_len=40)
    assert o["finished"].all() and o["tokens"].shape[2] < 40 and len(o["history"]) == o["tokens"].shape[2]
    assert [model.tgt_vocab.decode(r) for r in o["tokens"][:, 0]] == [t for _, t in PAIRS]
    texts, _ = beam.beam_translate(model, [s for s, _ in PAIRS], beam_size=3)
    assert texts == [t for _, t in PAIRS]


@pytest.mark.parametrize("attention", [True, False])
def test_batched_equals_one_example_at_a_time(attention):
    m = make(attention, sharpen=3.0)
    b = batch(PAIRS)
    together = beam.beam_search(m, b["src"], b["src_mask"], beam_size=4, max_len=12)
    for i, pair in enumerate(PAIRS):
        one = batch([pair])
        alone = beam.beam_search(m, one["src"], one["src_mask"], beam_size=4, max_len=12)
        L = alone["tokens"].shape[2]
        assert torch.equal(together["tokens"][i, :, :L], alone["tokens"][0])
        assert (together["tokens"][i, :, L:] == PAD).all()
        assert torch.allclose(together["log_prob"][i], alone["log_prob"][0], rtol=0, atol=1e-5)
        assert torch.equal(together["lengths"][i], alone["lengths"][0])


def test_restores_training_mode():
    m = make().train()
    b = batch(PAIRS)
    beam.beam_search(m, b["src"], b["src_mask"], 2, 5)
    beam.sequence_log_prob(m, b["src"], b["src_mask"], torch.full((4, 3), 5))
    assert m.training


@pytest.mark.parametrize("call,name", [
    (lambda m, b: beam.beam_search(m, b["src"], b["src_mask"], beam_size=0), "beam_size"),
    (lambda m, b: beam.beam_search(m, b["src"], b["src_mask"], beam_size=True), "beam_size"),
    (lambda m, b: beam.beam_search(m, b["src"], b["src_mask"], beam_size=2.5), "beam_size"),
    (lambda m, b: beam.beam_search(m, b["src"], b["src_mask"], max_len=0), "max_len"),
    (lambda m, b: beam.beam_search(m, b["src"], b["src_mask"], alpha=-0.5), "alpha"),
    (lambda m, b: beam.beam_search(m, b["src"], b["src_mask"], alpha=float("nan")), "alpha"),
    (lambda m, b: beam.beam_search(torch.nn.Linear(2, 2), b["src"], b["src_mask"]), "model"),
    (lambda m, b: beam.beam_search(m, b["src"], b["src_mask"].long()), "src_mask"),
    (lambda m, b: beam.beam_search(m, b["src"] + 100, b["src_mask"]), "src ids"),
    (lambda m, b: beam.sequence_log_prob(m, b["src"], b["src_mask"], b["tgt_out"][:2]), "tokens"),
    (lambda m, b: beam.sequence_log_prob(m, b["src"], b["src_mask"], b["tgt_out"].int()), "tokens"),
    (lambda m, b: beam.sequence_log_prob(m, b["src"], b["src_mask"], b["tgt_out"] + 20), "tokens must be ids"),
    (lambda m, b: beam.beam_translate(m, "26년 1월 2일"), "texts"),
])
def test_bad_input_names_the_argument(call, name):
    m, b = make(), batch(PAIRS)
    with pytest.raises(ValueError, match=name):
        call(m, b)


def test_plot_beam_draws_the_beam_and_the_paths():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from rnnkit.figures.beam import plot_beam

    model, _ = load_checkpoint("seq2seq_datelist")
    texts, out = beam.beam_translate(model, ["12월 16일, 10월 22일"], beam_size=4, max_len=13)
    ax = plot_beam(out, model.tgt_vocab, mark="12-16 10-22", labels={"title": "빔"})
    L = len(out["history"])
    alive = sum(int(torch.isfinite(h["log_prob"][0]).sum()) for h in out["history"])
    carried = sum(int((h["token"][0] == PAD).sum()) for h in out["history"][1:])
    assert len(ax.collections) == alive - carried + 1            # one marker per live node, + the legend square
    lines = ax.get_lines()
    red = [ln for ln in lines if ln.get_color() == "#c0392b"]
    blue = [ln for ln in lines if ln.get_color() == "#2e6fd8"]
    assert len(red) == L - 1 and 0 < len(blue) < L - 1           # the best path and where the marked one differs
    finals = [t.get_text() for t in ax.texts if t.get_text().startswith("12-16")]
    assert finals[0] == f"{texts[0]}   {float(out['log_prob'][0, 0]):.3f}" and len(finals) == 4
    assert ax.get_title() == "빔"
    with pytest.raises(ValueError, match="example"):
        plot_beam(out, model.tgt_vocab, example=1)
    with pytest.raises(ValueError, match="out must be"):
        plot_beam({"tokens": out["tokens"]}, model.tgt_vocab)
    plt.close("all")
