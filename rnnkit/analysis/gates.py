"""Looking inside gated cells: per-step gate activations and state-to-state Jacobians.

Both functions take a trained or fresh one-layer ``torch.nn`` module, copy its weights
into the scratch layout with :func:`rnnkit.scratch.params_from_torch` (gate order
i, f, o, g for the LSTM; r, z, n for the GRU) and run the scratch step functions in
float64, so every intermediate value is there to look at:

    trace = lstm_gate_trace(model.rnn, x)          # trace["f"]: (N, T, H) forget gates
    logn = state_jacobian_log10_norms(lstm, x[0])  # log10 ||dc_T/dc_{T-k}||_2, k = 0..T

The gates are read from :func:`rnnkit.scratch.lstm_step_forward`'s cache, and the
Jacobians come from the scratch step backward functions: nothing here writes the
equations a second time.
"""
from __future__ import annotations

import numpy as np

from rnnkit.checks import float_array
from rnnkit.scratch import (gru_step_backward, gru_step_forward, lstm_step_backward, lstm_step_forward,
                            params_from_torch, rnn_step_backward, rnn_step_forward)

KINDS = ("RNN", "LSTM", "GRU")      # the torch.nn module classes these functions read


def _params64(module, kinds):
    """The module's weights in scratch layout, float64; ``ValueError`` for another module."""
    kind = type(module).__name__
    if kind not in kinds or not type(module).__module__.startswith("torch.nn"):
        names = " or ".join(f"torch.nn.{k}" for k in kinds)
        raise ValueError(f"module must be a {names}, got {kind}")
    return kind, {k: v.astype(np.float64) for k, v in params_from_torch(module).items()}


def _inputs64(x, shape, D):
    """``x`` (numpy array or tensor) as a finite float64 array of the symbolic ``shape``."""
    if type(x).__module__.startswith("torch"):
        x = x.detach().cpu().numpy()
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        x = x.astype(np.float64)
    return float_array("x", x, shape, {"D": D})


def lstm_gate_trace(lstm, x):
    """Gate activations of a one-layer ``nn.LSTM`` at every step, from h_0 = c_0 = 0.

        a_t = x_t Wx + h_{t-1} Wh + b = [a_i | a_f | a_o | a_g]
        i_t, f_t, o_t = σ(a_i), σ(a_f), σ(a_o);   g_t = tanh(a_g)
        c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t;          h_t = o_t ⊙ tanh(c_t)

    Parameters
    ----------
    lstm : torch.nn.LSTM (num_layers=1, unidirectional; batch_first does not matter)
    x : (N, T, D) inputs, batch first (numpy array or tensor)

    Returns
    -------
    dict of float64 numpy arrays, each (N, T, H): "i", "f", "o", "g", "c", "h"
    (index t-1 holds step t; "h" equals the module's output up to float32 rounding)
    """
    _, p = _params64(lstm, ("LSTM",))
    x = _inputs64(x, ("N", "T", "D"), p["Wx"].shape[0])
    N, T, _ = x.shape
    H = p["Wh"].shape[0]
    h, c = np.zeros((N, H)), np.zeros((N, H))
    out = {k: np.empty((N, T, H)) for k in ("i", "f", "o", "g", "c", "h")}
    for t in range(T):
        h, c, cache = lstm_step_forward(x[:, t], h, c, p["Wx"], p["Wh"], p["b"])
        i, f, o, g = cache[6:10]                 # the cache holds (..., i, f, o, g, tanh_c)
        for k, v in (("i", i), ("f", f), ("o", o), ("g", g), ("c", c), ("h", h)):
            out[k][:, t] = v
    return out


def _run(kind, p, x, H):
    """Run the recurrence on H identical copies of ``x`` (T, D); the caches of every step."""
    X = np.broadcast_to(x[:, None, :], (x.shape[0], H, x.shape[1]))
    h, c, caches = np.zeros((H, H)), np.zeros((H, H)), []
    for x_t in X:
        x_t = np.ascontiguousarray(x_t)
        if kind == "LSTM":
            h, c, cache = lstm_step_forward(x_t, h, c, p["Wx"], p["Wh"], p["b"])
        elif kind == "GRU":
            h, cache = gru_step_forward(x_t, h, p["Wx"], p["Wh"], p["bx"], p["bh"])
        else:
            h, cache = rnn_step_forward(x_t, h, p["Wx"], p["Wh"], p["b"])
        caches.append(cache)
    return caches


