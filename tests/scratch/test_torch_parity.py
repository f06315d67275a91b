"""Every rnnkit.scratch layer against the same computation in PyTorch (needs torch).

Autograd on the same equations written with torch operations, the stock nn.RNN, nn.LSTM
and nn.GRU modules (through the converters), F.cross_entropy and clip_grad_norm_. The
numpy-only tests are in the other files; without torch this file is skipped.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.func import functional_call  # noqa: E402

from helpers import IDS, SHAPES, RandomArrays, assert_below, cell_inputs, loss_inputs  # noqa: E402
from rnnkit import scratch as S  # noqa: E402
from rnnkit.analysis.gradcheck import forward_backward  # noqa: E402
from rnnkit.scratch import params_from_torch, params_to_torch, rel_error  # noqa: E402


def compare_with_torch(forward, backward, torch_fn, inputs, seed=0):
    """Outputs and gradients of a scratch layer against the same computation in autograd.

    ``torch_fn`` takes torch tensors in the order of ``inputs`` (float arrays become leaf
    tensors of the same dtype that require gradients, integer arrays int64 tensors, bool
    arrays stay bool) and returns a tensor or a tuple of tensors, one per forward output.
    Both sides receive the same upstream gradients (from ``forward_backward``). Returns
    ``rel_error`` of every output ("out0", ...) and gradient ("d" + argument name).
    """
    outs, douts, grads = forward_backward(forward, backward, inputs, seed)
    leaves = {}
    for name, a in inputs.items():
        if a.dtype.kind == "f":
            leaves[name] = torch.tensor(a, requires_grad=True)
        else:
            leaves[name] = torch.from_numpy(a.copy() if a.dtype == bool else a.astype(np.int64))
    touts = torch_fn(*leaves.values())
    touts = touts if isinstance(touts, tuple) else (touts,)
    assert len(touts) == len(outs), f"torch_fn returned {len(touts)} outputs, forward {len(outs)}"
    torch.autograd.backward(list(touts), [torch.from_numpy(d) for d in douts])
    errors = {f"out{k}": rel_error(o, t.detach().numpy()) for k, (o, t) in enumerate(zip(outs, touts))}
    wrt = [name for name, t in leaves.items() if t.requires_grad]
    assert len(grads) == len(wrt), f"backward returned {len(grads)} gradients for {wrt}"
    errors |= {"d" + name: rel_error(g, leaves[name].grad.numpy()) for name, g in zip(wrt, grads)}
    return errors


# --- the recurrent cells written with torch operations --------------------------------

def torch_rnn(x, h0, Wx, Wh, b):
    h, hs = h0, []
    for t in range(x.shape[1]):
        h = torch.tanh(x[:, t] @ Wx + h @ Wh + b)
        hs.append(h)
    return torch.stack(hs, dim=1)


def torch_rnn_step(x, h_prev, Wx, Wh, b):
    return torch.tanh(x @ Wx + h_prev @ Wh + b)


# PyTorch's layout, written out independently of rnnkit.scratch.convert: nn.LSTM keeps
# the gate blocks as rows in the order i, f, g, o; the scratch columns are i, f, o, g.
def torch_layout(W):
    i, f, o, g = W.chunk(4, dim=-1)
    return torch.cat([i, f, g, o], dim=-1).T


def torch_lstm(x, h0, c0, Wx, Wh, b):
    """nn.LSTM (float64) run on the scratch weights; autograd maps gradients back to them."""
    N, T, D = x.shape
    H = h0.shape[1]
    module = torch.nn.LSTM(D, H, batch_first=True).double()
    params = {"weight_ih_l0": torch_layout(Wx), "weight_hh_l0": torch_layout(Wh),
              "bias_ih_l0": torch_layout(b[None]).T[0], "bias_hh_l0": torch.zeros_like(b)}
    out, (hT, cT) = functional_call(module, params, (x, (h0[None], c0[None])))
    return out, hT[0], cT[0]


def torch_lstm_step(x, h_prev, c_prev, Wx, Wh, b):
    _, h, c = torch_lstm(x[:, None], h_prev, c_prev, Wx, Wh, b)
    return h, c


def torch_lstm_seq(x, h0, Wx, Wh, b):
    return torch_lstm(x, h0, torch.zeros_like(h0), Wx, Wh, b)[0]


def torch_gru(x, h0, Wx, Wh, bx, bh):
    """nn.GRU (float64) on the scratch weights: same gate order r, z, n, transposed."""
    N, T, D = x.shape
    H = h0.shape[1]
    module = torch.nn.GRU(D, H, batch_first=True).double()
    params = {"weight_ih_l0": Wx.T, "weight_hh_l0": Wh.T, "bias_ih_l0": bx, "bias_hh_l0": bh}
    out, _ = functional_call(module, params, (x, h0[None]))
    return out


def torch_gru_step(x, h_prev, Wx, Wh, bx, bh):
    return torch_gru(x[:, None], h_prev, Wx, Wh, bx, bh)[:, 0]


# layer: (scratch forward, scratch backward, torch version, cell, step function?)
CELLS = {
    "rnn_step": (S.rnn_step_forward, S.rnn_step_backward, torch_rnn_step, "rnn", True),
    "rnn": (S.rnn_forward, S.rnn_backward, torch_rnn, "rnn", False),
    "lstm_step": (S.lstm_step_forward, S.lstm_step_backward, torch_lstm_step, "lstm", True),
    "lstm": (S.lstm_forward, S.lstm_backward, torch_lstm_seq, "lstm", False),
    "lstm_fast": (S.lstm_forward_fast, S.lstm_backward_fast, torch_lstm_seq, "lstm", False),
    "gru_step": (S.gru_step_forward, S.gru_step_backward, torch_gru_step, "gru", True),
    "gru": (S.gru_forward, S.gru_backward, torch_gru, "gru", False),
    "gru_fast": (S.gru_forward_fast, S.gru_backward_fast, torch_gru, "gru", False),
}
MODULES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
@pytest.mark.parametrize("layer", list(CELLS))
def test_cell_agrees_with_torch_autograd(layer, shape):
    forward, backward, reference, cell, step = CELLS[layer]
    errors = compare_with_torch(forward, backward, reference, cell_inputs(cell, *shape, step=step))
    assert_below(errors, 1e-9)


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
@pytest.mark.parametrize("layer", ["rnn", "lstm", "lstm_fast", "gru", "gru_fast"])
def test_sequence_agrees_with_the_torch_module_through_the_converters(layer, shape, batch_first):
    """A stock nn.RNN / nn.LSTM / nn.GRU (its own initialisation, both biases) against the
    scratch layer fed with params_from_torch; torch's parameter gradients are read back
    with params_from_torch too. The RNN and the LSTM merge bias_ih and bias_hh into one b,
    and each of the two receives the whole db, so the b read back is 2 db."""
    N, T, D, H = shape
    forward, backward, _, cell, _ = CELLS[layer]
    torch.manual_seed(sum(shape))
    module = MODULES[cell](D, H, batch_first=batch_first).double()
    p = params_from_torch(module)
    r = RandomArrays(3)
    x, h0, dh = r.randn(N, T, D), r.randn(N, H), r.randn(N, T, H)
    h, cache = forward(x, h0, **p)
    dx, dh0, *dparams = backward(dh, cache)

    to_tm = (lambda a: a) if batch_first else (lambda a: a.transpose(1, 0, 2))
    xt = torch.tensor(to_tm(x), requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)
    out, _ = module(xt, (h0t, torch.zeros_like(h0t)) if cell == "lstm" else h0t)
    out.backward(torch.tensor(to_tm(dh)))
    grads = MODULES[cell](D, H).double()
    with torch.no_grad():
        for g, q in zip(grads.parameters(), module.parameters()):
            g.copy_(q.grad)
    tg = params_from_torch(grads)
    if "b" in tg:
        tg["b"] = tg["b"] / 2
    errors = {"h": rel_error(h, to_tm(out.detach().numpy())), "dx": rel_error(dx, to_tm(xt.grad.numpy())),
              "dh0": rel_error(dh0, h0t.grad[0].numpy())}
    errors |= {"d" + k: rel_error(g, tg[k]) for k, g in zip(p, dparams)}
    assert_below(errors, 1e-9)


@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_rnn_agrees_with_torch_nn_rnn_set_by_hand(shape):
    """torch.nn.RNN stores W_ih (H, D) and W_hh (H, H) for column vectors and two biases."""
    N, T, D, H = shape
    a = cell_inputs("rnn", *shape)
    r = RandomArrays(2)
    b_ih = r.randn(H)
    b_hh = a["b"] - b_ih                              # scratch's b is b_ih + b_hh
    dh = r.randn(N, T, H)

    rnn = torch.nn.RNN(D, H, nonlinearity="tanh", batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(a["Wx"].T))
        rnn.weight_hh_l0.copy_(torch.from_numpy(a["Wh"].T))
        rnn.bias_ih_l0.copy_(torch.from_numpy(b_ih))
        rnn.bias_hh_l0.copy_(torch.from_numpy(b_hh))
    x_t = torch.tensor(a["x"], requires_grad=True)
    h0_t = torch.tensor(a["h0"][None], requires_grad=True)     # (num_layers, N, H)
    out, h_last = rnn(x_t, h0_t)
    out.backward(torch.from_numpy(dh))

    h, cache = S.rnn_forward(**a)
    dx, dh0, dWx, dWh, db = S.rnn_backward(dh, cache)
    pairs = {
        "h": (h, out.detach().numpy()),
        "h_T": (h[:, -1], h_last[0].detach().numpy()),
        "dx": (dx, x_t.grad.numpy()),
        "dh0": (dh0, h0_t.grad[0].numpy()),
        "dWx": (dWx, rnn.weight_ih_l0.grad.numpy().T),
        "dWh": (dWh, rnn.weight_hh_l0.grad.numpy().T),
        "db vs bias_ih": (db, rnn.bias_ih_l0.grad.numpy()),
        "db vs bias_hh": (db, rnn.bias_hh_l0.grad.numpy()),
    }
    assert_below({k: rel_error(*v) for k, v in pairs.items()}, 1e-9)


@pytest.mark.parametrize("layer", ["rnn", "lstm", "lstm_fast", "gru", "gru_fast"])
def test_scratch_weights_through_params_to_torch_reproduce_the_module(layer):
    N, T, D, H = 3, 6, 4, 5
    forward, _, _, cell, _ = CELLS[layer]
    a = cell_inputs(cell, N, T, D, H)
    weights = {k: v for k, v in a.items() if k not in ("x", "h0")}
    module = params_to_torch(weights, MODULES[cell](D, H, batch_first=True).double())
    h0 = torch.tensor(a["h0"][None])
    out, _ = module(torch.tensor(a["x"]), (h0, torch.zeros_like(h0)) if cell == "lstm" else h0)
    assert rel_error(forward(**a)[0], out.detach().numpy()) < 1e-12


# --- the other layers -----------------------------------------------------------------

@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (2, 3, 4, 5), (3, 5, 6, 2)], ids=str)
def test_temporal_affine_agrees_with_torch(shape):
    N, T, H, M = shape
    r = RandomArrays(0)
    inputs = dict(h=r.randn(N, T, H), W=r.randn(H, M), b=r.randn(M))
    errors = compare_with_torch(S.temporal_affine_forward, S.temporal_affine_backward,
                                lambda h, W, b: h @ W + b, inputs)
    assert_below(errors, 1e-9)


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (2, 3, 5, 4), (4, 2, 3, 6)], ids=str)
def test_embedding_agrees_with_torch(shape):
    N, T, V, D = shape
    r = RandomArrays(0)
    inputs = dict(idx=r.ints(V, N, T), W=r.randn(V, D))
    errors = compare_with_torch(S.embedding_forward, S.embedding_backward, torch.nn.functional.embedding, inputs)
    assert_below(errors, 1e-9)


@pytest.mark.parametrize("mask_kind", ["none", "bool"])
@pytest.mark.parametrize("shape", [(1, 1, 1), (1, 1, 2), (2, 3, 4), (3, 5, 7)], ids=str)
def test_softmax_loss_agrees_with_torch_cross_entropy(shape, mask_kind):
    F = torch.nn.functional
    N, T, V = shape
    scores, y, mask = loss_inputs(*shape, mask_kind)
    loss, dscores = S.temporal_softmax_loss(scores, y, mask)
    # Two torch formulations: per-position losses times the mask, and ignore_index.
    s1 = torch.tensor(scores, requires_grad=True)
    m = torch.ones(N, T, dtype=torch.float64) if mask is None else torch.from_numpy(mask).double()
    l1 = (F.cross_entropy(s1.reshape(N * T, V), torch.from_numpy(y).reshape(N * T), reduction="none")
          * m.reshape(N * T)).sum() / N
    l1.backward()
    s2 = torch.tensor(scores, requires_grad=True)
    y2 = torch.from_numpy(np.where(mask if mask is not None else True, y, -100))
    l2 = F.cross_entropy(s2.reshape(N * T, V), y2.reshape(N * T), ignore_index=-100, reduction="sum") / N
    l2.backward()
    for lt, st in [(l1, s1), (l2, s2)]:
        assert rel_error(loss, lt.item()) < 1e-9
        assert rel_error(dscores, st.grad.numpy()) < 1e-9


def test_clip_agrees_with_torch():
    r = RandomArrays(3)
    grads = [r.randn(5, 4, scale=3.0), r.randn(4), r.randn(2, 3, 2)]
    params = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = torch.from_numpy(g.copy())
    torch_total = torch.nn.utils.clip_grad_norm_(params, max_norm=2.5)
    clipped, total = S.clip_grad_norm(grads, 2.5)
    assert rel_error(total, torch_total.item()) < 1e-14
    for c, p in zip(clipped, params):
        assert rel_error(c, p.grad.numpy()) < 1e-6     # torch divides by (norm + 1e-6)
