"""The standard split of the real novel (skipped unless RNNKIT_MUJEONG names the file)."""
from __future__ import annotations

import math

import pytest
import torch

from rnnkit.charlm import CharLM, build_vocab, evaluate_heldout, to_tokens
from rnnkit.data import split_text


@pytest.mark.parametrize("tokens, V", [("syllable", 1676), ("jamo", None)])
def test_a_uniform_model_scores_log2_V_per_token(novel, tokens, V):
    """Zero output weights give p = 1/V everywhere: exactly log2 V bits per token."""
    train, valid = split_text(novel)
    assert (len(train), len(valid)) == (292_455, 32_495)
    vocab = build_vocab(novel, tokens)
    if V is not None:
        assert len(vocab) == V
    m = CharLM(len(vocab), embed=8, hidden=8)
    with torch.no_grad():
        m.head.weight.zero_()
        m.head.bias.zero_()
    r = evaluate_heldout(m, vocab, tokens, train, valid, streams=64)
    n_tokens = len(to_tokens(valid, tokens))
    assert r["tokens_scored"] == n_tokens and r["chars"] == 32_495
    log2V = math.log2(len(vocab))                   # rel=1e-6: the logits are float32
    assert r["bits_per_token"] == pytest.approx(log2V, rel=1e-6)
    assert r["bits_per_char"] == pytest.approx(log2V * n_tokens / 32_495, rel=1e-6)
