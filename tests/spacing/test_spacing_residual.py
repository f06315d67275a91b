"""SpacingModel(residual=...): the plain stack is as it was, the residual one is the equation."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rnnkit.spacing.model import SpacingModel, count_parameters  # noqa: E402

IDS = torch.tensor([[0, 3, 5, 7, 1, 11, 0], [0, 2, 2, 9, 0, 0, 0]])


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    """One torch thread: reproducible and fast for tiny models (tests/conftest.py)."""


def test_residual_false_gives_the_outputs_of_the_model_before_the_option():
    """Logits recorded with the code before ``residual`` existed (same seed, same sizes)."""
    torch.manual_seed(0)
    m = SpacingModel(12, embed=5, hidden=4, num_layers=2).eval()
    assert m.config["residual"] is False and not hasattr(m, "layers")
    assert list(m.state_dict())[:3] == ["embedding.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0"]
    with torch.no_grad():
        z, zp = m(IDS), m(IDS, [7, 5])
    np.testing.assert_allclose(z[0, [0, 3, 6]].numpy(), [0.12639466, 0.13728975, 0.17463511], atol=2e-6)
    np.testing.assert_allclose(zp[1, [0, 3, 4]].numpy(), [0.12662128, 0.16807152, 0.17916219], atol=2e-6)
    torch.manual_seed(0)
    g = SpacingModel(12, embed=5, hidden=4, num_layers=3, dropout=0.3, cell="gru", bidirectional=False).train()
    torch.manual_seed(1)                                  # the dropout masks, as before
    with torch.no_grad():
        z = g(IDS)
    np.testing.assert_allclose(z[0, [0, 4]].numpy(), [0.12873471, -0.28204805], atol=2e-6)
    np.testing.assert_allclose(z[1, [1, 6]].numpy(), [0.12127900, 0.27999082], atol=2e-6)


def test_residual_layers_hold_the_same_weights_as_the_plain_stack():
    """Same seed, same initial parameters in the same order: only their names differ."""
    torch.manual_seed(3)
    plain = SpacingModel(12, embed=5, hidden=4, num_layers=3)
    torch.manual_seed(3)
    res = SpacingModel(12, embed=5, hidden=4, num_layers=3, residual=True)
    assert count_parameters(res) == count_parameters(plain) and len(res.layers) == 3
    a, b = plain.state_dict(), res.state_dict()
    assert len(a) == len(b)
    for name, v in a.items():
        if name.startswith("rnn."):                   # rnn.weight_hh_l2_reverse -> layers.2.weight_hh_l0_reverse
            kind, layer = name[4:].split("_l")[0], name.split("_l")[-1]
            k, rev = layer.split("_")[0], "_reverse" if layer.endswith("reverse") else ""
            name = f"layers.{k}.{kind}_l0{rev}"
        assert torch.equal(b[name], v), name


def _tanh_rnn(x, w_ih, w_hh, b):
    """h_t = tanh(W_ih x_t + W_hh h_{t-1} + b), h_0 = 0, for x (T, D): the loop by hand."""
    h, out = np.zeros(w_hh.shape[0]), []
    for x_t in x:
        h = np.tanh(w_ih @ x_t + w_hh @ h + b)
        out.append(h)
    return np.array(out)


def test_residual_forward_is_the_equation_computed_by_hand():
    torch.manual_seed(5)
    m = SpacingModel(12, embed=3, hidden=4, num_layers=3, bidirectional=False, cell="rnn",
                     residual=True).eval()
    ids = IDS[0]
    p = {k: v.double().numpy() for k, v in m.state_dict().items()}
    e = p["embedding.weight"][ids.numpy()]                                   # (T, 3)

    def layer(k, x):
        return _tanh_rnn(x, p[f"layers.{k}.weight_ih_l0"], p[f"layers.{k}.weight_hh_l0"],
                         p[f"layers.{k}.bias_ih_l0"] + p[f"layers.{k}.bias_hh_l0"])

    h1 = layer(0, e)                                  # (T, 4), no skip: 3 != 4
    h2 = layer(1, h1) + h1
    h3 = layer(2, h2) + h2
    z = h3 @ p["head.weight"][0] + p["head.bias"][0]
    with torch.no_grad():
        got = m(ids[None])[0].double().numpy()
    np.testing.assert_allclose(got, z, rtol=1e-5, atol=1e-6)
    # and not the plain stack: the skip terms are not small
    plain = layer(2, layer(1, h1)) @ p["head.weight"][0] + p["head.bias"][0]
    assert np.abs(got - plain).max() > 0.05


def test_residual_logits_differ_from_the_plain_ones_by_the_skip_term():
    """Two bidirectional LSTM layers with the same weights: z_res - z_plain = w · h^1."""
    torch.manual_seed(7)
    plain = SpacingModel(12, embed=5, hidden=4, num_layers=2).eval()
    torch.manual_seed(7)
    res = SpacingModel(12, embed=5, hidden=4, num_layers=2, residual=True).eval()
    with torch.no_grad():
        h1 = res.layers[0](res.embedding(IDS))[0]                          # (N, T, 8)
        skip = h1 @ res.head.weight[0]
        torch.testing.assert_close(res(IDS) - plain(IDS), skip, rtol=1e-4, atol=1e-6)


def test_residual_with_padding_matches_each_sequence_alone():
    torch.manual_seed(2)
    m = SpacingModel(12, embed=4, hidden=3, num_layers=3, residual=True, cell="gru").eval()
    seqs = [[1, 2, 3, 4, 5], [6, 7], [8, 1, 2]]
    ids = torch.zeros(3, 5, dtype=torch.int64)
    for r, s in enumerate(seqs):
        ids[r, :len(s)] = torch.tensor(s)
    with torch.no_grad():
        packed = m(ids, [5, 2, 3])
        for r, s in enumerate(seqs):
            torch.testing.assert_close(packed[r, :len(s)], m(torch.tensor([s]))[0], rtol=1e-5, atol=1e-6)


def test_one_layer_residual_is_the_plain_layer():
    torch.manual_seed(4)
    plain = SpacingModel(12, embed=5, hidden=4, num_layers=1).eval()
    torch.manual_seed(4)
    res = SpacingModel(12, embed=5, hidden=4, num_layers=1, residual=True).eval()
    with torch.no_grad():
        assert torch.equal(plain(IDS), res(IDS))


def test_residual_dropout_is_on_the_layer_inputs_not_on_the_skip_path():
    """Training mode: h^2 = RNN_2(D(h^1)) + h^1, with the masks drawn in the order of the equation."""
    torch.manual_seed(6)
    m = SpacingModel(12, embed=5, hidden=4, num_layers=2, dropout=0.5, residual=True).train()
    drop = torch.nn.functional.dropout
    with torch.no_grad():
        torch.manual_seed(11)
        got = m(IDS)
        torch.manual_seed(11)
        h1 = m.layers[0](drop(m.embedding(IDS), 0.5))[0]
        h2 = m.layers[1](drop(h1, 0.5))[0] + h1
        want = m.head(drop(h2, 0.5)).squeeze(-1)
        torch.testing.assert_close(got, want, rtol=0, atol=0)
        assert not torch.allclose(got, m.eval()(IDS), atol=1e-3)      # dropout did act
