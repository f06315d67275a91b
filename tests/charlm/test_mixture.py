"""Mixtures of language models: the averaged distribution, the n-gram member, the file, the CLI."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnnkit.charlm import (CharLM, MixtureLM, NgramLM, load_any, load_checkpoint, load_mixture, mixture_bits,
                           sample, save_checkpoint, save_mixture, token_bits, total_bits)
from rnnkit.charlm.__main__ import main
from rnnkit.charlm.tokens import jamo_parts
from rnnkit.data import Vocab
from rnnkit.charlm.ngram import AbsoluteDiscountNgram

KN = dict(order=3, discount=0.75, kneser_ney=True)


def _lm(vocab, seed, **kw):
    torch.manual_seed(seed)
    return CharLM(len(vocab), embed=24, hidden=24, layers=kw.pop("layers", 1), tie=True, **kw).eval()


def _ngram(vocab, text, order=3):
    return NgramLM(AbsoluteDiscountNgram(order, vocab, discount=0.75, kneser_ney=True).fit(text), vocab)


def test_mixture_is_the_weighted_average_of_the_distributions(vocab):
    a, b = _lm(vocab, 0), _lm(vocab, 1)
    mix = MixtureLM([a, b], [3, 1])
    assert mix.weights == [0.75, 0.25]
    x = torch.randint(0, len(vocab), (2, 9))
    out, state = mix(x)
    expected = 0.75 * F.softmax(a(x)[0], -1) + 0.25 * F.softmax(b(x)[0], -1)
    assert out.shape == (2, 9, len(vocab))
    torch.testing.assert_close(out.exp(), expected, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(out.exp().sum(-1), torch.ones(2, 9))
    assert len(state) == 2 and state[0][0].shape == (1, 2, 24)


def test_one_member_gives_its_own_log_probabilities(vocab):
    a = _lm(vocab, 0)
    x = torch.randint(0, len(vocab), (1, 7))
    torch.testing.assert_close(MixtureLM([a])(x)[0], F.log_softmax(a(x)[0], -1))


def test_a_member_of_weight_zero_changes_nothing(vocab):
    a, b = _lm(vocab, 0), _lm(vocab, 1)
    x = torch.randint(0, len(vocab), (1, 7))
    torch.testing.assert_close(MixtureLM([a, b], [1, 0])(x)[0], F.log_softmax(a(x)[0], -1))


def test_mixture_costs_no_more_than_the_average_member(vocab, text):
    """-log Σ w p <= Σ w (-log p) (log is concave), so total bits are at most the weighted mean."""
    ids = torch.as_tensor(vocab.encode(text[:300]))
    a, b = _lm(vocab, 0), _lm(vocab, 1)
    bits = [total_bits(m, ids, streams=1)[0] for m in (a, b, MixtureLM([a, b]))]
    assert bits[2] <= 0.5 * (bits[0] + bits[1]) + 1e-6
    assert bits[2] < max(bits[0], bits[1])


def test_ngram_member_gives_the_ngram_distribution(vocab, text):
    train, held = text[:1500], text[1500:1540]
    kn = AbsoluteDiscountNgram(3, vocab, discount=0.75, kneser_ney=True).fit(train)
    lm = NgramLM(kn, vocab)
    out, state = lm(torch.as_tensor(vocab.encode(held))[None])
    for t in (0, 1, 2, 17, 39):             # the histories: "", one character, then two
        expected = kn.distribution(held[max(0, t - 1):t + 1])
        np.testing.assert_allclose(out[0, t].exp().numpy(), expected, rtol=1e-5, atol=1e-7)
    assert state.tolist() == [[vocab.encode(held[-2:]).tolist()]]


def test_ngram_member_scores_a_text_as_the_ngram_does(vocab, text):
    """Cut into streams with warm-up and read in chunks, the bits are those of the count model."""
    train, held = text[:1500], text[1500:1800]
    kn = AbsoluteDiscountNgram(3, vocab, discount=0.75, kneser_ney=True).fit(train)
    ids = torch.as_tensor(vocab.encode(train[-10:] + held))
    bits, n = total_bits(NgramLM(kn, vocab), ids, start=10, streams=4, warmup=5, chunk=7)
    assert n == len(held)
    assert bits == pytest.approx(kn.total_bits(held, history=train), rel=1e-6)


def test_state_carries_across_windows(vocab, text):
    mix = MixtureLM([_lm(vocab, 0, layers=2), _ngram(vocab, text[:1500])])
    x = torch.as_tensor(vocab.encode(text[1500:1540]))[None]
    whole, _ = mix(x)
    first, state = mix(x[:, :13])
    second, _ = mix(x[:, 13:], state)
    torch.testing.assert_close(torch.cat([first, second], 1), whole, atol=1e-5, rtol=1e-5)


def test_sampling_a_mixture_is_seeded_and_greedy_is_its_argmax(vocab, text):
    mix = MixtureLM([_lm(vocab, 0), _ngram(vocab, text[:1500])])
    s1 = sample(mix, vocab, "형식은", 30, temperature=0.8, seed=3)
    assert s1 == sample(mix, vocab, "형식은", 30, temperature=0.8, seed=3) and len(s1) == 30
    greedy = sample(mix, vocab, "형식은", 1, temperature=0)
    with torch.no_grad():
        logp, _ = mix(torch.as_tensor(vocab.encode("형식은"))[None])
    assert greedy == vocab.chars[int(logp[0, -1].argmax())]


@pytest.mark.parametrize("members, weights, message", [
    ([], None, "members must hold at least one model"),
    (["a", "b"], [1], r"weights must be 2 non-negative numbers, not all zero \(one per member\), got \[1\]"),
    (["a", "b"], [1, -1], "weights must be 2 non-negative numbers"),
    (["a", "b"], [0, 0], "weights must be 2 non-negative numbers"),
    (["a", "b"], [1, float("nan")], "weights must be 2 non-negative numbers"),
    (["a", "small"], None, r"members must share one vocabulary, got vocab_size \[5, \d+\]"),
])
def test_bad_mixtures_are_refused(vocab, members, weights, message):
    models = {"a": _lm(vocab, 0), "b": _lm(vocab, 1), "small": CharLM(5, embed=4, hidden=4)}
    with pytest.raises(ValueError, match=message):
        MixtureLM([models[m] for m in members], weights)


def test_ngram_member_needs_a_fitted_model_of_the_same_vocabulary(vocab, text):
    with pytest.raises(ValueError, match=r"call ngram.fit\(train_text\) first"):
        NgramLM(AbsoluteDiscountNgram(3, vocab), vocab)
    other = AbsoluteDiscountNgram(2, list(reversed(vocab.chars))).fit(text)
    with pytest.raises(ValueError, match="must be the same, in the same order"):
        NgramLM(other, vocab)


def test_file_round_trip_float32_is_exact(tmp_path, vocab, text):
    train = text[:1500]
    a, b = _lm(vocab, 0, layers=2, parts=jamo_parts(vocab.chars)), _lm(vocab, 1)
    path = save_mixture(tmp_path / "mix.pt", [a, b], vocab, ngram=KN, train_text=train, weights=[2, 1, 1],
                        logs=[[dict(step=1)], []], metas=[{"seed": 0}, {"seed": 1}], meta={"note": "x"},
                        precision="float32")
    mix, v2, ckpt = load_mixture(path, train_text=train)
    assert v2 == vocab and mix.weights == [0.5, 0.25, 0.25] and not mix.training
    assert isinstance(mix.members[2], NgramLM) and mix.members[2].ngram.order == 3
    assert ckpt["members"][0]["log"] == [dict(step=1)] and ckpt["members"][1]["meta"] == {"seed": 1}
    assert ckpt["meta"] == {"note": "x"} and ckpt["ngram"]["order"] == 3
    x = torch.as_tensor(vocab.encode(text[1500:1530]))[None]
    expected = MixtureLM([a, b, _ngram(vocab, train)], [2, 1, 1])(x)[0]
    assert torch.equal(mix(x)[0], expected)
    assert load_any(path, train)[0].weights == mix.weights


def test_int4_mixture_is_smaller_and_close(tmp_path, vocab, text):
    torch.manual_seed(0)
    models = [CharLM(len(vocab), embed=128, hidden=128, layers=2, tie=True).eval() for _ in range(2)]
    full = save_mixture(tmp_path / "f.pt", models, vocab, precision="float32").stat().st_size
    small = save_mixture(tmp_path / "q.pt", models, vocab).stat().st_size          # int4 by default
    assert small < 0.2 * full
    mix, _, _ = load_mixture(tmp_path / "q.pt")
    x = torch.as_tensor(vocab.encode(text[:40]))[None]
    with torch.no_grad():
        exact, stored = MixtureLM(models)(x)[0], mix(x)[0]
    kl = (exact.exp() * (exact - stored)).sum(-1).mean()      # nats; measured 0.015 on these random weights
    assert 0 < kl < 0.05 and (exact.exp() - stored.exp()).abs().max() < 0.1


def test_ngram_text_is_checked_and_not_stored(tmp_path, vocab, text):
    train = text[:1500]
    path = save_mixture(tmp_path / "mix.pt", [_lm(vocab, 0)], vocab, ngram=KN, train_text=train)
    assert train[:200].encode("utf-8") not in path.read_bytes()
    with pytest.raises(ValueError, match=r"counted from the training text when the file is loaded; pass train_text="):
        load_mixture(path)
    with pytest.raises(ValueError, match=r"train_text is not the text its n-gram was made from \(sha256 "):
        load_mixture(path, train_text=train[:-1])


def test_single_and_mixture_files_point_to_each_other(tmp_path, vocab):
    single = save_checkpoint(tmp_path / "one.pt", _lm(vocab, 0), vocab)
    mixed = save_mixture(tmp_path / "mix.pt", [_lm(vocab, 0), _lm(vocab, 1)], vocab)
    with pytest.raises(ValueError, match=r"a mixture of 2 models, not one model; load it with "
                                         r"rnnkit.charlm.load_mixture"):
        load_checkpoint(mixed)
    with pytest.raises(ValueError, match=r"not an rnnkit.charlm.mixture file \(format field: 'rnnkit.charlm'\); "
                                         r"load a single model with rnnkit.charlm.load_checkpoint"):
        load_mixture(single)
    assert isinstance(load_any(single)[0], CharLM) and isinstance(load_any(mixed)[0], MixtureLM)


@pytest.mark.parametrize("change, message", [
    (lambda c: c.update(version=2), "mixture format version 2, but this rnnkit reads version 1"),
    (lambda c: c.pop("weights"), "mixture file lacks weights"),
    (lambda c: c.update(members=[]), "the mixture has no member models"),
    (lambda c: c.update(weights=[1.0]), r"weights must be 2 non-negative numbers"),
    (lambda c: c["members"][1].update(chars=c["members"][1]["chars"][::-1]),
     "member 1 reads another vocabulary or token kind than the mixture"),
    (lambda c: c["members"][0]["weights"].pop("embed.weight"), r"\(member 0\): the vocabulary has"),
    (lambda c: c.update(ngram={"order": 3}), "the n-gram recipe must have the keys"),
])
def test_bad_mixture_files_are_refused(tmp_path, vocab, text, change, message):
    path = save_mixture(tmp_path / "mix.pt", [_lm(vocab, 0), _lm(vocab, 1)], vocab, precision="float32")
    raw = torch.load(path, weights_only=True)
    change(raw)
    torch.save(raw, path)
    with pytest.raises(ValueError, match=message):
        load_mixture(path, train_text=text)


def test_save_mixture_checks_its_arguments(tmp_path, vocab, text):
    a = _lm(vocab, 0)
    with pytest.raises(ValueError, match="models must hold at least one CharLM"):
        save_mixture(tmp_path / "m.pt", [], vocab)
    with pytest.raises(ValueError, match=r"weights must be 2 non-negative numbers"):
        save_mixture(tmp_path / "m.pt", [a], vocab, ngram=KN, train_text=text, weights=[1, 1, 1])
    with pytest.raises(ValueError, match="train_text must be the \\(non-empty\\) text the n-gram counts"):
        save_mixture(tmp_path / "m.pt", [a], vocab, ngram=KN)
    with pytest.raises(ValueError, match="ngram must be None or a dict with keys"):
        save_mixture(tmp_path / "m.pt", [a], vocab, ngram={"order": 3}, train_text=text)
    with pytest.raises(ValueError, match=r"discount must be a finite number in \(0, 1\]"):
        save_mixture(tmp_path / "m.pt", [a], vocab, ngram=dict(KN, discount=2.0), train_text=text)
    with pytest.raises(ValueError, match=r"logs and metas must have one entry per model \(1\), got 2 and 1"):
        save_mixture(tmp_path / "m.pt", [a], vocab, logs=[[], []])
    assert not list(tmp_path.iterdir())          # nothing half-written


SMALL = ["--layers", "1", "--hidden", "32", "--batch-size", "4", "--seq-len", "16", "--threads", "1", "--quiet"]


@pytest.fixture
def two_models(tmp_path, text, capsys):
    data = tmp_path / "small.txt"
    data.write_text(text, encoding="utf-8")
    paths = []
    for seed in (0, 1):
        paths.append(tmp_path / f"m{seed}.pt")
        assert main(["train", "--steps", "4", "--eval-every", "4", "--data", str(data), "--seed", str(seed),
                     "--log-sample-length", "0", "--checkpoint", str(paths[-1])] + SMALL) == 0
    capsys.readouterr()
    return data, paths


def test_cli_mix_evaluate_and_sample(tmp_path, two_models, capsys):
    data, (m0, m1) = two_models
    out_path = tmp_path / "mix.pt"
    assert main(["mix", str(m0), str(m1), "--ngram", "3", "--data", str(data), "--checkpoint", str(out_path)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert [line.split()[1] for line in lines[:3]] == ["0.333", "0.333", "0.333"]
    assert lines[2].endswith("Kneser-Ney 3-gram (d = 0.75)")
    mix, _, ckpt = load_mixture(out_path, train_text=data.read_text(encoding="utf-8")[:int(0.9 * len(
        data.read_text(encoding="utf-8")))])
    parts = [p["heldout_bits_per_char"] for p in ckpt["meta"]["parts"]]
    bpc = ckpt["meta"]["heldout"]["bits_per_char"]
    assert bpc < max(parts) and bpc <= sum(parts) / 3 + 1e-6
    assert f"held-out: {bpc:.4f} bits per character" in out
    assert main(["evaluate", "--checkpoint", str(out_path), "--data", str(data)]) == 0
    assert capsys.readouterr().out.startswith(f"held-out: {bpc:.4f} bits per character")
    assert main(["sample", "--checkpoint", str(out_path), "--data", str(data), "--prompt", "형식은",
                 "--length", "20"]) == 0
    text_out = capsys.readouterr().out.strip()
    assert text_out.startswith("형식은") and len(text_out) == 23


@pytest.mark.parametrize("extra, message", [
    (["--weights", "1", "2"], "weights must be 3 non-negative numbers"),
    (["--ngram", "0", "--weights", "1", "-1"], "weights must be 2 non-negative numbers"),
])
def test_cli_mix_errors_are_one_line(tmp_path, two_models, capsys, extra, message):
    data, (m0, m1) = two_models
    assert main(["mix", str(m0), str(m1), "--data", str(data), "--checkpoint", str(tmp_path / "x.pt")] + extra) == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m rnnkit.charlm mix: error:") and message in err and err.count("\n") == 1


def test_cli_mix_refuses_models_of_another_text(tmp_path, two_models, capsys):
    data, (m0, _) = two_models
    other = save_checkpoint(tmp_path / "other.pt", CharLM(3, embed=4, hidden=4), Vocab(["a", "b", "c"]))
    assert main(["mix", str(m0), str(other), "--data", str(data), "--checkpoint", str(tmp_path / "x.pt")]) == 2
    assert "reads another vocabulary or token kind than" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["mix", "a.pt"], "mix needs --checkpoint PATH"),
    (["mix", "a.pt", "--checkpoint", "x.pt", "--ngram", "12"], "--ngram must be an order from 1 to 9"),
    (["mix", "a.pt", "--checkpoint", "x.pt", "--discount", "0"], r"--discount must be in \(0, 1\]"),
])
def test_cli_mix_bad_arguments(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert re.search(message, capsys.readouterr().err)


def test_math_of_the_weights_is_in_log_space(vocab):
    """Tiny weights must not underflow: log w is added, not w multiplied after exp."""
    a, b = _lm(vocab, 0), _lm(vocab, 1)
    x = torch.randint(0, len(vocab), (1, 5))
    with torch.no_grad():
        out = MixtureLM([a, b], [1.0, 1e-300])(x)[0]
    assert torch.isfinite(out).all()
    assert math.isclose(float(out.exp().sum(-1).mean()), 1.0, rel_tol=1e-5)


def test_mixture_bits_from_member_bits_equal_the_mixture_s_own(vocab, text):
    ids = torch.as_tensor(vocab.encode(text[:400]))
    a, b, ng = _lm(vocab, 0), _lm(vocab, 1), _ngram(vocab, text[:1500])
    member = np.stack([token_bits(m, ids, start=30, streams=3) for m in (a, b, ng)])
    direct = token_bits(MixtureLM([a, b, ng], [2, 1, 1]), ids, start=30, streams=3)
    np.testing.assert_allclose(mixture_bits(member, [2, 1, 1]), direct, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(mixture_bits(member[:1]), member[0])
    np.testing.assert_allclose(mixture_bits(member, [1, 0, 0]), member[0])       # weight 0: no share
    assert mixture_bits([[1.0], [3.0]])[0] == pytest.approx(-math.log2(0.5 * 0.5 + 0.5 * 0.125))
    with pytest.raises(ValueError, match=r"member_bits must have shape \(K, n\)"):
        mixture_bits(np.zeros(3))
    with pytest.raises(ValueError, match="weights must be 2 non-negative numbers"):
        mixture_bits(np.zeros((2, 3)), [1, 2, 3])


def test_ngram_member_refuses_bad_input(vocab, text):
    lm = _ngram(vocab, text[:1500])
    with pytest.raises(ValueError, match=r"x must be an int64 tensor of shape \(N, T\), got torch.float32"):
        lm(torch.zeros(1, 3))
    with pytest.raises(ValueError, match=rf"x must hold ids in \[0, {len(vocab)}\), got values from 0 to {len(vocab)}"):
        lm(torch.tensor([[0, len(vocab)]]))
    with pytest.raises(ValueError, match=r"state must be None or the \(1, N, n-1\) = \(1, 1, 2\) tensor"):
        lm(torch.tensor([[0, 1]]), torch.zeros(1, 1, 3, dtype=torch.long))


def test_load_any_asks_for_the_text_only_when_an_ngram_needs_it(tmp_path, vocab, text):
    train = text[:1500]
    asked = []

    def give():
        asked.append(1)
        return train

    plain = save_mixture(tmp_path / "plain.pt", [_lm(vocab, 0)], vocab)
    single = save_checkpoint(tmp_path / "one.pt", _lm(vocab, 0), vocab)
    with_ngram = save_mixture(tmp_path / "kn.pt", [_lm(vocab, 0)], vocab, ngram=KN, train_text=train)
    load_any(plain, give)
    load_any(single, give)
    assert asked == []
    mix, _, _ = load_any(with_ngram, give)
    assert asked == [1] and mix.members[-1].ngram.order == 3
