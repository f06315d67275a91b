"""Copy weights between the scratch layers and ``torch.nn.RNN/LSTM/GRU``.

:func:`params_from_torch` / :func:`params_to_torch` convert one forward layer (a module
with num_layers=1); :func:`stack_from_torch` / :func:`stack_to_torch` convert every layer
and direction of any module, as the list that :mod:`rnnkit.scratch.stack` takes, in
PyTorch's order ``_l0``, ``_l0_reverse``, ``_l1``, ``_l1_reverse``, ...

torch is imported inside the functions, so ``import rnnkit.scratch`` stays numpy-only.

Layouts. PyTorch stores weights for column vectors, ``weight_ih_l0`` (G·H, D) and
``weight_hh_l0`` (G·H, H), and computes ``x W_ihᵀ + b_ih + h W_hhᵀ + b_hh``; the scratch
layers use row vectors, ``x Wx + h Wh + b`` with ``Wx`` (D, G·H) and ``Wh`` (H, G·H).
So ``Wx = weight_ih_l0ᵀ`` and ``Wh = weight_hh_l0ᵀ``, after reordering the gate blocks:

    module      G   torch row blocks      scratch column blocks
    nn.RNN      1   (tanh only)           -
    nn.LSTM     4   i, f, g, o            i, f, o, g      (g and o swapped)
    nn.GRU      3   r, z, n               r, z, n         (same order)

Biases. The RNN and LSTM only ever use ``b_ih + b_hh``, so the scratch layers keep one
``b``. Going back, :func:`params_to_torch` puts all of ``b`` into ``bias_ih_l0`` and sets
``bias_hh_l0`` to zero: the module computes the same function, but a round trip
torch -> scratch -> torch adds the two biases in a different order, so outputs may
differ in the last bit (about 1e-7 in float32). The GRU needs both biases separately,
because ``b_hn`` sits inside ``r ⊙ (h W_hn + b_hn)``; its round trip is exact.
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import float_array

_LSTM_BLOCKS = [0, 1, 3, 2]   # torch (i, f, g, o) <-> scratch (i, f, o, g); its own inverse


def _describe(module, stack=False):
    """Return (kind, number of gate blocks) of a supported module, else raise ValueError.

    ``stack=False`` (params_from_torch / params_to_torch) also requires a single
    forward layer; ``stack=True`` (stack_from_torch / stack_to_torch) accepts any
    num_layers and either direction setting.
    """
    import torch

    if isinstance(module, torch.nn.LSTM):
        kind, blocks = "LSTM", 4
    elif isinstance(module, torch.nn.GRU):
        kind, blocks = "GRU", 3
    elif isinstance(module, torch.nn.RNN):
        kind, blocks = "RNN", 1
        if module.nonlinearity != "tanh":
            raise ValueError(f"module must be an nn.RNN with nonlinearity='tanh' (the scratch RNN "
                             f"uses tanh), got nonlinearity={module.nonlinearity!r}")
    else:
        raise ValueError("module must be a torch.nn.RNN, torch.nn.LSTM or torch.nn.GRU, "
                         f"got {type(module).__name__}")
    if not stack and module.num_layers != 1:
        raise ValueError(f"module must have num_layers=1 (the scratch layers are single-layer; "
                         f"use stack_from_torch / stack_to_torch for a stack), "
                         f"got num_layers={module.num_layers}")
    if not stack and module.bidirectional:
        raise ValueError("module must not be bidirectional (the scratch layers run forward only; "
                         "use stack_from_torch / stack_to_torch), got bidirectional=True")
    if getattr(module, "proj_size", 0):
        raise ValueError(f"module must have proj_size=0 (the scratch LSTM has no projection), "
                         f"got proj_size={module.proj_size}")
    if module.weight_ih_l0.dtype not in (torch.float32, torch.float64):
        raise ValueError(f"module parameters must be float32 or float64, got {module.weight_ih_l0.dtype}")
    return kind, blocks


def _suffixes(module):
    """PyTorch's parameter-name suffixes in h_n order: "_l0", "_l0_reverse", "_l1", ..."""
    directions = ["", "_reverse"] if module.bidirectional else [""]
    return [f"_l{k}{d}" for k in range(module.num_layers) for d in directions]


