"""rnnkit.models.fit: the one training loop, and the three experiments that train with it.

The reference numbers below were recorded from the loops as they were before
:func:`~rnnkit.models.fit.fit` replaced them (``models/classifier.py:_fit``,
``models/truncated.py:train_delay_rnn`` and ``models/seq2seq.py:train`` at commit
e82ff9f), with torch 2.13 on one thread of an AVX-512 CPU. Moving the loops into one
function must not change a single bit: the same random draws in the same order, the
same float operations. On that kernel path the test compares exactly (losses, gradient
norms, accuracies, and a hash of the final weights); on another CPU the float32 kernels
round differently, so it compares to 1e-4 and skips the hash.
"""
import hashlib

import numpy as np
import pytest
import torch

from rnnkit.data import dates
from rnnkit.models import seq2seq as s2s
from rnnkit.models.classifier import train_marked_recall, train_recall
from rnnkit.models.fit import fit
from rnnkit.models.truncated import train_delay_rnn

RECORDED_ON = "AVX512"
SAME_KERNELS = torch.backends.cpu.get_cpu_capability() == RECORDED_ON

torch.set_num_threads(1)                    # the recorded numbers are single-threaded


def weights_hash(model):
    h = hashlib.sha256()
    for p in model.state_dict().values():
        h.update(p.detach().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def few(xs):
    return list(xs[:4]) + [xs[-1]]


def same(got, recorded):
    if SAME_KERNELS:
        assert got == recorded
    else:
        assert got == pytest.approx(recorded, rel=1e-4)


def test_train_recall_is_bit_identical_to_the_old_loop():
    r = train_recall("lstm", 5, hidden=8, steps=25, batch_size=16, seed=3, test_size=100, eval_every=10,
                     forget_bias=1.0)
    same(few(r["losses"]), [1.340480089187622, 1.4063493013381958, 1.4197903871536255, 1.3642250299453735,
                            1.2332359552383423])
    same(few(r["grad_norms"]), [0.24133367836475372, 0.16430984437465668, 0.21824702620506287,
                                0.08032168447971344, 0.9845030307769775])
    assert [s for s, _ in r["curve"]] == [0, 10, 20, 25] and r["steps"] == 25
    same([a for _, a in r["curve"]], [0.18000000715255737, 0.2199999988079071, 0.5699999928474426,
                                      0.7300000190734863])
    if SAME_KERNELS:
        assert weights_hash(r["model"]) == "5e06cb0e98c4ecd9"


def test_train_recall_stop_at_is_bit_identical_to_the_old_loop():
    r = train_recall("gru", 4, steps=400, seed=0, test_size=200, eval_every=20, stop_at=0.99)
    assert r["steps"] == 40 and len(r["losses"]) == 40 and [s for s, _ in r["curve"]] == [0, 20, 40]
    same(few(r["losses"]), [1.3938287496566772, 1.3706388473510742, 1.359777808189392, 1.3408502340316772,
                            0.004286793526262045])
    same([a for _, a in r["curve"]], [0.3100000023841858, 0.9750000238418579, 1.0])
    if SAME_KERNELS:
        assert weights_hash(r["model"]) == "bbd62771f4c3c314"


def test_train_marked_recall_is_bit_identical_to_the_old_loop():
    r = train_marked_recall("rnn", 10, hidden=8, steps=20, batch_size=16, clip=0.5, seed=1, test_size=50)
    same(few(r["losses"]), [1.3537909984588623, 1.4765957593917847, 1.3434950113296509, 1.3513840436935425,
                            1.3976420164108276])
    same(few(r["grad_norms"]), [0.24374040961265564, 0.4917527139186859, 0.256387859582901,
                                0.42554807662963867, 0.22401513159275055])
    assert r["clipped"] == 0.15
    if SAME_KERNELS:
        assert weights_hash(r["model"]) == "f2eda1d9b2d8c4db"


@pytest.mark.parametrize("K, curve, loss, accuracy", [
    (None, [0.6910219192504883, 0.7012137307061089, 0.6941380500793457, 0.6947611702813042, 0.670150015089247],
     0.6695313453674316, 0.6188151240348816),
    (3, [0.6910219457414415, 0.7013879087236192, 0.6946731938256158, 0.6950458420647515, 0.6750674247741699],
     0.6766287684440613, 0.5770399570465088),
])
def test_train_delay_rnn_is_bit_identical_to_the_old_loop(K, curve, loss, accuracy):
    r = train_delay_rnn(K, lag=3, T=12, hidden=8, steps=10, batch_size=32, seed=1)
    assert r["curve"].shape == (10,)
    same(few(r["curve"].tolist()), curve)
    same([r["loss"], r["accuracy"]], [loss, accuracy])


@pytest.mark.parametrize("cell, attention, tf_ratio, losses, weights", [
    ("lstm", True, 1.0, [2.721869707107544, 2.719282627105713, 2.683519124984741, 2.643684148788452,
                         2.3757784366607666], "5cc7110e05000a7d"),
    ("gru", False, 0.5, [2.704716682434082, 2.6451830863952637, 2.6355669498443604, 2.570286750793457,
                         2.3114395141601562], "aa94d1ffaa6e4e63"),
])
def test_seq2seq_train_is_bit_identical_to_the_old_loop(cell, attention, tf_ratio, losses, weights):
    """12 steps: the learning rate halves after step 8, so the final weights check the drop too."""
    torch.manual_seed(0)
    m = s2s.Seq2Seq(dates.SOURCE_VOCAB, dates.TARGET_VOCAB, embed=8, hidden=12, attn_size=6, cell=cell,
                    attention=attention)
    got = s2s.train(m, lambda n, rng: dates.date_pairs(n, rng), 12, batch_size=16, lr=1e-2, tf_ratio=tf_ratio,
                    seed=3, progress=False)
    same(few(got), losses)
    assert not m.training
    if SAME_KERNELS:
        assert weights_hash(m) == weights


# ----------------------------------------------------------------- fit itself

def problem(seed=0):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    rng = np.random.default_rng(seed)
    data = [torch.from_numpy(rng.normal(size=(16, 3)).astype(np.float32)) for _ in range(12)]
    return model, data


def test_fit_equals_the_explicit_loop_with_clipping_and_a_learning_rate_drop():
    model, data = problem()
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[7], gamma=0.5)
    ref_losses, ref_norms = [], []
    for x in data:
        loss = (model(x) - x.sum(1, keepdim=True)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        ref_norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), 0.3)))
        opt.step()
        sched.step()
        ref_losses.append(loss.item())
    ref_weights = [p.detach().clone() for p in model.parameters()]

    model, data = problem()
    seen = []

    def batch_loss(step):
        seen.append(step)
        x = data[step - 1]
        return (model(x) - x.sum(1, keepdim=True)).pow(2).mean()

    run = fit(model.parameters(), batch_loss, steps=12, lr=0.05, clip=0.3, lr_drop_at=7)
    assert seen == list(range(1, 13))
    assert run["losses"] == ref_losses and run["grad_norms"] == ref_norms
    assert run["steps"] == 12 and run["curve"] == []
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), ref_weights))


