"""Tests of rnnkit.models.classifier: model shapes, the forget-bias initialiser, accuracy, training."""
import numpy as np
import pytest
import torch

from rnnkit.analysis.gates import lstm_gate_trace
from rnnkit.scratch import params_from_torch
import torch.nn.functional as F

from rnnkit.models.classifier import SequenceClassifier, accuracy, init_forget_bias, train_marked_recall, train_recall
from rnnkit.data.tasks import marked_recall_task


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("cell, module", [("rnn", torch.nn.RNN), ("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)])
def test_classifier_shapes(cell, module):
    torch.manual_seed(0)
    m = SequenceClassifier(cell, 6, 5, 3)
    assert isinstance(m.rnn, module) and m.rnn.batch_first
    x = torch.randn(4, 7, 6)
    out = m(x)
    assert out.shape == (4, 3)
    # the scores come from h_T only: changing nothing but the last step changes them,
    # and they equal the head applied to the module's last output
    h, _ = m.rnn(x)
    assert torch.allclose(out, m.head(h[:, -1]))


def test_classifier_bad_input():
    with pytest.raises(ValueError, match="cell"):
        SequenceClassifier("transformer", 2, 3, 4)
    with pytest.raises(ValueError, match="hidden must be an integer >= 1"):
        SequenceClassifier("lstm", 2, 0, 4)
    with pytest.raises(ValueError, match="classes must be an integer >= 1"):
        SequenceClassifier("lstm", 2, 3, classes=0)
    assert SequenceClassifier("gru", input_size=2, hidden=3, classes=4).head.out_features == 4
    m = SequenceClassifier("gru", 2, 3, 4)
    with pytest.raises(ValueError, match=r"\(N, T, D\) with D = 2"):
        m(torch.zeros(5, 2))
    with pytest.raises(ValueError, match=r"\(N, T, D\) with D = 2"):
        m(torch.zeros(1, 5, 3))


def test_init_forget_bias_sets_exactly_the_f_block():
    torch.manual_seed(0)
    H = 4
    lstm = torch.nn.LSTM(3, H)
    b_ih0, b_hh0 = lstm.bias_ih_l0.detach().clone(), lstm.bias_hh_l0.detach().clone()
    W0 = [p.detach().clone() for p in (lstm.weight_ih_l0, lstm.weight_hh_l0)]
    assert init_forget_bias(lstm, 2.5) is lstm
    b_ih, b_hh = lstm.bias_ih_l0.detach(), lstm.bias_hh_l0.detach()
    f = slice(H, 2 * H)                           # torch order i, f, g, o
    assert torch.equal(b_ih[f], torch.full((H,), 2.5))
    assert torch.equal(b_hh[f], torch.zeros(H))
    rest = torch.ones(4 * H, dtype=torch.bool)
    rest[f] = False
    assert torch.equal(b_ih[rest], b_ih0[rest]) and torch.equal(b_hh[rest], b_hh0[rest])
    assert torch.equal(lstm.weight_ih_l0, W0[0]) and torch.equal(lstm.weight_hh_l0, W0[1])
    # the effective bias (b_ih + b_hh, scratch order i, f, o, g) has f block = 2.5
    b = params_from_torch(lstm)["b"]
    assert np.array_equal(b[H:2 * H], np.full(H, 2.5, dtype=np.float32))
    # with zero input and zero state the first forget gate is σ(2.5)
    trace = lstm_gate_trace(lstm, np.zeros((1, 1, 3)))
    assert np.allclose(trace["f"][0, 0], 1 / (1 + np.exp(-2.5)), atol=1e-7)


def test_init_forget_bias_bad_input():
    with pytest.raises(ValueError, match="lstm must be a torch.nn.LSTM"):
        init_forget_bias(torch.nn.GRU(2, 3), 1.0)
    with pytest.raises(ValueError, match="num_layers=1"):
        init_forget_bias(torch.nn.LSTM(2, 3, num_layers=2), 1.0)
    with pytest.raises(ValueError, match="value"):
        init_forget_bias(torch.nn.LSTM(2, 3), float("nan"))
    with pytest.raises(ValueError, match="value"):
        init_forget_bias(torch.nn.LSTM(2, 3), "1")


def test_accuracy_by_hand():
    class Fixed(torch.nn.Module):
        def forward(self, x):                     # predicts class = x[:, 0, 0]
            return torch.nn.functional.one_hot(x[:, 0, 0].long(), 3).float()

    x = torch.tensor([0.0, 1.0, 2.0, 2.0]).reshape(4, 1, 1)
    assert accuracy(Fixed(), x, torch.tensor([0, 1, 1, 2])) == 0.75
    with pytest.raises(ValueError, match="same number"):
        accuracy(Fixed(), x, torch.tensor([0, 1]))


def test_training_is_seeded_and_learns_an_easy_setting():
    a = train_recall("lstm", 5, steps=60, seed=3, test_size=200, eval_every=30)
    b = train_recall("lstm", 5, steps=60, seed=3, test_size=200, eval_every=30)
    assert a["losses"] == b["losses"] and a["accuracy"] == b["accuracy"]
    assert a["accuracy"] == 1.0                     # distance 4 is easy: every sequence right
    assert a["losses"][0] > 1.2 and a["losses"][-1] < 0.1     # from ≈ ln 4 = 1.39 to near zero
    assert [s for s, _ in a["curve"]] == [0, 30, 60]
    assert a["curve"][0][1] < 0.4                   # untrained: about chance (25 %)
    assert a["steps"] == 60
    c = train_recall("lstm", 5, steps=60, seed=4, test_size=200)
    assert c["losses"] != a["losses"] and c["curve"] == []


def test_vanilla_rnn_fails_where_a_biased_lstm_succeeds():
    kw = dict(steps=150, seed=0, test_size=500)
    rnn = train_recall("rnn", 40, **kw)
    lstm = train_recall("lstm", 40, forget_bias=3.0, **kw)
    assert rnn["accuracy"] < 0.35                   # chance is 0.25
    assert lstm["accuracy"] > 0.95


def test_stop_at():
    r = train_recall("gru", 4, steps=400, seed=0, test_size=200, eval_every=20, stop_at=0.99)
    assert r["steps"] < 400 and r["steps"] % 20 == 0
    assert r["curve"][-1] == (r["steps"], r["accuracy"]) and r["accuracy"] >= 0.99
    assert len(r["losses"]) == r["steps"]


def test_train_recall_bad_arguments():
    with pytest.raises(ValueError, match="forget_bias"):
        train_recall("gru", 5, steps=1, forget_bias=1.0)
    with pytest.raises(ValueError, match="stop_at"):
        train_recall("lstm", 5, steps=1, stop_at=0.9)
    with pytest.raises(ValueError, match="cell"):
        train_recall("LSTM", 5, steps=1)
    with pytest.raises(ValueError, match="T"):
        train_recall("lstm", 0, steps=1)
    with pytest.raises(ValueError, match="symbols must be an integer >= 2"):
        train_recall("lstm", 5, steps=1, symbols=0)
    for name in ("lr", "clip"):          # checked once, in rnnkit.models.fit.fit
        with pytest.raises(ValueError, match=f"{name} must be a finite number > 0"):
            train_recall("lstm", 5, steps=1, **{name: 0.0})
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        train_recall("lstm", 5, steps=1, batch_size=0)


# ----- train_marked_recall -----

def test_marked_first_step_by_hand():
    # rebuild the first update outside the function: same weights, same batch, same loss and norm
    r = train_marked_recall("gru", 7, hidden=8, symbols=3, lead=2, steps=1, batch_size=16, seed=5, test_size=50)
    torch.manual_seed(5)
    model = SequenceClassifier("gru", 4, 8, 3)
    x, y, _ = marked_recall_task(16, 7, 3, 2, seed=np.random.default_rng(5))
    loss = F.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y))
    loss.backward()
    norm = torch.sqrt(sum((q.grad ** 2).sum() for q in model.parameters()))
    assert r["losses"][0] == pytest.approx(loss.item(), rel=1e-6)
    assert r["grad_norms"][0] == pytest.approx(norm.item(), rel=1e-5)     # measured before clipping
    assert 1.0 < r["losses"][0] < 1.3                                      # about ln 3 = 1.10 untrained


def test_marked_clipping_is_reported():
    kw = dict(steps=20, seed=0, test_size=50)
    loose = train_marked_recall("rnn", 10, clip=1e9, **kw)
    tight = train_marked_recall("rnn", 10, clip=1e-6, **kw)
    assert loose["clipped"] == 0.0 and tight["clipped"] == 1.0
    assert len(loose["grad_norms"]) == 20 and min(loose["grad_norms"]) > 0
    assert loose["grad_norms"][0] == tight["grad_norms"][0]               # same start, before any update
    assert loose["grad_norms"][1:] != tight["grad_norms"][1:]             # the clip changed the updates


def test_marked_training_is_seeded_and_rnn_fails_where_gru_succeeds():
    kw = dict(steps=300, seed=0, test_size=500, eval_every=100)
    a = train_marked_recall("gru", 20, **kw)
    b = train_marked_recall("gru", 20, **kw)
    assert a["losses"] == b["losses"] and a["curve"] == b["curve"]
    assert a["accuracy"] > 0.95                      # seed 0 solves distance 15-19 within 300 steps
    rnn = train_marked_recall("rnn", 20, **kw)
    assert rnn["accuracy"] < 0.35                   # chance is 0.25
    short = train_marked_recall("rnn", 10, steps=500, seed=1, test_size=500)
    assert short["accuracy"] > 0.95                 # while distance 5-9 is within its reach


def test_marked_forget_bias_and_stop_at():
    r = train_marked_recall("lstm", 20, forget_bias=3.0, steps=600, seed=0, test_size=300, eval_every=50,
                            stop_at=0.99)
    assert r["steps"] < 600 and r["steps"] % 50 == 0 and r["accuracy"] >= 0.99
    assert r["curve"][-1] == (r["steps"], r["accuracy"]) and len(r["grad_norms"]) == r["steps"]
    H = r["model"].rnn.hidden_size
    assert r["model"].rnn.bias_hh_l0.shape == (4 * H,)


@pytest.mark.parametrize("kwargs, name", [
    (dict(cell="LSTM", T=5), "cell"), (dict(cell="lstm", T=0), "T"), (dict(cell="lstm", T=4, lead=5), "lead"),
    (dict(cell="gru", T=5, forget_bias=1.0), "forget_bias"), (dict(cell="lstm", T=5, stop_at=0.9), "stop_at"),
    (dict(cell="lstm", T=5, lr=0), "lr"), (dict(cell="lstm", T=5, clip=-1.0), "clip"),
    (dict(cell="lstm", T=5, symbols=1), "symbols"), (dict(cell="lstm", T=5, test_size=0), "test_size"),
    (dict(cell="lstm", T=5, stop_at=1.5, eval_every=1), "stop_at"), (dict(cell="lstm", T=5, batch_size=0), "batch_size"),
])
def test_train_marked_recall_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        train_marked_recall(steps=1, **kwargs)
