"""CharLM: shapes, carried state, weight tying, argument checks."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from rnnkit.charlm import CharLM, count_parameters, detach_state


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("layers", [1, 2])
def test_shapes_and_state(cell, layers):
    torch.manual_seed(0)
    m = CharLM(11, cell=cell, embed=6, hidden=5, layers=layers).eval()
    x = torch.randint(0, 11, (3, 7))
    logits, state = m(x)
    assert logits.shape == (3, 7, 11)
    states = state if cell == "lstm" else (state,)
    assert len(states) == (2 if cell == "lstm" else 1)
    for s in states:
        assert s.shape == (layers, 3, 5)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_two_halves_with_carried_state_equal_one_pass(cell):
    torch.manual_seed(1)
    m = CharLM(13, cell=cell, embed=8, hidden=8, layers=2, dropout=0.3).eval()   # eval: no dropout
    x = torch.randint(0, 13, (4, 20))
    whole, s_whole = m(x)
    first, s = m(x[:, :9])
    second, s_end = m(x[:, 9:], detach_state(s))
    torch.testing.assert_close(torch.cat([first, second], 1), whole, rtol=0, atol=1e-6)
    for a, b in zip(s_end if cell == "lstm" else (s_end,), s_whole if cell == "lstm" else (s_whole,)):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
    # ... and starting the second half from zeros instead changes the logits
    fresh, _ = m(x[:, 9:])
    assert (fresh - second).abs().max() > 1e-3


def test_weight_tying_shares_one_tensor():
    m = CharLM(30, embed=16, hidden=16, tie=True)
    assert m.head.weight is m.embed.weight
    untied = CharLM(30, embed=16, hidden=16, tie=False)
    assert count_parameters(untied) - count_parameters(m) == 30 * 16
    with torch.no_grad():
        m.embed.weight[3, 0] = 7.0
    assert m.head.weight[3, 0] == 7.0
    # one gradient, summed from both uses
    x = torch.tensor([[3, 4, 5]])
    m(x)[0].sum().backward()
    assert m.embed.weight.grad is m.head.weight.grad


def test_an_untrained_model_predicts_nearly_uniformly():
    """Untied: first loss close to log2 V bits. (Tied, the N(0, 1) embedding is the
    output layer too, and the first loss is higher; see the comment in model.py.)"""
    torch.manual_seed(0)
    V = 1000
    m = CharLM(V, embed=512, hidden=512, tie=False).eval()
    with torch.no_grad():
        logits, _ = m(torch.randint(0, V, (4, 50)))
    bits = torch.nn.functional.cross_entropy(logits.reshape(-1, V), torch.randint(0, V, (200,))) / math.log(2)
    assert float(bits) == pytest.approx(math.log2(V), abs=0.05)


def test_forget_gate_bias_is_one():
    m = CharLM(5, embed=4, hidden=3, layers=2)
    for layer in (0, 1):                      # PyTorch's rows: i, f, g, o blocks of H = 3
        assert torch.all(getattr(m.rnn, f"bias_ih_l{layer}").detach()[3:6] == 1.0)
        assert torch.all(getattr(m.rnn, f"bias_ih_l{layer}").detach()[:3].abs() < 1)


@pytest.mark.parametrize("kwargs, word", [
    (dict(vocab_size=0), "vocab_size"),
    (dict(vocab_size=5, cell="rnn"), "cell"),
    (dict(vocab_size=5, layers=0), "layers"),
    (dict(vocab_size=5, dropout=1.0), "dropout"),
    (dict(vocab_size=5, embed=8, hidden=16, tie=True), "embed == hidden"),
])
def test_bad_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        CharLM(**kwargs)


def test_sizes_may_be_numpy_integers_and_are_stored_as_int():
    m = CharLM(np.int64(5), embed=np.int32(4), hidden=4)
    assert m.config["vocab_size"] == 5 and type(m.config["vocab_size"]) is int
    assert type(m.config["embed"]) is int


def test_bad_input():
    m = CharLM(5, embed=4, hidden=4)
    with pytest.raises(ValueError, match=r"int64 tensor of shape \(N, T\)"):
        m(torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="int64"):
        m(torch.zeros(2, 3))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_weight_drop_masks_the_recurrent_matrices_in_training_only(cell):
    torch.manual_seed(0)
    m = CharLM(9, cell=cell, embed=6, hidden=6, layers=2, weight_drop=0.5)
    plain = CharLM(9, cell=cell, embed=6, hidden=6, layers=2)
    plain.load_state_dict(m.state_dict())
    x = torch.randint(0, 9, (2, 5))
    m.eval(), plain.eval()
    torch.testing.assert_close(m(x)[0], plain(x)[0], rtol=0, atol=0)     # eval: the plain weights
    m.train()
    logits, _ = m(x)
    assert (logits - plain(x)[0]).abs().max() > 1e-3
    logits.sum().backward()
    for layer in (0, 1):
        g = getattr(m.rnn, f"weight_hh_l{layer}").grad
        zero = float((g == 0).float().mean())
        assert 0.3 < zero < 0.7                      # about half the entries dropped: no gradient
        assert getattr(m.rnn, f"weight_ih_l{layer}").grad.ne(0).float().mean() > 0.95


def test_weight_drop_mask_is_shared_across_streams():
    """One mask per call: identical streams stay identical in training mode."""
    torch.manual_seed(0)
    m = CharLM(9, embed=6, hidden=6, weight_drop=0.5).train()
    row = torch.randint(0, 9, (1, 8))
    logits, _ = m(row.repeat(3, 1))
    torch.testing.assert_close(logits[0], logits[2], rtol=0, atol=0)


def test_embed_drop_removes_whole_characters():
    torch.manual_seed(3)
    m = CharLM(50, embed=8, hidden=8, embed_drop=0.5).train()
    x = torch.arange(50)[None]
    m(x)[0].sum().backward()
    # with tied weights the head still gives every row a gradient; untie to see the input side
    m = CharLM(50, embed=8, hidden=8, embed_drop=0.5, tie=False).train()
    m(x)[0].sum().backward()
    dropped = (m.embed.weight.grad.abs().sum(1) == 0).float().mean()
    assert 0.3 < float(dropped) < 0.7


@pytest.mark.parametrize("name", ["weight_drop", "embed_drop"])
def test_bad_drop_probabilities(name):
    with pytest.raises(ValueError, match=name):
        CharLM(5, **{name: 1.0})


def test_jamo_parts_matrix():
    from rnnkit.charlm.tokens import N_PARTS, jamo_parts
    P = jamo_parts(["각", "가", "ㄱ", ".", "漢", "힣"])
    assert P.shape == (6, N_PARTS) == (6, 67)
    assert P.sum(1).tolist() == [3, 2, 0, 0, 0, 3]
    assert P[0, 0] == P[1, 0] == 1 and P[0, 19] == P[1, 19] == 1   # both ㄱ + ㅏ
    assert P[0, 40] == 1                                           # final ㄱ is part 40 + 1 - 1
    assert P[5, 18] == P[5, 19 + 20] == P[5, 66] == 1              # 힣 = ㅎ + ㅣ + final ㅎ
    with pytest.raises(ValueError, match="single characters"):
        jamo_parts(["가나"])


def test_parts_compose_the_tied_vectors():
    from rnnkit.charlm.tokens import jamo_parts
    chars = ["가", "각", "나", "."]
    P = jamo_parts(chars)
    torch.manual_seed(0)
    m = CharLM(4, embed=6, hidden=6, tie=True, parts=P).eval()
    expected = m.embed.weight + torch.as_tensor(P) @ m.part_embed
    torch.testing.assert_close(m.token_vectors(), expected)
    # the output layer uses the same composed table: logits = h @ vectors.T + b
    x = torch.tensor([[0, 1, 2]])
    h, _ = m.rnn(torch.nn.functional.embedding(x, expected))
    torch.testing.assert_close(m(x)[0], h @ expected.T + m.head.bias)
    # a gradient reaching 각's vector reaches the shared parts of 가 (ㄱ, ㅏ) too
    m.token_vectors()[1].sum().backward()
    assert m.part_embed.grad[0].abs().sum() > 0 and m.part_embed.grad[19].abs().sum() > 0
    assert m.part_embed.grad[2].abs().sum() == 0                   # ㄴ is not part of 각
    with pytest.raises(ValueError, match=r"parts must be a \(V, K\) = \(4, K\)"):
        CharLM(4, embed=6, hidden=6, parts=P[:3])


def test_composed_vectors_kept_without_gradients_follow_every_change():
    """Sampling reuses the (V, E) sum between steps; an in-place change or a new state dict renews it."""
    from rnnkit.charlm.tokens import jamo_parts
    P = jamo_parts(["가", "각", "나", "."])
    torch.manual_seed(0)
    m = CharLM(4, embed=6, hidden=6, tie=True, parts=P).eval()
    with torch.no_grad():
        first = m.token_vectors()
        assert m.token_vectors() is first                             # kept
        m.part_embed.add_(1.0)                                        # an in-place update (as an optimizer makes)
        torch.testing.assert_close(m.token_vectors(), m.embed.weight + torch.as_tensor(P) @ m.part_embed)
        assert not torch.equal(m.token_vectors(), first)
        other = CharLM(4, embed=6, hidden=6, tie=True, parts=P)
        m.load_state_dict(other.state_dict())
        torch.testing.assert_close(m.token_vectors(), other.token_vectors())
    assert m.token_vectors().requires_grad                            # with gradients: computed afresh


def test_parts_survive_a_checkpoint(tmp_path):
    from rnnkit.charlm import load_checkpoint, save_checkpoint
    from rnnkit.charlm.tokens import jamo_parts
    from rnnkit.data import Vocab
    vocab = Vocab.from_text("가각나다. 형식은")
    torch.manual_seed(0)
    m = CharLM(len(vocab), embed=8, hidden=8, tie=True, parts=jamo_parts(vocab.chars)).eval()
    x = torch.randint(0, len(vocab), (2, 6))
    m2, _, _ = load_checkpoint(save_checkpoint(tmp_path / "p.pt", m, vocab))
    torch.testing.assert_close(m2(x)[0], m(x)[0], rtol=0, atol=0)
    assert m2.config["parts"] == 67 and torch.equal(m2.parts, m.parts)
