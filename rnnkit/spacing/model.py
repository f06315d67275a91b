"""The neural spacing model: embedding, a (bidirectional) RNN stack, one logit per character.

    e_t = E[c_t]                                   (embed,)      the character's embedding
    s_t = stack(e_1..e_T)_t                        (dirs·hidden,) num_layers RNN layers
    z_t = w · s_t + b                              ()            logit of "a space follows c_t"
    P(space after c_t) = σ(z_t)

Inside the stack, layer k reads the output of layer k - 1 (layer 1 reads the embeddings),
with dropout D between them (training only; D is also applied to the embeddings and to
the top layer's output before the head). With ``residual=True`` every layer after the
first adds its input to its output, a residual (skip) connection; its input and output
are both (dirs·hidden,) there, so the sizes always match::

    h^1_t = RNN_1(D(e))_t                          (dirs·hidden,)
    h^k_t = RNN_k(D(h^{k-1}))_t + h^{k-1}_t        (dirs·hidden,)   k = 2..num_layers, residual=True
    h^k_t = RNN_k(D(h^{k-1}))_t                    (dirs·hidden,)   k = 2..num_layers, residual=False
    s_t   = h^L_t,   z_t = w · D(s_t) + b          L = num_layers

The first layer gets no skip connection: its input, the embedding (embed,), has another
size in general. The skip path carries h^{k-1} without dropout, and the gradient of the
loss reaches h^{k-1} both through RNN_k and directly through the sum (∂h^k/∂h^{k-1} holds
an identity term). Without ``residual`` the stack is one PyTorch module (such as
``nn.LSTM(num_layers=L)``, with its own dropout between layers); with it, L one-layer
modules in the model's ``layers``. Both hold the same parameters, initialized in the same
order, so one seed gives both the same initial weights.

With ``bidirectional=True`` each layer is a forward and a backward RNN (PyTorch's
``nn.LSTM(bidirectional=True)``, the layer of :func:`~rnnkit.scratch.bidirectional_forward`), so
the decision after c_t sees the characters on both sides; a unidirectional model sees
only c_1..c_t, which is too little for Korean spacing: whether a space follows 가 in
"아버지가방에" depends on what comes after it.

Characters come in as ids of a :class:`~rnnkit.data.vocab.Vocab` built from the training
text with an unknown-character id (:func:`spacing_vocab`), so any text can be spaced: an
unknown character is read as ``UNK`` and comes back unchanged. A line is read between two
newline characters, as lines appear in the training stream (:func:`encode_line`).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from rnnkit.checks import check_choice, check_int, check_real
from rnnkit.data.spacing import unspace
from rnnkit.data.vocab import Vocab

UNK = "\ufffd"       # the id every character unseen in training is read as
EDGE = "\n"          # read before and after a line
CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def spacing_vocab(train_text):
    """The characters of ``train_text`` without spaces (sorted, newline included), plus ``UNK``."""
    chars = set(unspace(train_text)[0]) | {EDGE}
    chars.discard(UNK)
    return Vocab(sorted(chars) + [UNK], unk=UNK)


def encode_line(vocab, chars):
    """Ids (int64) of ``EDGE + chars + EDGE`` for a line without spaces; the model's
    output for the line is positions 1..len(chars)."""
    return np.asarray(vocab.encode(EDGE + chars + EDGE), dtype=np.int64)


class SpacingModel(nn.Module):
    """Per-character logits of "a space follows".

    Parameters
    ----------
    vocab_size : int, V
    embed : int, size of the character embeddings
    hidden : int, hidden size of every RNN layer and direction
    num_layers : int, RNN layers stacked
    bidirectional : bool
    dropout : float in [0, 1), on the embeddings, between the RNN layers and before the
        head (training only)
    cell : "rnn", "lstm" or "gru"
    residual : bool, layers 2..num_layers add their input to their output (see the module
        docstring); with one layer it changes nothing

    ``forward(ids, lengths=None)``: ids (N, T) int64 -> logits (N, T). With ``lengths``
    (N,), positions past each length are padding: the sequences are packed, so the
    backward direction starts at each sequence's own last character.
    """

    def __init__(self, vocab_size, embed=128, hidden=256, num_layers=2, bidirectional=True,
                 dropout=0.0, cell="lstm", residual=False):
        super().__init__()
        self.config = {"vocab_size": check_int("vocab_size", vocab_size, 2),
                       "embed": check_int("embed", embed, 1), "hidden": check_int("hidden", hidden, 1),
                       "num_layers": check_int("num_layers", num_layers, 1),
                       "bidirectional": bool(bidirectional),
                       "dropout": check_real("dropout", dropout, 0.0, 0.99),
                       "cell": check_choice("cell", cell, tuple(CELLS)), "residual": bool(residual)}
        dirs = 2 if bidirectional else 1
        self.embedding = nn.Embedding(vocab_size, embed)
        self.drop = nn.Dropout(dropout)
        if residual:
            self.layers = nn.ModuleList(
                CELLS[cell](embed if k == 0 else dirs * hidden, hidden, 1, batch_first=True,
                            bidirectional=bool(bidirectional)) for k in range(num_layers))
        else:
            self.rnn = CELLS[cell](embed, hidden, num_layers, batch_first=True, bidirectional=bool(bidirectional),
                                   dropout=dropout if num_layers > 1 else 0.0)
        self.head = nn.Linear(dirs * hidden, 1)

    def forward(self, ids, lengths=None):
        e = self.drop(self.embedding(ids))
        x = e if lengths is None else nn.utils.rnn.pack_padded_sequence(
            e, torch.as_tensor(lengths).cpu(), batch_first=True, enforce_sorted=False)
        s = self._residual_stack(x) if self.config["residual"] else self.rnn(x)[0]
        if lengths is not None:
            s, _ = nn.utils.rnn.pad_packed_sequence(s, batch_first=True, total_length=ids.shape[1])
        return self.head(self.drop(s)).squeeze(-1)

    def _residual_stack(self, x):
        """h^1 = RNN_1(x), h^k = RNN_k(D(h^{k-1})) + h^{k-1}; on a tensor or a PackedSequence.

        A packed input and every layer's packed output share one layout (the same batch
        sizes and order), so dropout and the sum act on their ``.data`` alone.
        """
        packed = isinstance(x, nn.utils.rnn.PackedSequence)
        h = self.layers[0](x)[0]
        for layer in self.layers[1:]:
            if packed:
                inp = nn.utils.rnn.PackedSequence(self.drop(h.data), h.batch_sizes, h.sorted_indices,
                                                  h.unsorted_indices)
                out = layer(inp)[0]
                h = nn.utils.rnn.PackedSequence(out.data + h.data, h.batch_sizes, h.sorted_indices,
                                                h.unsorted_indices)
            else:
                h = layer(self.drop(h))[0] + h
        return h


def count_parameters(model):
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@torch.no_grad()
def line_probabilities(model, vocab, lines, batch_size=64):
    """P(space after each character) for lines without spaces, in batches of padded lines.

    Parameters
    ----------
    model : SpacingModel (put in eval mode for the call, then restored)
    vocab : the model's Vocab (see :func:`spacing_vocab`)
    lines : list of str, each one line without spaces

    Returns
    -------
    list of float64 arrays, one of shape (len(line),) per line
    """
    if not isinstance(lines, (list, tuple)) or not all(isinstance(s, str) for s in lines):
        raise ValueError("lines must be a list of str")
    for j, s in enumerate(lines):
        if EDGE in s or any(c.isspace() for c in s):
            raise ValueError(f"lines[{j}] must be one line without spaces (pass unspace(line)[0])")
    was_training = model.training
    model.eval()
    out = [None] * len(lines)
    order = sorted(range(len(lines)), key=lambda j: len(lines[j]))     # similar lengths together
    try:
        for start in range(0, len(order), batch_size):
            group = order[start:start + batch_size]
            seqs = [encode_line(vocab, lines[j]) for j in group]
            lengths = [len(s) for s in seqs]
            ids = np.zeros((len(seqs), max(lengths)), dtype=np.int64)
            for row, s in enumerate(seqs):
                ids[row, :len(s)] = s
            p = torch.sigmoid(model(torch.from_numpy(ids), lengths)).double().numpy()
            for row, j in enumerate(group):
                out[j] = p[row, 1:1 + len(lines[j])].copy()
    finally:
        model.train(was_training)
    return out