def _reorder(a, kind, H):
    """Swap the g and o blocks along axis 0 for the LSTM (the same map in both directions)."""
    if kind != "LSTM":
        return a
    return a.reshape(4, H, *a.shape[1:])[_LSTM_BLOCKS].reshape(a.shape)


def _numpy(t):
    """A numpy copy of a tensor (never a view of the module's memory)."""
    return t.detach().cpu().numpy().copy()


def params_from_torch(module):
    """Scratch-layout copies of the weights of a single-layer nn.RNN, nn.LSTM or nn.GRU.

    Parameters
    ----------
    module : torch.nn.RNN (tanh), torch.nn.LSTM or torch.nn.GRU with num_layers=1,
        bidirectional=False (and proj_size=0); batch_first does not matter.

    Returns
    -------
    dict of numpy arrays, dtype of the module (float32 or float64), G = 1, 4, 3:
        RNN, LSTM: "Wx" (D, G·H), "Wh" (H, G·H), "b" (G·H,) = bias_ih + bias_hh
        GRU:       "Wx" (D, 3H), "Wh" (H, 3H), "bx" (3H,) = bias_ih, "bh" (3H,) = bias_hh
    Columns are in scratch gate order (LSTM i, f, o, g; GRU r, z, n). A module built
    with bias=False gives zero biases.
    """
    kind, _ = _describe(module)
    return _layer_from_torch(module, kind, "_l0")


def _layer_from_torch(module, kind, suffix):
    """Scratch-layout copies of the weights named ``weight_ih{suffix}`` etc."""
    H = module.hidden_size
    W_ih = _numpy(getattr(module, "weight_ih" + suffix))
    W_hh = _numpy(getattr(module, "weight_hh" + suffix))
    if module.bias:
        b_ih = _numpy(getattr(module, "bias_ih" + suffix))
        b_hh = _numpy(getattr(module, "bias_hh" + suffix))
    else:
        b_ih = b_hh = np.zeros(W_ih.shape[0], W_ih.dtype)
    params = {"Wx": np.ascontiguousarray(_reorder(W_ih, kind, H).T),
              "Wh": np.ascontiguousarray(_reorder(W_hh, kind, H).T)}
    if kind == "GRU":
        params["bx"], params["bh"] = b_ih, b_hh
    else:
        params["b"] = _reorder(b_ih + b_hh, kind, H)
    return params


def params_to_torch(params, module):
    """Copy scratch-layout weights into a single-layer nn.RNN, nn.LSTM or nn.GRU, in place.

    The inverse of :func:`params_from_torch`: ``weight_ih_l0 = Wxᵀ``, ``weight_hh_l0 = Whᵀ``
    with the gate blocks put back in PyTorch's order. For the RNN and LSTM the single
    bias goes into ``bias_ih_l0`` and ``bias_hh_l0`` is set to zero (same function; see
    the module docstring). For the GRU, ``bias_ih_l0 = bx`` and ``bias_hh_l0 = bh``.

    Parameters
    ----------
    params : dict with "Wx" (D, G·H), "Wh" (H, G·H) and "b" (G·H,) for RNN/LSTM, or
        "bx", "bh" (3H,) for the GRU; float32 or float64 numpy arrays (converted to the
        module's dtype). D and H must match the module's input_size and hidden_size.
        Other keys are ignored.
    module : the torch module to overwrite (see :func:`params_from_torch`)

    Returns
    -------
    module, for chaining
    """
    kind, blocks = _describe(module)
    values = _layer_values(params, "params", module, kind, blocks, module.input_size)
    _write_layer(module, kind, "_l0", values)
    return module


