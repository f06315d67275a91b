"""rnnkit.models.seq2seq: masking, attention, teacher forcing, greedy decoding; its
checkpoints (rnnkit.models.seq2seq_checkpoint) and figures (rnnkit.figures.attention)."""
import math

import numpy as np
import pytest
import torch

from rnnkit.data import dates
from rnnkit.data.dates import EOS, PAD, SOS
from rnnkit.data.vocab import Vocab
from rnnkit.figures.attention import attention_steps_figure
from rnnkit.models import seq2seq as s2s
from rnnkit.models.seq2seq_checkpoint import FORMAT, checkpoint_path, load_checkpoint, save_checkpoint

torch.set_num_threads(1)


def make(attention=True, cell="lstm", seed=0, **kw):
    torch.manual_seed(seed)
    return s2s.Seq2Seq(dates.SOURCE_VOCAB, dates.TARGET_VOCAB, embed=8, hidden=12, cell=cell,
                       attention=attention, attn_size=6, **kw).eval()


def batch(pairs):
    return s2s.to_tensors(dates.encode_batch(pairs))


PAIRS = [("2026년 11월 25일 (수)", "2026-11-25"), ("26년 1월 2일", "2026-01-02"), ("99년 12월 31일", "1999-12-31")]


def test_masked_loss_equals_hand_computation():
    scores = torch.tensor([[[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]],
                           [[2.0, 2.0, 2.0], [9.0, -9.0, 0.0]]])
    targets = torch.tensor([[1, 2], [0, 0]])
    mask = torch.tensor([[True, True], [True, False]])
    def nll(row, k):
        return math.log(sum(math.exp(v) for v in row)) - row[k]
    hand = (nll([1.0, 2.0, 0.5], 1) + nll([0.0, -1.0, 3.0], 2) + nll([2.0, 2.0, 2.0], 0)) / 3
    got = s2s.masked_cross_entropy(scores, targets, mask)
    assert abs(got.item() - hand) < 1e-6
    assert abs(nll([2.0, 2.0, 2.0], 0) - math.log(3)) < 1e-12
    # what sits at a padded position (score or target) does not matter
    scores2, targets2 = scores.clone(), targets.clone()
    scores2[1, 1] = torch.tensor([-50.0, 70.0, 3.0])
    targets2[1, 1] = PAD
    assert s2s.masked_cross_entropy(scores2, targets2, mask).item() == got.item()


def test_masked_loss_matches_torch_cross_entropy_with_ignore_index():
    torch.manual_seed(1)
    scores = torch.randn(4, 7, 5)
    targets = torch.randint(3, 5, (4, 7))
    lengths = torch.tensor([7, 3, 5, 1])
    mask = torch.arange(7)[None] < lengths[:, None]
    ref = torch.nn.functional.cross_entropy(scores.reshape(-1, 5), targets.masked_fill(~mask, PAD).reshape(-1),
                                            ignore_index=PAD)
    assert torch.allclose(s2s.masked_cross_entropy(scores, targets, mask), ref, atol=1e-6)


def test_encoder_and_decoder_have_their_own_weights():
    m = make()
    enc = {p.data_ptr() for p in m.encoder.parameters()}
    dec = {p.data_ptr() for p in m.decoder.parameters()}
    assert enc.isdisjoint(dec)
    assert m.encoder.weight_hh_l0.shape == m.decoder.weight_hh_l0.shape == (4 * 12, 12)
    assert not torch.equal(m.encoder.weight_hh_l0, m.decoder.weight_hh_l0)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_padding_does_not_change_any_result(cell):
    """An example decoded alone and inside a batch of longer ones gives the same numbers:
    the encoder stops at the last real character and attention ignores the padding."""
    m = make(cell=cell)
    full = batch(PAIRS)
    scores, weights = m(full["src"], full["src_mask"], full["tgt_in"])
    for i, pair in enumerate(PAIRS):
        one = batch([pair])
        s1, w1 = m(one["src"], one["src_mask"], one["tgt_in"])
        S = one["src"].shape[1]
        assert torch.allclose(scores[i], s1[0], atol=1e-6)
        assert torch.allclose(weights[i, :, :S], w1[0], atol=1e-6)
        _, state1 = m.encode(one["src"], one["src_mask"])
        _, state = m.encode(full["src"], full["src_mask"])
        h, h1 = (state, state1) if cell == "gru" else (state[0], state1[0])
        assert torch.allclose(h[0, i], h1[0, 0], atol=1e-6)


