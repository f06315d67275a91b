"""Gradient checks of every layer in :mod:`rnnkit.scratch`, one call each.

For a layer ``out = f(inputs)`` with a backward pass ``grads = backward(dout, cache)``,
the check draws a random upstream gradient ``dout`` and compares each analytic gradient
with the numerical gradient of ``sum(f(inputs) * dout)`` (float64, centred differences
refined by Richardson extrapolation, see :func:`richardson_gradient`), using
:func:`rnnkit.scratch.rel_error`. A correct layer scores around 1e-9 or below; a wrong
one scores around 1e-1 or above::

    >>> from rnnkit.analysis.gradcheck import check_all
    >>> rows = check_all()            # one dict per layer: name, errors per argument, max
    >>> all(r["max_error"] < 1e-7 for r in rows)
    True

:func:`check_stack` does the same for a stack of layers, bidirectional or not
(:func:`rnnkit.scratch.stacked_forward`, chapter 08), with a gradient for every weight of
every layer and direction.

:func:`torch_stack_agreement` compares that stack with a ``torch.nn.RNN/LSTM/GRU`` module
(its outputs, ``h_n`` and every gradient), through :func:`rnnkit.scratch.stack_from_torch`.

This is the one gradient-check layer: the chapters and the tests (``tests/scratch``,
``tests/test_layercheck.py``) both call it. It is built on the two primitives of
``rnnkit.scratch``, :func:`~rnnkit.scratch.numerical_gradient` and :func:`~rnnkit.scratch.rel_error`;
:func:`forward_backward` is the run it compares, also used to compare a layer with
PyTorch or with its fused or float32 twin.
"""
from __future__ import annotations

import math

import numpy as np

from rnnkit import scratch as S
from rnnkit.checks import check_generator


def _spec(name, N, T, D, H, V, rng):
    """Inputs, forward, backward and the names of the differentiable inputs of a layer."""
    r = lambda *shape: rng.standard_normal(shape)          # noqa: E731
    w = lambda *shape: rng.standard_normal(shape) * 0.4    # noqa: E731
    if name == "rnn_step":
        inputs = dict(x=r(N, D), h_prev=r(N, H), Wx=w(D, H), Wh=w(H, H), b=w(H))
        return inputs, S.rnn_step_forward, S.rnn_step_backward, list(inputs)
    if name == "rnn":
        inputs = dict(x=r(N, T, D), h0=r(N, H), Wx=w(D, H), Wh=w(H, H), b=w(H))
        return inputs, S.rnn_forward, S.rnn_backward, list(inputs)
    if name == "lstm_step":
        inputs = dict(x=r(N, D), h_prev=r(N, H), c_prev=r(N, H), Wx=w(D, 4 * H),
                      Wh=w(H, 4 * H), b=w(4 * H))
        return inputs, S.lstm_step_forward, S.lstm_step_backward, list(inputs)
    if name == "lstm":
        inputs = dict(x=r(N, T, D), h0=r(N, H), Wx=w(D, 4 * H), Wh=w(H, 4 * H), b=w(4 * H))
        return inputs, S.lstm_forward, S.lstm_backward, list(inputs)
    if name == "gru_step":
        inputs = dict(x=r(N, D), h_prev=r(N, H), Wx=w(D, 3 * H), Wh=w(H, 3 * H),
                      bx=w(3 * H), bh=w(3 * H))
        return inputs, S.gru_step_forward, S.gru_step_backward, list(inputs)
    if name == "gru":
        inputs = dict(x=r(N, T, D), h0=r(N, H), Wx=w(D, 3 * H), Wh=w(H, 3 * H),
                      bx=w(3 * H), bh=w(3 * H))
        return inputs, S.gru_forward, S.gru_backward, list(inputs)
    if name == "embedding":
        # repeated indices on purpose: their gradients must add up
        inputs = dict(idx=rng.integers(0, V, size=(N, T)), W=r(V, D))
        inputs["idx"][0, :2] = 1
        return inputs, S.embedding_forward, S.embedding_backward, ["W"]
    if name == "temporal_affine":
        inputs = dict(h=r(N, T, H), W=w(H, V), b=w(V))
        return inputs, S.temporal_affine_forward, S.temporal_affine_backward, list(inputs)
    raise ValueError(f"layer must be one of {LAYERS}, got {name!r}")