def state_jacobians(module, x):
    """The Jacobians ∂s_T/∂s_{T-k}, k = 0..T, of the memory state, by backpropagation (float64).

    The memory state s is the cell state c for an LSTM and the hidden state h for an RNN
    or a GRU; the recurrence starts from zeros. Each Jacobian is the full one, every path
    from s_{T-k} to s_T included (for the LSTM also the paths through h and the gates).
    All of them come from one backward pass of the scratch step functions: the sequence
    runs as a batch of H identical copies, and copy j starts backpropagation from the
    j-th unit vector at s_T, so row j of the gradient reaching s_t is row j of ∂s_T/∂s_t.

    Parameters
    ----------
    module : one-layer torch.nn.RNN (tanh), torch.nn.LSTM or torch.nn.GRU
    x : (T, D) one input sequence, T >= 1

    Returns
    -------
    (T+1, H, H) float64 array; entry k is ∂s_T/∂s_{T-k} (entry 0 is the identity)
    """
    kind, p = _params64(module, KINDS)
    x = _inputs64(x, ("T", "D"), p["Wx"].shape[0])
    if x.shape[0] < 1:
        raise ValueError("x must have at least one time step (shape (T, D) with T >= 1)")
    H = p["Wh"].shape[0]
    caches = _run(kind, p, x, H)
    T = len(caches)
    J = np.empty((T + 1, H, H))
    J[0] = ds = np.eye(H)
    dh = np.zeros((H, H))
    for k in range(1, T + 1):
        cache = caches[T - k]
        if kind == "LSTM":
            # ds: the gradient reaching c_{T-k} directly. c_{T-k} also reaches the future
            # through h_{T-k} = o ⊙ tanh(c_{T-k}) (not for k = T: h_0 = 0 is given), which
            # lstm_step_backward adds itself when it goes on with (dh, ds).
            _, dh, ds = lstm_step_backward(dh, ds, cache)[:3]
            J[k] = ds
            if k < T:
                o, tanh_c = caches[T - k - 1][8], caches[T - k - 1][10]
                J[k] = ds + dh * o * (1.0 - tanh_c ** 2)
        elif kind == "GRU":
            J[k] = ds = gru_step_backward(ds, cache)[1]
        else:
            J[k] = ds = rnn_step_backward(ds, cache)[1]
    return J


def state_jacobian_log10_norms(module, x):
    """log10 of the spectral norm of ∂s_T/∂s_{T-k} for k = 0..T.

    Takes the arguments of :func:`state_jacobians`: a one-layer ``torch.nn.RNN``,
    ``LSTM`` or ``GRU`` and one input sequence x (T, D).

    Returns
    -------
    (T+1,) float numpy array; entry k is log10 ||∂s_T/∂s_{T-k}||_2 (entry 0 is 0, the
    identity); -inf where the Jacobian is exactly zero
    """
    norms = np.linalg.norm(state_jacobians(module, x), ord=2, axis=(1, 2))
    with np.errstate(divide="ignore"):
        return np.log10(norms)


def forget_product_log10(f):
    """log10 ||∏_{j=T-k+1}^{T} diag(f_j)||_2 = log10 max_u ∏ f_j[u], for k = 0..T.

    This is the Jacobian of the additive path alone, c_T ← c_{T-k} through the forget
    gates with everything else held fixed.

    Parameters
    ----------
    f : (T, H) forget-gate activations of one sequence, values in (0, 1]

    Returns
    -------
    (T+1,) numpy array, entry 0 is 0 (the empty product)
    """
    f = np.asarray(f, dtype=np.float64)
    if f.ndim != 2 or not np.all((f > 0) & (f <= 1)):
        raise ValueError(f"f must have shape (T, H) with values in (0, 1], got shape {f.shape}")
    logs = np.cumsum(np.log10(f[::-1]), axis=0)          # row k-1: sum over the last k steps
    return np.concatenate([[0.0], logs.max(axis=1)])