def test_encoder_final_state_is_the_state_after_the_last_real_token():
    m = make(attention=False, cell="gru")
    b = batch(PAIRS)
    enc, state = m.encode(b["src"], b["src_mask"])
    lengths = b["src_mask"].sum(1)
    for i in range(len(PAIRS)):
        assert torch.equal(enc[i, lengths[i] - 1], state[0, i])
        assert (enc[i, lengths[i]:] == 0).all()


def test_attention_weights_sum_to_one_and_are_zero_on_padding():
    m = make()
    b = batch(PAIRS)
    _, w = m(b["src"], b["src_mask"], b["tgt_in"])
    assert w.shape == (3, b["tgt_in"].shape[1], b["src"].shape[1])
    mask = b["src_mask"][:, None, :].expand_as(w)
    assert (w[~mask] == 0).all()
    assert (w[mask] > 0).all()
    assert torch.allclose(w.sum(-1), torch.ones(w.shape[:2]), atol=1e-6)
    out = s2s.greedy_decode(m, b["src"], b["src_mask"], max_len=5)
    assert out["attention"].shape == (3, 5, b["src"].shape[1])
    assert (out["attention"][~b["src_mask"][:, None, :].expand(-1, 5, -1)] == 0).all()
    assert torch.allclose(out["attention"].sum(-1), torch.ones(3, 5), atol=1e-6)