def test_a_float_loss_means_batch_loss_backpropagated_itself():
    model, data = problem()

    def tensor_loss(step):
        return model(data[step - 1]).pow(2).mean()

    a = fit(model.parameters(), tensor_loss, steps=5, lr=0.01)
    wa = [p.detach().clone() for p in model.parameters()]
    model, data = problem()

    def halves(step):                        # two backward calls whose gradients add up
        x = data[step - 1]
        total = 0.0
        for part in (x[:8], x[8:]):
            loss = model(part).pow(2).sum() / len(x)
            loss.backward()
            total += loss.item()
        return total

    b = fit(model.parameters(), halves, steps=5, lr=0.01)
    assert a["grad_norms"] == b["grad_norms"] == []
    assert b["losses"] == pytest.approx(a["losses"], rel=1e-6)
    assert all(torch.allclose(p, q, atol=1e-6) for p, q in zip(model.parameters(), wa))


def test_evaluation_curve_and_early_stop():
    model, data = problem()
    scores = iter([0.1, 0.2, 0.5, 0.95, 0.99])
    run = fit(model.parameters(), lambda s: model(data[s - 1]).pow(2).mean(), steps=12, lr=0.01,
              evaluate=lambda: next(scores), eval_every=2, stop_at=0.9)
    assert run["curve"] == [(0, 0.1), (2, 0.2), (4, 0.5), (6, 0.95)]
    assert run["steps"] == 6 == len(run["losses"])
    run = fit(model.parameters(), lambda s: model(data[s - 1]).pow(2).mean(), steps=5, lr=0.01,
              evaluate=lambda: 0.0, eval_every=2)
    assert [s for s, _ in run["curve"]] == [0, 2, 4, 5]          # the last update is always measured
    assert fit(model.parameters(), None, steps=0, lr=0.01)["losses"] == []


@pytest.mark.parametrize("kwargs, message", [
    (dict(steps=-1), "steps must be an integer >= 0"),
    (dict(steps=1.5), "steps must be an integer"),
    (dict(lr=0.0), "lr must be a finite number > 0"),
    (dict(clip=-1.0), "clip must be a finite number > 0"),
    (dict(lr_drop_at=0), "lr_drop_at must be an integer >= 1"),
    (dict(lr_drop=1.5), "lr_drop must be a finite number"),
    (dict(eval_every=2), "evaluate must be a callable"),
    (dict(eval_every=0, evaluate=lambda: 0.0), "eval_every must be an integer >= 1"),
    (dict(stop_at=0.5), "stop_at needs eval_every"),
])
def test_fit_bad_arguments(kwargs, message):
    model, data = problem()
    args = {"steps": 3, "lr": 0.01, **kwargs}
    with pytest.raises(ValueError, match=message):
        fit(model.parameters(), lambda s: model(data[0]).sum(), **args)
