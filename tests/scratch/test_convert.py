"""params_from_torch / params_to_torch for single-layer nn.RNN, nn.LSTM and nn.GRU (needs torch)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from helpers import RandomArrays
from rnnkit.scratch import (gru_forward, lstm_forward, params_from_torch, params_to_torch, rel_error,
                            rnn_forward)

D, H = 3, 4
KINDS = {"RNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}
DTYPES = {"float32": torch.float32, "float64": torch.float64}


def make(kind, dtype=torch.float64, seed=0, **kwargs):
    torch.manual_seed(seed)
    module = KINDS[kind](D, H, **kwargs).to(dtype)
    with torch.no_grad():                     # biases as large as the weights, none zero
        for p in module.parameters():
            p.uniform_(-0.8, 0.8)
    return module


def run(module, x, h0):
    """Module output for batch-first numpy x (N, T, D) and h0 (N, H), as batch-first numpy."""
    xt = torch.from_numpy(x if module.batch_first else x.transpose(1, 0, 2).copy())
    h0t = torch.from_numpy(h0[None].copy())
    with torch.no_grad():
        out, _ = module(xt, (h0t, torch.zeros_like(h0t)) if isinstance(module, torch.nn.LSTM) else h0t)
    out = out.numpy()
    return out if module.batch_first else out.transpose(1, 0, 2)


def data(dtype, N=2, T=5):
    r = RandomArrays(1, np.float32 if dtype == torch.float32 else np.float64)
    return r.randn(N, T, D), r.randn(N, H)


# --- layout ---------------------------------------------------------------------------

def test_lstm_layout_swaps_the_g_and_o_blocks_and_transposes():
    m = make("LSTM")
    p = params_from_torch(m)
    W_ih, W_hh = m.weight_ih_l0.detach().numpy(), m.weight_hh_l0.detach().numpy()
    b = (m.bias_ih_l0 + m.bias_hh_l0).detach().numpy()
    assert p.keys() == {"Wx", "Wh", "b"}
    assert p["Wx"].shape == (D, 4 * H) and p["Wh"].shape == (H, 4 * H) and p["b"].shape == (4 * H,)
    torch_block = {"i": 0, "f": 1, "g": 2, "o": 3}                 # nn.LSTM row blocks
    for k, gate in enumerate("ifog"):                                # scratch column blocks
        rows = slice(torch_block[gate] * H, (torch_block[gate] + 1) * H)
        cols = slice(k * H, (k + 1) * H)
        assert np.array_equal(p["Wx"][:, cols], W_ih[rows].T)
        assert np.array_equal(p["Wh"][:, cols], W_hh[rows].T)
        assert np.array_equal(p["b"][cols], b[rows])


def test_gru_layout_keeps_r_z_n_and_both_biases():
    m = make("GRU")
    p = params_from_torch(m)
    assert p.keys() == {"Wx", "Wh", "bx", "bh"}
    assert np.array_equal(p["Wx"], m.weight_ih_l0.detach().numpy().T)
    assert np.array_equal(p["Wh"], m.weight_hh_l0.detach().numpy().T)
    assert np.array_equal(p["bx"], m.bias_ih_l0.detach().numpy())
    assert np.array_equal(p["bh"], m.bias_hh_l0.detach().numpy())


def test_rnn_layout_transposes_and_sums_the_biases():
    m = make("RNN")
    p = params_from_torch(m)
    assert p.keys() == {"Wx", "Wh", "b"}
    assert np.array_equal(p["Wx"], m.weight_ih_l0.detach().numpy().T)
    assert np.array_equal(p["Wh"], m.weight_hh_l0.detach().numpy().T)
    assert np.array_equal(p["b"], (m.bias_ih_l0 + m.bias_hh_l0).detach().numpy())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
def test_arrays_are_contiguous_copies_in_the_module_dtype(kind, dtype):
    m = make(kind, DTYPES[dtype])
    before = [q.detach().clone() for q in m.parameters()]
    p = params_from_torch(m)
    for a in p.values():
        assert a.dtype == np.dtype(dtype) and a.flags.c_contiguous and a.flags.writeable
        a[...] = 0
    assert all(torch.equal(q, q0) for q, q0 in zip(m.parameters(), before))


# --- the scratch layers compute what the modules compute ----------------------------------

@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("kind", KINDS)
def test_scratch_forward_matches_the_module(kind, batch_first):
    m = make(kind, batch_first=batch_first)
    p = params_from_torch(m)
    x, h0 = data(torch.float64)
    if kind == "GRU":
        h, _ = gru_forward(x, h0, p["Wx"], p["Wh"], p["bx"], p["bh"])
    else:
        h, _ = (lstm_forward if kind == "LSTM" else rnn_forward)(x, h0, p["Wx"], p["Wh"], p["b"])
    assert rel_error(h, run(m, x, h0)) < 1e-12


# --- round trips ----------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
def test_torch_to_scratch_to_torch(kind, dtype):
    """Weights come back bit for bit. The GRU's outputs are identical; the RNN and LSTM
    move bias_hh into bias_ih, so the module adds the same numbers in another order and
    the outputs may differ in the last bit (measured here, and zero once bias_hh is 0)."""
    dt = DTYPES[dtype]
    m = make(kind, dt, seed=0)
    m2 = params_to_torch(params_from_torch(m), make(kind, dt, seed=1))
    assert torch.equal(m2.weight_ih_l0, m.weight_ih_l0)
    assert torch.equal(m2.weight_hh_l0, m.weight_hh_l0)
    x, h0 = data(dt)
    diff = np.abs(run(m2, x, h0) - run(m, x, h0)).max()
    if kind == "GRU":
        assert torch.equal(m2.bias_ih_l0, m.bias_ih_l0) and torch.equal(m2.bias_hh_l0, m.bias_hh_l0)
        assert diff == 0
    else:
        assert torch.equal(m2.bias_ih_l0, m.bias_ih_l0 + m.bias_hh_l0)
        assert not m2.bias_hh_l0.any()
        assert diff <= 8 * np.finfo(dtype).eps
        with torch.no_grad():                  # all bias in bias_ih already: exact
            m.bias_ih_l0 += m.bias_hh_l0
            m.bias_hh_l0.zero_()
        m3 = params_to_torch(params_from_torch(m), make(kind, dt, seed=2))
        assert np.array_equal(run(m3, x, h0), run(m, x, h0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", KINDS)
def test_scratch_to_torch_to_scratch_is_exact(kind, dtype):
    G = {"RNN": 1, "LSTM": 4, "GRU": 3}[kind]
    r = RandomArrays(4, dtype)
    p = {"Wx": r.randn(D, G * H), "Wh": r.randn(H, G * H)}
    p.update({"bx": r.randn(G * H), "bh": r.randn(G * H)} if kind == "GRU" else {"b": r.randn(G * H)})
    module = make(kind, torch.float32 if dtype == np.float32 else torch.float64)
    assert params_to_torch(p, module) is module
    back = params_from_torch(module)
    assert back.keys() == p.keys()
    assert all(np.array_equal(back[k], p[k]) and back[k].dtype == dtype for k in p)


def test_params_to_torch_casts_to_the_module_dtype_and_ignores_other_keys():
    p = params_from_torch(make("LSTM", torch.float64))
    p["Wy"] = np.zeros((H, 7))
    m = params_to_torch(p, make("LSTM", torch.float32, seed=3))
    assert m.weight_ih_l0.dtype == torch.float32
    back = params_from_torch(m)
    assert all(np.array_equal(back[k], p[k].astype(np.float32)) for k in ("Wx", "Wh", "b"))


@pytest.mark.parametrize("kind", KINDS)
def test_modules_without_biases(kind):
    m = make(kind, bias=False)
    p = params_from_torch(m)
    for name in ("b",) if kind != "GRU" else ("bx", "bh"):
        assert p[name].shape == (({"RNN": 1, "LSTM": 4, "GRU": 3}[kind]) * H,) and not p[name].any()
    params_to_torch(p, make(kind, bias=False, seed=5))           # zero biases: fine
    bname = "b" if kind != "GRU" else "bx"
    p[bname] = p[bname] + 1.0
    with pytest.raises(ValueError, match=r"bias=False"):
        params_to_torch(p, make(kind, bias=False, seed=5))


# --- bad input ------------------------------------------------------------------------

BAD_MODULES = [
    (lambda: torch.nn.Linear(D, H), r"^module must be a torch.nn.RNN, torch.nn.LSTM or torch.nn.GRU, got Linear"),
    (lambda: torch.nn.LSTMCell(D, H), r"^module must be a torch.nn.RNN, torch.nn.LSTM or torch.nn.GRU, got LSTMCell"),
    (lambda: np.zeros((D, 4 * H)), r"^module must be a torch.nn.RNN, torch.nn.LSTM or torch.nn.GRU, got ndarray"),
    (lambda: torch.nn.LSTM(D, H, num_layers=2), r"^module must have num_layers=1 .* got num_layers=2"),
    (lambda: torch.nn.GRU(D, H, num_layers=3), r"^module must have num_layers=1 .* got num_layers=3"),
    (lambda: torch.nn.RNN(D, H, bidirectional=True), r"^module must not be bidirectional"),
    (lambda: torch.nn.LSTM(D, H, bidirectional=True), r"^module must not be bidirectional"),
    (lambda: torch.nn.LSTM(D, H, proj_size=2), r"^module must have proj_size=0 .* got proj_size=2"),
    (lambda: torch.nn.RNN(D, H, nonlinearity="relu"), r"^module must be an nn.RNN with nonlinearity='tanh'.* got nonlinearity='relu'"),
    (lambda: torch.nn.GRU(D, H).half(), r"^module parameters must be float32 or float64, got torch.float16"),
]


@pytest.mark.parametrize("make_module, match", BAD_MODULES, ids=[m[1:40] for _, m in BAD_MODULES])
def test_unsupported_modules_are_rejected_both_ways(make_module, match):
    module = make_module()
    with pytest.raises(ValueError, match=match):
        params_from_torch(module)
    params = {"Wx": np.zeros((D, 4 * H)), "Wh": np.zeros((H, 4 * H)), "b": np.zeros(4 * H)}
    with pytest.raises(ValueError, match=match):
        params_to_torch(params, module)


def _lstm_params():
    return params_from_torch(make("LSTM"))


BAD_PARAMS = [   # for an nn.LSTM(3, 4): Wx (3, 16), Wh (4, 16), b (16,)
    ("LSTM", lambda p: list(p.values()), r"^params must be a dict of numpy arrays, got list"),
    ("LSTM", lambda p: {k: v for k, v in p.items() if k != "b"},
     r"^params must have the keys \['Wx', 'Wh', 'b'\] for an nn.LSTM, params\['b'\] is missing"),
    ("GRU", lambda p: p, r"^params must have the keys \['Wx', 'Wh', 'bx', 'bh'\] for an nn.GRU, params\['bx'\] is missing"),
    ("LSTM", lambda p: p | {"Wx": np.zeros((5, 16))}, r"^params\['Wx'\] must have shape \(D, 4H\) = \(3, 16\), got \(5, 16\)"),
    ("LSTM", lambda p: p | {"Wx": np.zeros((3, 12))}, r"^params\['Wx'\] must have shape \(D, 4H\) = \(3, 16\), got \(3, 12\)"),
    ("RNN", lambda p: p | {"Wx": np.zeros((3, 16))}, r"^params\['Wx'\] must have shape \(D, H\) = \(3, 4\), got \(3, 16\)"),
    ("LSTM", lambda p: p | {"Wh": p["Wh"].T.copy()}, r"^params\['Wh'\] must have shape \(H, 4H\) = \(4, 16\), got \(16, 4\)"),
    ("LSTM", lambda p: p | {"b": np.zeros(12)}, r"^params\['b'\] must have shape \(4H\) = \(16,\), got \(12,\)"),
    ("LSTM", lambda p: p | {"Wh": p["Wh"].astype(np.float32)}, r"^params\['Wh'\] has dtype float32"),
    ("LSTM", lambda p: p | {"Wx": p["Wx"].tolist()}, r"^params\['Wx'\] must be a numpy array"),
    ("LSTM", lambda p: p | {"b": np.full(16, np.nan)}, r"^params\['b'\] contains NaN or infinity"),
]


@pytest.mark.parametrize("kind, corrupt, match", BAD_PARAMS, ids=[m[1:40] for _, _, m in BAD_PARAMS])
def test_params_to_torch_rejects_bad_params(kind, corrupt, match):
    module = make(kind)
    before = [q.detach().clone() for q in module.parameters()]
    with pytest.raises(ValueError, match=match):
        params_to_torch(corrupt(_lstm_params()), module)
    assert all(torch.equal(q, q0) for q, q0 in zip(module.parameters(), before))   # untouched

