"""Sampling: seeded, greedy limits, top-k, unknown prompt characters, jamo models."""
from __future__ import annotations

import math

import pytest
import torch

from rnnkit.charlm import CharLM, build_vocab, sample


def _model(vocab, seed=0):
    torch.manual_seed(seed)
    m = CharLM(len(vocab), embed=16, hidden=16).eval()
    with torch.no_grad():                 # larger output weights: peaked, varied distributions
        m.head.weight.mul_(8)
    return m


def _greedy(m, vocab, prompt, n):
    ids = list(vocab.encode(prompt))
    for _ in range(n):
        logits, _ = m(torch.tensor([ids]))                 # whole prefix, no carried state
        ids.append(int(logits[0, -1].argmax()))
    return vocab.decode(ids[len(prompt):])


def test_seeded_sampling_is_deterministic(vocab):
    m = _model(vocab)
    a = sample(m, vocab, "형식은", 60, seed=7)
    assert a == sample(m, vocab, "형식은", 60, seed=7)
    assert a != sample(m, vocab, "형식은", 60, seed=8)
    assert len(a) == 60 and set(a) <= set(vocab.chars)


def test_seed_range_is_the_one_torch_tells_apart(vocab):
    """torch's CPU generator keeps 32 bits of a seed: -1 and 2**63 - 1 gave the same text."""
    m = _model(vocab)
    g = torch.Generator().manual_seed(2**32 - 1)
    assert torch.equal(torch.rand(5, generator=g), torch.rand(5, generator=torch.Generator().manual_seed(2**63 - 1)))
    assert sample(m, vocab, "형식은", 30, seed=2**32 - 1) != sample(m, vocab, "형식은", 30, seed=0)
    for bad in (-1, 2**32, 2**64, 1.5):
        with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 4294967295\]"):
            sample(m, vocab, "형식은", 5, seed=bad)


def test_progress_is_called_once_per_token_and_checked(vocab):
    m = _model(vocab)
    seen = []
    text = sample(m, vocab, "형식은", 25, seed=4, progress=seen.append)
    assert seen == list(range(1, 26)) and text == sample(m, vocab, "형식은", 25, seed=4)
    with pytest.raises(ValueError, match="progress must be None or a callable"):
        sample(m, vocab, "형식은", 5, progress=3)


def test_one_token_at_a_time_kernels_agree_and_leave_the_setting_alone(vocab):
    """Sampling turns oneDNN off for its single steps (5x faster) and restores the flag."""
    m = _model(vocab)
    assert torch.backends.mkldnn.enabled
    greedy = _greedy(m, vocab, "형식은", 30)                  # whole prefixes, with oneDNN
    assert sample(m, vocab, "형식은", 30, temperature=0) == greedy
    with pytest.raises(ValueError):
        sample(m, vocab, "형식은", 5, progress=lambda k: int("x"))
    assert torch.backends.mkldnn.enabled


def test_include_prompt_with_syllables_is_concatenation(vocab):
    m = _model(vocab)
    out = sample(m, vocab, "형식은", 20, seed=2)
    assert sample(m, vocab, "형식은", 20, seed=2, include_prompt=True) == "형식은" + out


def test_greedy_limits(vocab):
    m = _model(vocab)
    greedy = _greedy(m, vocab, "영채가", 40)
    assert sample(m, vocab, "영채가", 40, temperature=0) == greedy
    assert sample(m, vocab, "영채가", 40, top_k=1, seed=3) == greedy
    assert sample(m, vocab, "영채가", 40, temperature=1e-3, seed=3) == greedy
    assert sample(m, vocab, "영채가", 40, temperature=1.0, seed=3) != greedy


def test_top_k_only_draws_from_the_k_most_likely(vocab):
    m = _model(vocab, seed=1)
    with torch.no_grad():
        logits, _ = m(torch.as_tensor(vocab.encode("하고"))[None])
    top3 = set(vocab.decode(torch.topk(logits[0, -1], 3).indices.numpy()))
    firsts = {sample(m, vocab, "하고", 1, top_k=3, temperature=5.0, seed=s) for s in range(60)}
    assert firsts <= top3 and len(firsts) > 1


def test_unknown_prompt_characters_are_named(vocab):
    m = _model(vocab)
    with pytest.raises(ValueError, match=r"2 character\(s\) the model's vocabulary lacks: 'Q' '황'"):
        sample(m, vocab, "황형식Q", 10)
    with pytest.raises(ValueError, match="prompt must be a non-empty str"):
        sample(m, vocab, "", 10)
    for kw, word in ((dict(temperature=-1), "temperature"), (dict(top_k=0), "top_k"),
                     (dict(seed="1"), "seed must be an integer")):
        with pytest.raises(ValueError, match=word):
            sample(m, vocab, "형식은", 5, **kw)


def test_jamo_model_samples_syllables(text):
    v = build_vocab(text, "jamo")
    m = _model(v)
    out = sample(m, v, "형식은", 60, tokens="jamo", seed=0)
    assert 20 <= len(out) <= 60                     # 60 jamo recompose into fewer characters
    whole = sample(m, v, "형식은", 60, tokens="jamo", seed=0, include_prompt=True)
    assert whole.startswith("형식") and whole.endswith(out[1:])    # the boundary syllable may merge
    with pytest.raises(ValueError, match="'밟'"):   # ㄼ is not among the text's 자모
        sample(m, v, "밟", 5, tokens="jamo")


def test_next_token_distribution_temperature_and_top_k():
    from rnnkit.charlm.sample import next_token_distribution
    s = torch.tensor([2.0, 1.0, 0.0, -1.0])
    p1 = next_token_distribution(s, 1.0)
    assert p1.dtype == torch.float64 and float(p1.sum()) == pytest.approx(1.0, abs=1e-12)
    torch.testing.assert_close(p1, torch.softmax(s.double(), 0))
    p_half = next_token_distribution(s, 0.5)                 # τ = 0.5 squares the ratios
    assert float(p_half[0] / p_half[1]) == pytest.approx(math.e ** 2)
    top2 = next_token_distribution(s, 1.0, top_k=2)
    assert top2[2:].tolist() == [0.0, 0.0] and float(top2[0] / top2[1]) == pytest.approx(math.e)
    for greedy in (next_token_distribution(s, 0), next_token_distribution(s, 1.3, top_k=1)):
        assert greedy.tolist() == [1.0, 0.0, 0.0, 0.0]
