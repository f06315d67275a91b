"""Post 003's numpy LSTM: its gradients (from the scratch layers), its update, its bits."""
from __future__ import annotations

import math

import numpy as np
import pytest

from rnnkit.charlm.numpy_baseline import NumpyCharLSTM, train_numpy
from rnnkit.scratch import numerical_gradient, rel_error


def _batch(V, N=2, T=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, V, (N, T))
    return x, np.roll(x, -1, axis=1)


def test_gradients_match_numerical_gradients():
    m = NumpyCharLSTM(7, 5, seed=1, init_std=0.5)
    m.params["b"][:] = np.random.default_rng(2).normal(size=20)
    x, y = _batch(7)
    rng = np.random.default_rng(3)
    state = (rng.normal(size=(2, 5)), rng.normal(size=(2, 5)))     # carried h and c
    _, grads, _ = m.loss_and_grads(x, y, state)
    for k, p in m.params.items():
        num = numerical_gradient(lambda _: m.loss_and_grads(x, y, state)[0], p)
        # Relative error of the whole array (norm); the elementwise CS231n error of the
        # many near-zero entries of Wx is set by round-off in the loss (~1e-10), not by
        # the backward pass.
        assert np.linalg.norm(grads[k] - num) / np.linalg.norm(grads[k] + num) < 1e-8, k
        big = np.abs(num) > 1e-2
        assert rel_error(grads[k][big], num[big]) < 1e-7, k


def test_carried_state_continues_the_text():
    m = NumpyCharLSTM(9, 6, seed=4, init_std=0.3)
    x, y = _batch(9, N=3, T=10, seed=5)
    whole, _, s_whole = m.loss_and_grads(x, y, m.zero_state(3))
    first, _, s = m.loss_and_grads(x[:, :4], y[:, :4], m.zero_state(3))
    second, _, s_end = m.loss_and_grads(x[:, 4:], y[:, 4:], s)
    assert first + second == pytest.approx(whole, rel=1e-12)
    np.testing.assert_allclose(s_end[1], s_whole[1], rtol=1e-12)     # the cell state too


def test_one_adagrad_step_reduces_the_loss_on_a_fixed_batch():
    m = NumpyCharLSTM(11, 8, seed=6)
    x, y = _batch(11, N=1, T=25, seed=7)
    state = m.zero_state(1)
    before, grads, _ = m.loss_and_grads(x, y, state)
    assert before == pytest.approx(25 * math.log(11), rel=1e-3)        # summed over 25 steps
    m.adagrad_step(grads, lr=0.1)
    after, _, _ = m.loss_and_grads(x, y, state)
    assert after < before - 0.5                      # seeded: 59.95 -> 58.98
    # the first Adagrad step moves every parameter with a nonzero gradient by about lr
    m2 = NumpyCharLSTM(11, 8, seed=6)
    m2.adagrad_step(grads, lr=0.1)
    step = np.abs(m2.params["by"] - NumpyCharLSTM(11, 8, seed=6).params["by"])
    np.testing.assert_allclose(step[grads["by"] != 0], 0.1, rtol=1e-5)


def test_clipping_is_elementwise():
    m = NumpyCharLSTM(3, 2)
    grads = {k: np.full_like(v, 100.0) for k, v in m.params.items()}
    grads["by"][0] = -0.5
    m.adagrad_step(grads, lr=1.0, clip=5.0)
    # first step: g / sqrt(g^2) = sign(g), for clipped and unclipped entries alike
    np.testing.assert_allclose(m.params["by"], [1.0, -1.0, -1.0], rtol=1e-6)
    assert m.memory["by"][1] == 25.0 and m.memory["by"][0] == 0.25


def test_total_bits_over_streams_match_one_stream():
    m = NumpyCharLSTM(9, 6, seed=8, init_std=0.3)
    ids = np.random.default_rng(9).integers(0, 9, 400)
    one, n = m.total_bits(ids, start=10, streams=1)
    many, _ = m.total_bits(ids, start=10, streams=7, warmup=120, chunk=33)
    assert n == 390 and many == pytest.approx(one, rel=1e-9)
    whole, _, _ = m.loss_and_grads(ids[None, :-1], ids[None, 1:], m.zero_state(1))
    first, _, _ = m.loss_and_grads(ids[None, :9], ids[None, 1:10], m.zero_state(1))
    assert one == pytest.approx((whole - first) / math.log(2), rel=1e-9)


def test_training_loop_lowers_the_loss_and_restarts_passes():
    ids = np.tile(np.arange(6), 20)                    # 0 1 2 3 4 5 0 1 ...
    m = NumpyCharLSTM(6, 10, seed=0)
    log = train_numpy(m, ids, steps=60, eval_every=20, progress=False)   # 4 windows a pass
    assert [r["step"] for r in log] == [20, 40, 60]
    assert log[0]["train_bpc"] > 1.0 > 0.1 > log[-1]["train_bpc"]


def test_sampling_is_seeded_and_follows_the_model():
    m = NumpyCharLSTM(5, 4, seed=0)
    m.params["by"][:] = [0, 0, 30, 0, 0]            # output bias makes id 2 nearly certain
    a = m.sample([1, 3], 20, seed=1)
    assert a.shape == (20,) and np.all(a == 2)
    m.params["by"][:] = 0
    b = m.sample([1, 3], 50, seed=1)
    assert np.array_equal(b, m.sample([1, 3], 50, seed=1)) and len(set(b.tolist())) > 2
    with pytest.raises(ValueError, match="prompt_ids"):
        m.sample([], 5)


def test_bad_arguments_name_themselves():
    m = NumpyCharLSTM(5, 4)
    ids = np.arange(40) % 5
    for call, message in [
        (lambda: train_numpy(m, ids, steps=1, seq_len=0, progress=False), "seq_len must be an integer >= 1"),
        (lambda: train_numpy(m, ids, steps=1, lr=0, progress=False), "lr must be a finite number > 0"),
        (lambda: train_numpy(m, ids, steps=1, eval_every=0, progress=False), "eval_every must be an integer"),
        (lambda: train_numpy(m, ids[:10], steps=1, seq_len=9, progress=False), "train_ids must be a 1-D array"),
        (lambda: m.sample([1], 3, temperature=0), "temperature must be a finite number > 0"),
        (lambda: m.sample([1], -1), "length must be an integer >= 0"),
    ]:
        with pytest.raises(ValueError, match=message):
            call()