def richardson_gradient(f, x, h=1e-3):
    """Numerical gradient of a scalar ``f`` at ``x``, accurate to fourth order in ``h``.

    Two centred differences, ``g(h)`` and ``g(2h)`` from
    :func:`rnnkit.scratch.numerical_gradient`, have errors ``c h^2 + O(h^4)`` and
    ``4 c h^2 + O(h^4)``; ``(4 g(h) - g(2h)) / 3`` cancels the ``h^2`` term (Richardson
    extrapolation; it equals the five-point stencil). The larger step it allows
    (1e-3 rather than 1e-5) shrinks the rounding error ``~ eps |f| / h`` a hundredfold,
    which keeps CS231n's elementwise relative error of correct layers near 1e-9 even
    for the smallest gradient entries, instead of sometimes above 1e-7.
    """
    return (4 * S.numerical_gradient(f, x, h=h) - S.numerical_gradient(f, x, h=2 * h)) / 3


def forward_backward(forward, backward, inputs, rng):
    """One forward and one backward pass of a layer, with a random upstream gradient.

    ``forward(**inputs)`` returns the layer's outputs followed by its cache; for each
    output a standard-normal upstream gradient of its shape and dtype is drawn from
    ``rng`` (an integer seed or a numpy Generator), and ``backward(*douts, cache)`` is
    called. Returns ``(outs, douts, grads)``, with ``grads`` always a tuple. This is the
    run that :func:`check_layer` compares with numerical gradients; the tests also use it
    to compare a layer with PyTorch or with itself in float32.
    """
    rng = check_generator("rng", rng)
    *outs, cache = forward(**inputs)
    douts = [rng.standard_normal(np.shape(o)).astype(o.dtype) for o in outs]
    grads = backward(*douts, cache)
    return outs, douts, grads if isinstance(grads, tuple) else (grads,)


LAYERS = ("rnn_step", "rnn", "lstm_step", "lstm", "gru_step", "gru", "embedding",
          "temporal_affine", "temporal_softmax_loss")


def check_layer(name, seed=0, N=2, T=3, D=4, H=5, V=6, backward=None):
    """Gradient check of one layer in float64.

    Parameters
    ----------
    name : one of ``LAYERS``
    seed : int, seeds the inputs and the upstream gradient
    N, T, D, H, V : sizes (batch, time, input, hidden, vocabulary)
    backward : callable or None; replaces the layer's backward function (lets a test
        show that a wrong backward pass is caught)

    Returns
    -------
    dict with ``layer``, ``errors`` (argument name -> relative error) and ``max_error``
    """
    rng = np.random.default_rng(seed)
    if name == "temporal_softmax_loss":
        scores = rng.standard_normal((N, T, V))
        y = rng.integers(0, V, size=(N, T))
        mask = np.ones((N, T), dtype=bool)
        mask[0, -1] = False                                   # one padded position
        _, dscores = S.temporal_softmax_loss(scores, y, mask)
        if backward is not None:
            dscores = backward(scores, y, mask)
        num = richardson_gradient(lambda s: S.temporal_softmax_loss(s, y, mask)[0], scores)
        err = S.rel_error(dscores, num)
        return {"layer": name, "errors": {"scores": err}, "max_error": err}

    inputs, forward, layer_backward, wrt = _spec(name, N, T, D, H, V, rng)
    _, douts, grads = forward_backward(forward, backward or layer_backward, inputs, rng)
    if len(grads) != len(wrt):
        raise ValueError(f"backward of {name} returned {len(grads)} gradients, expected {len(wrt)} ({wrt})")

    def f(_):   # sum_k <out_k, dout_k>, reading the (perturbed) inputs in place
        return sum(np.sum(o * d) for o, d in zip(forward(**inputs)[:-1], douts))

    errors = {}
    for arg, g in zip(wrt, grads):
        num = richardson_gradient(f, inputs[arg])
        errors[arg] = S.rel_error(g, num)
    return {"layer": name, "errors": errors, "max_error": max(errors.values())}


