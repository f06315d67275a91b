import numpy as np
import pytest

from rnnkit.scratch import (rnn_backward, rnn_forward, temporal_affine_backward,
                            temporal_affine_forward, temporal_softmax_loss)
from rnnkit.analysis.unroll import rnn_backward_steps, rnn_forward_steps, rnn_grads_by_loss_and_step


def _setup(N=2, T=5, D=3, H=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H)) * 0.5
    Wx = rng.standard_normal((D, H)) * 0.5
    Wh = rng.standard_normal((H, H)) * 0.5
    b = rng.standard_normal(H) * 0.1
    dh = rng.standard_normal((N, T, H))
    return x, h0, Wx, Wh, b, dh


def test_per_step_gradients_sum_to_rnn_backward():
    x, h0, Wx, Wh, b, dh = _setup()
    h, caches = rnn_forward_steps(x, h0, Wx, Wh, b)
    h_ref, cache = rnn_forward(x, h0, Wx, Wh, b)
    np.testing.assert_allclose(h, h_ref, rtol=0, atol=1e-14)
    dx, dh0, dWx_t, dWh_t, db_t = rnn_backward_steps(dh, caches)
    ref = rnn_backward(dh, cache)
    assert dWx_t.shape == (5, 3, 4) and dWh_t.shape == (5, 4, 4) and db_t.shape == (5, 4)
    for got, want in zip((dx, dh0, dWx_t.sum(0), dWh_t.sum(0), db_t.sum(0)), ref):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)
    # every copy really gets a different, non-zero share
    norms = np.linalg.norm(dWh_t.reshape(5, -1), axis=1)
    assert (norms > 1e-3).all() and len(np.unique(np.round(norms, 8))) == 5


def test_copy_gradients_match_torch_with_one_leaf_per_step():
    torch = pytest.importorskip("torch")
    x, h0, Wx, Wh, b, dh = _setup(seed=1)
    h, caches = rnn_forward_steps(x, h0, Wx, Wh, b)
    _, _, _, dWh_t, _ = rnn_backward_steps(dh, caches)
    copies = [torch.tensor(Wh, requires_grad=True) for _ in range(x.shape[1])]
    hp = torch.tensor(h0)
    out = []
    for t, W in enumerate(copies):
        hp = torch.tanh(torch.tensor(x[:, t]) @ torch.tensor(Wx) + hp @ W + torch.tensor(b))
        out.append(hp)
    (torch.stack(out, 1) * torch.tensor(dh)).sum().backward()
    for t, W in enumerate(copies):
        np.testing.assert_allclose(dWh_t[t], W.grad.numpy(), rtol=1e-11, atol=1e-13)


def test_split_by_loss_is_causal_and_sums_back():
    x, h0, Wx, Wh, b, _ = _setup(T=4)
    rng = np.random.default_rng(3)
    Wy, by = rng.standard_normal((4, 6)), rng.standard_normal(6)
    y = rng.integers(0, 6, size=(2, 4))
    h, caches = rnn_forward_steps(x, h0, Wx, Wh, b)
    scores, acache = temporal_affine_forward(h, Wy, by)
    _, dscores = temporal_softmax_loss(scores, y)
    dh = temporal_affine_backward(dscores, acache)[0]
    gx, gh, gb = rnn_grads_by_loss_and_step(dh, caches)
    assert gh.shape == (4, 4, 4, 4) and gx.shape == (4, 4, 3, 4) and gb.shape == (4, 4, 4)
    for s in range(4):
        for t in range(s + 1, 4):
            assert not gh[s, t].any() and not gx[s, t].any() and not gb[s, t].any()
        assert np.abs(gh[s, s]).sum() > 0
    _, _, dWx_t, dWh_t, db_t = rnn_backward_steps(dh, caches)
    np.testing.assert_allclose(gh.sum(0), dWh_t, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gx.sum(0), dWx_t, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gb.sum(0), db_t, rtol=1e-12, atol=1e-14)


def test_bad_input():
    x, h0, Wx, Wh, b, dh = _setup()
    with pytest.raises(ValueError, match=r"\(N, T, D\)"):
        rnn_forward_steps(x[0], h0, Wx, Wh, b)
    _, caches = rnn_forward_steps(x, h0, Wx, Wh, b)
    with pytest.raises(ValueError, match=r"dh must have shape \(N, T, H\) = \(2, 5, 4\)"):
        rnn_backward_steps(dh[:, :3], caches)
    with pytest.raises(ValueError, match="caches"):
        rnn_grads_by_loss_and_step(dh, [])