def _layer_values(params, name, module, kind, blocks, D):
    """Validate one layer-direction's scratch weights; the torch-layout arrays to write.

    Returns [weight_ih, weight_hh, bias_ih, bias_hh] as numpy arrays in PyTorch's row
    layout and gate order (for the RNN and LSTM, bias_ih = b and bias_hh = 0).
    """
    if not isinstance(params, dict):
        raise ValueError(f"{name} must be a dict of numpy arrays, got {type(params).__name__}")
    names = ["Wx", "Wh", "bx", "bh"] if kind == "GRU" else ["Wx", "Wh", "b"]
    for key in names:
        if key not in params:
            raise ValueError(f"{name} must have the keys {names} for an nn.{kind}, "
                             f"{name}[{key!r}] is missing")
    dims = {"D": D, "H": module.hidden_size}
    GH = f"{blocks}H" if blocks > 1 else "H"
    Wx = float_array(f"{name}['Wx']", params["Wx"], ("D", GH), dims)
    Wh = float_array(f"{name}['Wh']", params["Wh"], ("H", GH), dims, dtype=Wx.dtype)
    biases = [float_array(f"{name}[{key!r}]", params[key], (GH,), dims, dtype=Wx.dtype)
              for key in names[2:]]
    if not module.bias and any(np.any(b != 0) for b in biases):
        raise ValueError(f"module was built with bias=False, so {name}'s biases must be zero")
    if kind != "GRU":
        biases = [biases[0], np.zeros_like(biases[0])]       # b -> bias_ih, 0 -> bias_hh
    H = module.hidden_size
    return [np.ascontiguousarray(_reorder(v, kind, H)) for v in [Wx.T, Wh.T] + biases]


def _write_layer(module, kind, suffix, values):
    """Copy validated torch-layout arrays into ``weight_ih{suffix}`` etc., in place."""
    import torch

    names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if module.bias else [])
    with torch.no_grad():
        for pname, value in zip(names, values):
            getattr(module, pname + suffix).copy_(torch.from_numpy(value))


def stack_from_torch(module):
    """Scratch-layout weights of every layer and direction of an nn.RNN, nn.LSTM or nn.GRU.

    For :func:`~rnnkit.scratch.stacked_forward`. Any ``num_layers``, either
    ``bidirectional``; batch_first does not matter, nor ``dropout`` (the scratch stack
    has none: it matches the module in ``eval()`` mode).

    Returns
    -------
    list of num_layers · dirs dicts (as :func:`params_from_torch` returns for one layer),
    in the order of PyTorch's ``h_n``: index k · dirs + d holds the weights named
    ``weight_ih_l{k}`` (d = 0) or ``weight_ih_l{k}_reverse`` (d = 1), and so on. Layer 0
    has ``Wx`` (input_size, G·H); the layers above read both directions, (dirs·H, G·H).
    """
    kind, _ = _describe(module, stack=True)
    return [_layer_from_torch(module, kind, suffix) for suffix in _suffixes(module)]


def stack_to_torch(params, module):
    """Copy a list of scratch-layout weights (see :func:`stack_from_torch`) into the module.

    Every entry is checked before anything is written, so a bad list leaves the module
    as it was. Biases are handled as in :func:`params_to_torch`. Returns the module.
    """
    kind, blocks = _describe(module, stack=True)
    suffixes = _suffixes(module)
    if not isinstance(params, (list, tuple)) or len(params) != len(suffixes):
        got = f"{len(params)} entries" if isinstance(params, (list, tuple)) else type(params).__name__
        raise ValueError(f"params must be a list of num_layers * directions = {len(suffixes)} dicts "
                         f"(order {', '.join(suffixes[:3])}{', ...' if len(suffixes) > 3 else ''}), got {got}")
    dirs = 2 if module.bidirectional else 1
    values = [_layer_values(p, f"params[{j}]", module, kind, blocks,
                            module.input_size if j < dirs else dirs * module.hidden_size)
              for j, p in enumerate(params)]
    for suffix, v in zip(suffixes, values):
        _write_layer(module, kind, suffix, v)
    return module