def check_gradients(forward, backward, inputs, wrt=None, seed=0):
    """Gradient check of any forward/backward pair, in the way of :func:`check_layer`.

    Parameters
    ----------
    forward : callable, ``forward(**inputs)`` returns the outputs followed by a cache
    backward : callable, ``backward(*douts, cache)`` returns the gradients in the order of ``wrt``
    inputs : dict of arrays (copied, so the caller's arrays are never perturbed)
    wrt : names of the inputs the gradients belong to (default: every input)
    seed : seeds the random upstream gradients

    Returns
    -------
    dict, argument name -> relative error. A complex input is checked through its real and
    imaginary parts, its gradient read as ∂L/∂Re + i ∂L/∂Im.
    """
    inputs = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in inputs.items()}
    wrt = list(inputs) if wrt is None else list(wrt)
    _, douts, grads = forward_backward(forward, backward, inputs, seed)
    if len(grads) != len(wrt):
        raise ValueError(f"backward returned {len(grads)} gradients, expected {len(wrt)} ({wrt})")

    def f(_):
        return sum(np.sum(o * d) for o, d in zip(forward(**inputs)[:-1], douts))

    errors = {}
    for arg, g in zip(wrt, grads):
        x = inputs[arg]
        num = richardson_gradient(f, x.real) + 1j * richardson_gradient(f, x.imag) \
            if np.iscomplexobj(x) else richardson_gradient(f, x)
        errors[arg] = S.rel_error(g, num)
    return errors


def check_all(seed=0, **sizes):
    """:func:`check_layer` for every name in ``LAYERS``; a list of result dicts."""
    return [check_layer(name, seed=seed, **sizes) for name in LAYERS]


def check_stack(cell, num_layers=2, bidirectional=True, seed=0, N=2, T=3, D=4, H=3, backward=None):
    """Gradient check of a stacked (and bidirectional) scratch layer in float64 (chapter 08).

    :func:`rnnkit.scratch.stacked_forward` returns ``out`` and ``h_n``; both receive a
    random upstream gradient, so the check covers the path of ``h_n`` too.

    Parameters
    ----------
    cell : "rnn", "lstm" or "gru";  num_layers : int >= 1;  bidirectional : bool
    seed : int, seeds the weights, inputs and upstream gradients
    N, T, D, H : sizes
    backward : callable or None; replaces :func:`rnnkit.scratch.stacked_backward`

    Returns
    -------
    dict with ``layer`` (e.g. "lstm, 2 layers, bidirectional"), ``errors`` (argument name
    -> relative error; weights named like PyTorch's, "Wx_l1_reverse") and ``max_error``
    """
    rng = np.random.default_rng(seed)
    params = S.init_stack(cell, D, H, num_layers, bidirectional, seed=rng)
    for p in params:                     # std 0.4, as check_layer draws the weights of one layer
        for k in p:
            p[k] *= 0.4 * np.sqrt(3 * H)
    dirs = 2 if bidirectional else 1
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((num_layers * dirs, N, H))
    out, h_n, cache = S.stacked_forward(cell, x, h0, params, bidirectional)
    dout, dh_n = rng.standard_normal(out.shape), rng.standard_normal(h_n.shape)
    dx, dh0, dparams = (backward or S.stacked_backward)(dout, dh_n, cache)

    def f(_):
        out, h_n, _ = S.stacked_forward(cell, x, h0, params, bidirectional)
        return np.sum(out * dout) + np.sum(h_n * dh_n)

    errors = {"x": S.rel_error(dx, richardson_gradient(f, x)), "h0": S.rel_error(dh0, richardson_gradient(f, h0))}
    for j, (p, g) in enumerate(zip(params, dparams)):
        suffix = f"_l{j // dirs}" + ("_reverse" if j % dirs else "")
        for k in p:
            errors[k + suffix] = S.rel_error(g[k], richardson_gradient(f, p[k]))
    name = f"{cell}, {num_layers} layer{'s' if num_layers > 1 else ''}" + (", bidirectional" if bidirectional else "")
    return {"layer": name, "errors": errors, "max_error": max(errors.values())}


