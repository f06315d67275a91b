"""Small PyTorch sequence classifiers (RNN / LSTM / GRU + linear head) and their training.

    model = SequenceClassifier("lstm", input_size=8, hidden=32, classes=4)
    init_forget_bias(model.rnn, 1.0)                   # b_f = 1 (Gers et al. 2000)
    run = train_recall("lstm", T=40, steps=300)        # seeded; run["accuracy"]
    run = train_marked_recall("gru", T=40, steps=2000) # the marked task of chapter 05

The model reads a batch-first sequence (N, T, D) and predicts from the last hidden state
only, the many-to-one shape of the recall task in :mod:`rnnkit.data.tasks`. Both recall
experiments train with :func:`rnnkit.models.fit.fit`.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from rnnkit.checks import check_choice, check_int, check_real
from rnnkit.data.tasks import marked_recall_task, recall_task
from rnnkit.models.fit import fit

CELLS = ("rnn", "lstm", "gru")
_MODULES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


class SequenceClassifier(torch.nn.Module):
    """A one-layer recurrent network (tanh RNN, LSTM or GRU) with a linear head on h_T.

    Parameters
    ----------
    cell : "rnn", "lstm" or "gru"
    input_size : D;  hidden : H;  classes : C

    ``forward(x)`` maps x (N, T, D) to class scores (N, C) computed from h_T.
    ``self.rnn`` is the torch module (batch_first=True), ``self.head`` the nn.Linear.
    """

    def __init__(self, cell, input_size, hidden, classes):
        super().__init__()
        self.cell = check_choice("cell", cell, CELLS)
        D = check_int("input_size", input_size, 1)
        H = check_int("hidden", hidden, 1)
        C = check_int("classes", classes, 1)
        self.rnn = _MODULES[cell](D, H, batch_first=True)
        self.head = torch.nn.Linear(H, C)

    def forward(self, x):
        if not isinstance(x, torch.Tensor) or x.dim() != 3 or x.shape[2] != self.rnn.input_size:
            raise ValueError(f"x must be a tensor of shape (N, T, D) with D = {self.rnn.input_size}, "
                             f"got {tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
        out, _ = self.rnn(x)                     # (N, T, H)
        return self.head(out[:, -1])             # (N, C)


def init_forget_bias(lstm, value=1.0):
    """Set the forget-gate bias of a one-layer ``nn.LSTM`` to ``value`` (in place).

    PyTorch computes a_f = W_if x + b_if + W_hf h + b_hf, so the forget gate's bias is
    the sum b_if + b_hf: rows H..2H-1 of ``bias_ih_l0`` and of ``bias_hh_l0`` (torch's
    gate order is i, f, g, o). This sets ``bias_ih_l0[H:2H] = value`` and
    ``bias_hh_l0[H:2H] = 0``, so the effective forget bias is exactly ``value``; every
    other entry is left as it was.

    Parameters
    ----------
    lstm : torch.nn.LSTM with num_layers=1 and bias=True
    value : finite float; 1.0 is the usual choice (Gers et al. 2000; Jozefowicz et al. 2015)

    Returns
    -------
    the same module
    """
    if not isinstance(lstm, torch.nn.LSTM):
        raise ValueError(f"lstm must be a torch.nn.LSTM, got {type(lstm).__name__}")
    if lstm.num_layers != 1 or not lstm.bias:
        raise ValueError(f"lstm must have num_layers=1 and bias=True, got num_layers={lstm.num_layers}, "
                         f"bias={lstm.bias}")
    value = check_real("value", value)
    H = lstm.hidden_size
    with torch.no_grad():
        lstm.bias_ih_l0[H:2 * H] = value
        lstm.bias_hh_l0[H:2 * H] = 0.0
    return lstm


@torch.no_grad()
def accuracy(model, x, y):
    """Fraction of sequences whose highest score is the label: x (N, T, D), y (N,) -> float."""
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same number of sequences, got {len(x)} and {len(y)}")
    x = torch.as_tensor(x)
    y = torch.as_tensor(y)
    return float((model(x).argmax(1) == y).float().mean())


def train_recall(cell, T, *, hidden=32, symbols=4, steps=500, batch_size=64, lr=0.01, clip=1.0,
                 forget_bias=None, seed=0, test_size=1000, eval_every=None, stop_at=None, progress=False):
    """Train a :class:`SequenceClassifier` on :func:`rnnkit.data.tasks.recall_task` of length T.

    Adam (learning rate ``lr``) on fresh batches of ``batch_size`` sequences per step, the
    cross-entropy of the last step's scores, gradient norm clipping at ``clip``; the same
    settings as chapter 04's vanilla RNN. Everything is seeded by ``seed``: the weights
    (torch.manual_seed), the training batches and the held-out set (numpy generators).

    Parameters
    ----------
    cell : "rnn", "lstm" or "gru"
    T : int >= 1, sequence length (distance T - 1 between the symbol and the question)
    hidden, symbols, steps, batch_size, lr, clip : model and optimiser settings
    forget_bias : None (PyTorch's default init) or a float for :func:`init_forget_bias`
        (LSTM only)
    seed : int
    test_size : number of held-out sequences for the accuracy
    eval_every : None, or measure the held-out accuracy every this many steps
    stop_at : None, or stop early once a held-out measurement reaches this accuracy
        (needs eval_every); "steps" in the result says where training stopped
    progress : show a tqdm progress bar

    Returns
    -------
    dict with "model", "accuracy" (held-out, float in [0, 1]), "steps" (updates made),
    "losses" (training loss per step, list of floats), "grad_norms" and "clipped" (as in
    :func:`train_marked_recall`) and "curve" (list of (step, accuracy) pairs, including
    the start and the end, when eval_every is given; else empty)
    """
    T = check_int("T", T, 1)
    symbols = check_int("symbols", symbols, 2)

    def make_data(n, seed):
        x, y = recall_task(n, T, symbols, seed=seed)
        return torch.from_numpy(x), torch.from_numpy(y)

    return _train_classifier(cell, 2 * symbols, hidden, symbols, make_data, steps=steps,
                             batch_size=check_int("batch_size", batch_size, 1), lr=lr, clip=clip,
                             forget_bias=forget_bias, seed=seed, test_size=test_size,
                             eval_every=eval_every, stop_at=stop_at, progress=progress, desc=f"{cell} T={T}")


def train_marked_recall(cell, T, *, hidden=32, symbols=4, lead=5, steps=600, batch_size=64, lr=0.01, clip=1.0,
                        forget_bias=None, seed=0, test_size=1000, eval_every=None, stop_at=None, progress=False):
    """Train a :class:`SequenceClassifier` on :func:`rnnkit.data.tasks.marked_recall_task`.

    The same loop as :func:`train_recall`: Adam (learning rate ``lr``) on a fresh batch of
    ``batch_size`` sequences per step, cross-entropy of the last step's scores, and the
    global gradient norm clipped to ``clip`` with ``torch.nn.utils.clip_grad_norm_``.
    Everything is seeded by ``seed`` (weights, training batches, held-out set).

    Parameters
    ----------
    cell : "rnn", "lstm" or "gru"
    T : int >= lead, sequence length (distance between T - lead and T - 1)
    hidden, symbols, lead : model size, number of classes K, marker window
    steps, batch_size, lr : step budget (an upper bound with ``stop_at``), batch size,
        Adam's rate
    clip : positive float, the largest global gradient norm an update may use
    forget_bias : None (PyTorch's default init) or a float for :func:`init_forget_bias`
        (LSTM only)
    seed : int >= 0
    test_size : number of held-out sequences for the accuracy
    eval_every : None, or measure the held-out accuracy every this many steps
    stop_at : None, or stop once a held-out measurement reaches this accuracy (needs eval_every)
    progress : show a tqdm progress bar

    Returns
    -------
    dict with "model", "accuracy" (held-out, in [0, 1]), "steps" (updates made),
    "losses" (training loss per step), "grad_norms" (global gradient norm per step,
    measured before clipping), "clipped" (fraction of steps whose norm exceeded ``clip``)
    and "curve" ((step, accuracy) pairs when eval_every is given, else empty)
    """
    T = check_int("T", T, 1)
    lead = check_int("lead", lead, 1)
    if lead > T:
        raise ValueError(f"lead must be at most T, got lead={lead}, T={T}")
    symbols = check_int("symbols", symbols, 2)

    def make_data(n, seed):
        x, y, _ = marked_recall_task(n, T, symbols, lead, seed=seed)
        return torch.from_numpy(x), torch.from_numpy(y)

    return _train_classifier(cell, symbols + 1, hidden, symbols, make_data, steps=steps,
                             batch_size=check_int("batch_size", batch_size, 1), lr=lr, clip=clip,
                             forget_bias=forget_bias, seed=seed, test_size=test_size,
                             eval_every=eval_every, stop_at=stop_at, progress=progress, desc=f"{cell} T={T}")


def _train_classifier(cell, n_in, hidden, symbols, make_data, *, steps, batch_size, lr, clip, forget_bias,
                      seed, test_size, eval_every, stop_at, progress, desc):
    """Build a seeded classifier and train it with :func:`~rnnkit.models.fit.fit` on ``make_data``.

    ``make_data(n, seed)`` returns ``n`` sequences ``x`` (n, T, n_in) and labels ``y`` (n,)
    as tensors; ``seed`` is an int (held-out set) or the training batches' generator.
    The order of the random draws (weights, held-out set, batches) is fixed, so results
    are reproducible from ``seed``.
    """
    check_choice("cell", cell, CELLS)
    seed = check_int("seed", seed, 0)
    test_size = check_int("test_size", test_size, 1)
    if stop_at is not None:
        check_real("stop_at", stop_at, 0, 1, open_low=True)
    if forget_bias is not None and cell != "lstm":
        raise ValueError(f"forget_bias applies to cell='lstm' only, got cell={cell!r}")
    torch.manual_seed(seed)
    model = SequenceClassifier(cell, n_in, hidden, symbols)
    if forget_bias is not None:
        init_forget_bias(model.rnn, forget_bias)
    x_test, y_test = make_data(test_size, 10**6 + seed)
    data = np.random.default_rng(seed)

    def batch_loss(step):
        x, y = make_data(batch_size, data)
        return F.cross_entropy(model(x), y)

    run = fit(model.parameters(), batch_loss, steps=steps, lr=lr, clip=clip,
              evaluate=lambda: accuracy(model, x_test, y_test), eval_every=eval_every, stop_at=stop_at,
              progress=progress, desc=desc)
    norms = run["grad_norms"]
    clipped = float(np.mean(np.array(norms) > clip)) if norms else 0.0
    return {"model": model, "accuracy": accuracy(model, x_test, y_test), "steps": run["steps"],
            "losses": run["losses"], "grad_norms": norms, "clipped": clipped, "curve": run["curve"]}
