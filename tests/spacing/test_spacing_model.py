"""rnnkit.spacing.model / train / evaluate: the neural spacing model on small synthetic texts."""
import random

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rnnkit.data.spacing import heldout_lines, unspace  # noqa: E402
from rnnkit.spacing.evaluate import evaluate_lines, model_system  # noqa: E402
from rnnkit.spacing.model import (EDGE, UNK, SpacingModel, count_parameters, encode_line,  # noqa: E402
                                  line_probabilities, spacing_vocab)
from rnnkit.spacing.train import lr_at, random_windows, train, training_stream  # noqa: E402

WORDS = ["형식은", "영채가", "선형이", "학교에", "갔다.", "웃는다.", "집에서", "말하였다."]


def salad(n_lines=200, seed=0):
    """Lines of 3 to 8 random words: spacing them needs the words, not the position."""
    rng = random.Random(seed)
    return "\n".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8))) for _ in range(n_lines))


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    """One torch thread: reproducible and fast for tiny models (tests/conftest.py)."""


def test_vocab_has_the_edge_and_an_unknown_id():
    v = spacing_vocab("가 나\n다")
    assert v.chars == ("\n", "가", "나", "다", UNK) and v.unk == UNK
    assert encode_line(v, "가라").tolist() == [0, 1, 4, 0]          # 라 is unknown
    assert encode_line(v, "").tolist() == [0, 0]
    assert EDGE == "\n"


def test_sizes_and_parameter_count():
    m = SpacingModel(10, embed=4, hidden=3, num_layers=2, bidirectional=True)
    # embedding 10·4; layer 0: 2 directions × (4·3·4 + 4·3·3 + 2·4·3); layer 1 reads 2·3 = 6
    lstm0 = 2 * (4 * 3 * 4 + 4 * 3 * 3 + 2 * 4 * 3)
    lstm1 = 2 * (4 * 3 * 6 + 4 * 3 * 3 + 2 * 4 * 3)
    assert count_parameters(m) == 40 + lstm0 + lstm1 + 6 + 1
    assert m(torch.zeros(2, 7, dtype=torch.int64)).shape == (2, 7)
    with pytest.raises(ValueError, match=r"^cell must be one of \('rnn', 'lstm', 'gru'\)"):
        SpacingModel(10, cell="transformer")


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
def test_what_each_direction_can_see(bidirectional):
    """A unidirectional model's output at t ignores the characters after t; a bidirectional one does not."""
    torch.manual_seed(0)
    m = SpacingModel(8, embed=5, hidden=6, num_layers=2, bidirectional=bidirectional, cell="gru").eval()
    a = torch.tensor([[1, 2, 3, 4, 5, 6]])
    b = a.clone()
    b[0, 4:] = 7                                  # change the future of t = 3
    with torch.no_grad():
        za, zb = m(a), m(b)
    assert torch.equal(za[0, :4], zb[0, :4]) != bidirectional


def test_padding_does_not_leak_into_the_backward_direction():
    torch.manual_seed(0)
    m = SpacingModel(9, embed=4, hidden=5, num_layers=2).eval()
    seqs = [[1, 2, 3, 4, 5], [6, 7], [8, 1, 2]]
    ids = torch.zeros(3, 5, dtype=torch.int64)
    for r, s in enumerate(seqs):
        ids[r, :len(s)] = torch.tensor(s)
    with torch.no_grad():
        packed = m(ids, [5, 2, 3])
        for r, s in enumerate(seqs):
            alone = m(torch.tensor([s]))[0]
            assert torch.allclose(packed[r, :len(s)], alone, atol=1e-6)
        assert not torch.allclose(m(ids)[1, :2], m(torch.tensor([seqs[1]]))[0], atol=1e-3)


def test_line_probabilities_do_not_depend_on_the_batch():
    torch.manual_seed(1)
    v = spacing_vocab(salad(20))
    m = SpacingModel(len(v), embed=4, hidden=5, num_layers=1)
    lines = [unspace(s)[0] for s in salad(9, seed=3).split("\n")] + ["", "형"]
    p1 = line_probabilities(m, v, lines, batch_size=1)
    p4 = line_probabilities(m, v, lines, batch_size=4)
    assert [p.shape for p in p1] == [(len(s),) for s in lines]
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(p1, p4))
    assert m.training                                   # the call restores the mode it found
    with pytest.raises(ValueError, match=r"^lines\[1\] must be one line without spaces"):
        line_probabilities(m, v, ["형식", "형 식"])


def test_random_windows_are_slices_of_the_stream():
    v = spacing_vocab(salad(30))
    ids, labels = training_stream(salad(30), v)
    chars, lab = unspace(salad(30))
    assert np.array_equal(ids, v.encode(chars)) and np.array_equal(labels, lab) and labels.dtype == np.float32
    x, y = random_windows(ids, labels, 4, 11, np.random.default_rng(0))
    assert x.shape == (4, 11) and y.shape == (4, 11) and x.dtype == torch.int64
    starts = np.random.default_rng(0).integers(0, len(ids) - 11 + 1, size=4)
    for r, s in enumerate(starts):
        assert x[r].tolist() == ids[s:s + 11].tolist() and y[r].tolist() == labels[s:s + 11].tolist()
    with pytest.raises(ValueError, match=r"^ids and labels must have the same length, at least seq_len = 50"):
        random_windows(ids[:40], labels[:40], 2, 50, np.random.default_rng(0))


def test_learning_rate_schedule():
    assert lr_at(1, 0.0, 1.0, warmup=4) == 0.25
    assert lr_at(8, 0.0, 1.0, warmup=4) == 1.0
    assert lr_at(8, 0.5, 1.0, warmup=4) == pytest.approx(0.5)
    assert lr_at(8, 1.0, 1.0, warmup=4) == 0.0


def _train_small(steps, seed=0, bidirectional=True):
    text = salad(300)
    v = spacing_vocab(text)
    ids, labels = training_stream(text, v)
    torch.manual_seed(seed)
    m = SpacingModel(len(v), embed=8, hidden=16, num_layers=1, bidirectional=bidirectional)
    run = train(m, ids, labels, steps=steps, batch_size=16, seq_len=40, lr=1e-2, warmup=5, seed=seed, log_every=10)
    return m, v, run


def test_training_is_seeded_and_lowers_the_loss():
    _, _, a = _train_small(30)
    _, _, b = _train_small(30)
    assert a["steps"] == 30 and [e["step"] for e in a["log"]] == [10, 20, 30]
    assert [e["loss"] for e in a["log"]] == [e["loss"] for e in b["log"]]
    assert a["log"][-1]["loss"] < 0.85 * a["log"][0]["loss"]
    with pytest.raises(ValueError, match=r"^give a budget"):
        train(None, None, None)


def test_a_small_bidirectional_model_learns_to_space_the_salad():
    m, v, _ = _train_small(150)
    lines = heldout_lines(salad(300, seed=1))
    s = evaluate_lines(m, v, lines)
    assert s["f1"] > 0.97 and s["lines"] == len(lines)
    system = model_system(m, v, lines)
    assert system("형식은학교에갔다.") == "형식은 학교에 갔다."      # also a line it was not built with