def test_parallel_teacher_forcing_equals_the_step_loop():
    m = make()
    b = batch(PAIRS)
    fast, wf = m(b["src"], b["src_mask"], b["tgt_in"], tf_ratio=1.0)
    # a ratio just below 1 takes the step-by-step path; with this seed every coin says "teach"
    slow, ws = m(b["src"], b["src_mask"], b["tgt_in"], tf_ratio=1 - 1e-9, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(fast, slow, atol=1e-5) and torch.allclose(wf, ws, atol=1e-6)


def test_free_running_forward_equals_greedy_decoding():
    m = make()
    b = batch(PAIRS)
    scores, _ = m(b["src"], b["src_mask"], b["tgt_in"], tf_ratio=0.0)
    out = s2s.greedy_decode(m, b["src"], b["src_mask"], max_len=b["tgt_in"].shape[1])
    L = out["probs"].shape[1]
    assert torch.allclose(torch.softmax(scores[:, :L], -1), out["probs"], atol=1e-6)


def test_greedy_decode_stops_at_eos_and_pads_after():
    m = make()
    b = batch(PAIRS)
    out = s2s.greedy_decode(m, b["src"], b["src_mask"], max_len=30)
    toks, lengths = out["tokens"], out["lengths"]
    for i in range(3):                      # generic: nothing but PAD after an EOS
        L = int(lengths[i])
        assert (toks[i, :L - 1] != EOS).all()
        if L < toks.shape[1]:
            assert toks[i, L - 1] == EOS and (toks[i, L:] == PAD).all()
    with torch.no_grad():
        m.out.bias[EOS] = 1e4               # EOS wins at once: one step, then stop
    out = s2s.greedy_decode(m, b["src"], b["src_mask"], max_len=30)
    assert out["tokens"].tolist() == [[EOS]] * 3 and out["lengths"].tolist() == [1, 1, 1]
    with torch.no_grad():
        m.out.bias[EOS] = -1e4              # EOS never comes: run to max_len
    out = s2s.greedy_decode(m, b["src"], b["src_mask"], max_len=9)
    assert out["tokens"].shape == (3, 9) and out["lengths"].tolist() == [9, 9, 9]
    assert (out["tokens"] != EOS).all()


def test_dropout_acts_only_in_training():
    m = make(dropout=0.5)
    b = batch(PAIRS)
    a, _ = m(b["src"], b["src_mask"], b["tgt_in"])
    c, _ = m(b["src"], b["src_mask"], b["tgt_in"])
    assert torch.equal(a, c)
    m.train()
    torch.manual_seed(0)
    d, _ = m(b["src"], b["src_mask"], b["tgt_in"])
    assert not torch.allclose(a, d)


def test_training_is_seeded_and_learns():
    def run():
        m = make(attention=True)
        return s2s.train(m, lambda n, rng: dates.date_pairs(n, rng), 60, batch_size=32, lr=1e-2, seed=3,
                         progress=False)
    l1, l2 = run(), run()
    assert l1 == l2
    assert np.mean(l1[-10:]) < 0.6 * np.mean(l1[:10])


@pytest.mark.parametrize("name", ["seq2seq_dates", "seq2seq_dates_attn"])
def test_shipped_date_checkpoints_reach_99_percent(name):
    model, meta = load_checkpoint(name)
    held_out = dates.date_pairs(1000, seed=777)          # not the training stream (seed 0)
    acc, preds = s2s.exact_match(model, held_out)
    assert acc >= 0.99, acc
    assert meta["held_out_accuracy"] >= 0.99 and meta["seed"] == 0
    assert model.config["attention"] is name.endswith("attn")


def test_shipped_list_checkpoints_show_the_bottleneck():
    """The long-input task: attention keeps up with 6 dates, the fixed context vector does not."""
    rng = np.random.default_rng(99)
    pairs = [dates.date_list_pair(6, rng) for _ in range(200)]
    plain, _ = load_checkpoint("seq2seq_datelist")
    attn, _ = load_checkpoint("seq2seq_datelist_attn")
    acc_plain, _ = s2s.exact_match(plain, pairs)
    acc_attn, _ = s2s.exact_match(attn, pairs)
    assert acc_attn >= 0.97 and acc_plain <= 0.1, (acc_attn, acc_plain)


def test_checkpoint_round_trip(tmp_path):
    m = make(cell="gru")
    p = save_checkpoint(tmp_path / "m.pt", m, steps=7, note="hi")
    assert [q.name for q in tmp_path.iterdir()] == ["m.pt"]          # no temp file left
    assert p.stat().st_mode & 0o777 == 0o644
    m2, meta = load_checkpoint(p, config=m.config)
    assert meta == {"steps": 7, "note": "hi"}
    assert m2.config == m.config and not m2.training
    for (k, v), (k2, v2) in zip(m.state_dict().items(), m2.state_dict().items()):
        assert k == k2 and torch.equal(v, v2)
    b = batch(PAIRS)
    assert torch.equal(m(b["src"], b["src_mask"], b["tgt_in"])[0], m2(b["src"], b["src_mask"], b["tgt_in"])[0])


def test_checkpoint_bytes_are_reproducible(tmp_path):
    """The same model and meta give the same file, whatever its name (so a re-run of the bench
    can be checked with a hash)."""
    m = make()
    a = save_checkpoint(tmp_path / "a.pt", m, seed=0).read_bytes()
    b = save_checkpoint(tmp_path / "b.pt", m, seed=0).read_bytes()
    assert a == b


def test_checkpoint_refuses_corrupt_and_mismatching_files(tmp_path):
    m = make()
    good = save_checkpoint(tmp_path / "good.pt", m)
    data = good.read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        load_checkpoint(tmp_path / "cut.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint at all")
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        load_checkpoint(tmp_path / "junk.pt")
    torch.save({"format": "something/else"}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="is not a rnnkit.seq2seq checkpoint"):
        load_checkpoint(tmp_path / "other.pt")
    torch.save({"format": "rnnkit.seq2seq/1"}, tmp_path / "old_tag.pt")         # before FORMAT + VERSION
    with pytest.raises(ValueError, match="is not a rnnkit.seq2seq checkpoint"):
        load_checkpoint(tmp_path / "old_tag.pt")
    torch.save({"format": FORMAT, "version": 2}, tmp_path / "future.pt")
    with pytest.raises(ValueError, match="version 2; this rnnkit reads version 1"):
        load_checkpoint(tmp_path / "future.pt")
    torch.save(torch.nn.Linear(2, 2), tmp_path / "module.pt")          # a pickled module: refused unread
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        load_checkpoint(tmp_path / "module.pt")
    other = make(attention=False)
    with pytest.raises(ValueError, match=r"does not match.*attention"):
        load_checkpoint(good, config=other.config)
    payload = torch.load(good, weights_only=True)
    payload["state_dict"]["out.weight"] = torch.zeros(3, 3)
    torch.save(payload, tmp_path / "bad_shapes.pt")
    with pytest.raises(ValueError, match="do not fit"):
        load_checkpoint(tmp_path / "bad_shapes.pt")
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.pt")


@pytest.mark.parametrize("call, name", [
    (lambda m, b: m(b["src"].int(), b["src_mask"], b["tgt_in"]), "src"),
    (lambda m, b: m(b["src"], b["src_mask"].long(), b["tgt_in"]), "src_mask"),
    (lambda m, b: m(b["src"], b["src_mask"].flip(1), b["tgt_in"]), "src_mask"),
    (lambda m, b: m(b["src"], b["src_mask"], b["tgt_in"][:2]), "tgt_in"),
    (lambda m, b: m(b["src"], b["src_mask"], b["tgt_in"], tf_ratio=1.5), "tf_ratio"),
    (lambda m, b: m(b["src"] + 100, b["src_mask"], b["tgt_in"]), "src ids"),
    (lambda m, b: s2s.greedy_decode(m, b["src"], b["src_mask"], max_len=0), "max_len"),
    (lambda m, b: s2s.masked_cross_entropy(torch.zeros(2, 3), b["tgt_out"], b["tgt_mask"]), "scores"),
    (lambda m, b: s2s.masked_cross_entropy(torch.zeros(3, 11, 15), b["tgt_out"],
                                           torch.zeros(3, 11, dtype=torch.bool)), "mask"),
    (lambda m, b: s2s.Seq2Seq(dates.SOURCE_VOCAB, dates.TARGET_VOCAB, cell="rnn"), "cell"),
    (lambda m, b: s2s.Seq2Seq(dates.SOURCE_VOCAB, dates.TARGET_VOCAB, attn_size=0), "attn_size"),
    (lambda m, b: s2s.Seq2Seq(dates.SOURCE_VOCAB, "0123", ), "tgt_vocab"),
    (lambda m, b: s2s.Seq2Seq(Vocab("0123"), dates.TARGET_VOCAB), "src_vocab .*specials"),
    (lambda m, b: s2s.Seq2Seq(dates.SOURCE_VOCAB, dates.TARGET_VOCAB, embed=0), "embed"),
    (lambda m, b: s2s.Seq2Seq(dates.SOURCE_VOCAB, dates.TARGET_VOCAB, dropout=1.0), "dropout"),
    (lambda m, b: checkpoint_path("../x"), "name"),
    (lambda m, b: save_checkpoint("", m), "path"),
    (lambda m, b: save_checkpoint("x.pt", torch.nn.Linear(2, 2)), "model"),
    (lambda m, b: s2s.train(m, lambda n, rng: dates.date_pairs(n, rng), 0), "steps"),
])
def test_bad_input_names_the_argument(call, name):
    m, b = make(), batch(PAIRS)
    with pytest.raises(ValueError, match=name):
        call(m, b)


def test_decode_steps_and_attention_figure():
    model, _ = load_checkpoint("seq2seq_dates_attn")
    r = s2s.decode_steps(model, "2026년 11월 25일 (수)")
    assert r["output"] == "2026-11-25"
    assert [s["char"] for s in r["steps"]] == list("2026-11-25") + ["<eos>"]
    assert r["attention"].shape == (11, len("2026년 11월 25일 (수)"))
    np.testing.assert_allclose(r["attention"].sum(1), 1, atol=1e-5)
    for s in r["steps"]:
        assert s["top"][0] == (s["char"], s["prob"]) and s["top"][0][1] >= s["top"][1][1] >= s["top"][2][1]
    r2 = s2s.decode_steps(model, "26년 1월 2일")
    labels = {"x": "x", "y": "y", "step": "s ", "title": "{i} {t}/{n} {char} {prob:.2f} {src} {out}"}
    fig = attention_steps_figure([r, r2], labels)
    steps = fig.layout.sliders[0].steps
    assert len(steps) == len(r["steps"]) + len(r2["steps"])
    z = steps[3].args[0]["z"][0]                  # example 1, step 4: rows 1-4 shown, the rest empty
    assert all(v is not None for row in z[:4] for v in row) and all(v is None for row in z[4:] for v in row)
    assert steps[3].args[1]["title.text"].startswith("1 4/11 6 ")
    plain, _ = load_checkpoint("seq2seq_dates")
    with pytest.raises(ValueError, match="examples"):
        attention_steps_figure([s2s.decode_steps(plain, "26년 1월 2일")], labels)
    with pytest.raises(ValueError, match="text"):
        s2s.decode_steps(model, "")


@pytest.mark.parametrize("name", ["seq2seq_dates", "seq2seq_dates_attn", "seq2seq_datelist", "seq2seq_datelist_attn"])
def test_shipped_checkpoints_have_the_current_format(name):
    payload = torch.load(checkpoint_path(name), map_location="cpu", weights_only=True)
    assert payload["format"] == FORMAT == "rnnkit.seq2seq" and payload["version"] == 1
    assert tuple(payload["config"]) == s2s.CONFIG_KEYS
    assert payload["config"]["embed"] == 32 and payload["config"]["cell"] == "lstm"


def test_plot_attention_draws_the_weights():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnnkit.figures.attention import plot_attention

    model, _ = load_checkpoint("seq2seq_dates_attn")
    r = s2s.decode_steps(model, "26년 1월 2일")
    fig, ax = plt.subplots()
    im = plot_attention(ax, r, title="t")
    np.testing.assert_array_equal(im.get_array(), r["attention"])
    assert [t.get_text() for t in ax.get_yticklabels()] == list("2026-01-02") + ["EOS"]
    assert [t.get_text() for t in ax.get_xticklabels()][2] == "년" and ax.get_xticklabels()[3].get_text() == "␣"
    plt.close(fig)
    plain, _ = load_checkpoint("seq2seq_dates")
    with pytest.raises(ValueError, match="attention"):
        plot_attention(ax, s2s.decode_steps(plain, "26년 1월 2일"))


def test_explorer_names_the_characters_it_cannot_read(monkeypatch):
    pytest.importorskip("ipywidgets")
    import IPython.display

    from rnnkit.figures.attention import explorer

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append(getattr(obj, "data", obj)))
    model, _ = load_checkpoint("seq2seq_dates")          # no attention: tables only, no heatmap
    labels = {"input": "in", "output": "out:", "step": "step", "char": "char", "prob": "p", "top": "top",
              "title": "t", "bad": "cannot read: {error}"}
    box = explorer(model, labels, initial="2026/11/25").children[0]
    assert shown == ["<p>cannot read: /</p>"]
    box.value = "26년 1월 2일"
    assert shown[1] == "<p><b>out:</b> <code>2026-01-02</code></p>" and shown[2].startswith("<table>")
    box.value = "   "
    assert shown[-1] == "<p>cannot read: text must be a non-empty string, got &#x27;&#x27;</p>"