def torch_stack_agreement(module, seed=0, N=2, T=4):
    """The scratch stack against a ``torch.nn.RNN/LSTM/GRU`` module (any num_layers, either direction).

    The module's weights are copied with :func:`rnnkit.scratch.stack_from_torch`; both run
    in float64 on the same random ``x`` and ``h0`` (the LSTM's ``c0`` is zero, as in the
    scratch layers), and both backpropagate the same random gradients of ``out`` and
    ``h_n`` (torch by autograd, scratch by :func:`rnnkit.scratch.stacked_backward`).

    Returns
    -------
    dict, name -> relative error: "out", "h_n", "x", "h0", and one entry per layer and
    direction with PyTorch's suffix ("_l0", "_l0_reverse", ...), the largest error over
    that layer's weight gradients. The RNN's and LSTM's single scratch bias ``b`` is
    compared with ``bias_ih``'s gradient (``bias_hh`` receives the same).
    """
    import copy

    import torch

    m = copy.deepcopy(module).double()
    cell = type(m).__name__.lower()
    dirs = 2 if m.bidirectional else 1
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, m.input_size))
    h0 = rng.standard_normal((m.num_layers * dirs, N, m.hidden_size))
    params = S.stack_from_torch(m)
    out, h_n, cache = S.stacked_forward(cell, x, h0, params, m.bidirectional)
    dout, dh_n = rng.standard_normal(out.shape), rng.standard_normal(h_n.shape)
    dx, dh0, dparams = S.stacked_backward(dout, dh_n, cache)

    xt, h0t = torch.tensor(x, requires_grad=True), torch.tensor(h0, requires_grad=True)
    xin = xt if m.batch_first else xt.transpose(0, 1)
    out_t, state = m(xin, (h0t, torch.zeros_like(h0t)) if cell == "lstm" else h0t)
    out_t = out_t if m.batch_first else out_t.transpose(0, 1)
    h_n_t = state[0] if cell == "lstm" else state
    torch.autograd.backward([out_t, h_n_t], [torch.from_numpy(dout), torch.from_numpy(dh_n)])
    grads = copy.deepcopy(m)
    with torch.no_grad():
        for name, q in m.named_parameters():
            getattr(grads, name).copy_(q.grad if "bias_hh" not in name or cell == "gru" else torch.zeros_like(q))
    errors = {"out": S.rel_error(out, out_t.detach().numpy()), "h_n": S.rel_error(h_n, h_n_t.detach().numpy()),
              "x": S.rel_error(dx, xt.grad.numpy()), "h0": S.rel_error(dh0, h0t.grad.numpy())}
    for j, (mine, ref) in enumerate(zip(dparams, S.stack_from_torch(grads))):
        suffix = f"_l{j // dirs}" + ("_reverse" if j % dirs else "")
        errors[suffix] = max(S.rel_error(mine[k], ref[k]) for k in mine)
    return errors


def decade_bound(err, floor=None):
    """The smallest power of ten above ``err``, as text: 3.2e-11 -> '< 1e-10'.

    Relative errors vary in their last digits from machine to machine; the decade
    they fall in is what a reader (and nbval) can rely on. Errors at the level of
    rounding (1e-16 .. 1e-13) can still change decade between BLAS builds, so give
    ``floor`` (a power of ten, e.g. 1e-12) to report anything below it as ``< floor``.
    """
    if not (isinstance(err, (int, float)) and math.isfinite(err) and err >= 0):
        raise ValueError(f"err must be a finite non-negative number, got {err!r}")
    if floor is not None:
        if not (isinstance(floor, float) and 0 < floor and math.log10(floor).is_integer()):
            raise ValueError(f"floor must be a power of ten such as 1e-12, got {floor!r}")
        if err < floor:
            return decade_bound(floor * 0.5)
    if err == 0:
        return "0"
    k = math.floor(math.log10(err)) + 1
    return f"< 1e{k}" if k <= 0 else f"< {10 ** k}"
