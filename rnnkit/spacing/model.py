"""The neural spacing model: embedding, a (bidirectional) RNN stack, one logit per character.

    e_t = E[c_t]                                   (embed,)      the character's embedding
    s_t = stack(e_1..e_T)_t                        (dirs·hidden,) num_layers RNN layers
    z_t = w · s_t + b                              ()            logit of "a space follows c_t"
    P(space after c_t) = σ(z_t)

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
    dropout : float in [0, 1), on the embeddings and between the RNN layers (training only)
    cell : "rnn", "lstm" or "gru"

    ``forward(ids, lengths=None)``: ids (N, T) int64 -> logits (N, T). With ``lengths``
    (N,), positions past each length are padding: the sequences are packed, so the
    backward direction starts at each sequence's own last character.
    """

    def __init__(self, vocab_size, embed=128, hidden=256, num_layers=2, bidirectional=True,
                 dropout=0.0, cell="lstm"):
        super().__init__()
        self.config = {"vocab_size": check_int("vocab_size", vocab_size, 2),
                       "embed": check_int("embed", embed, 1), "hidden": check_int("hidden", hidden, 1),
                       "num_layers": check_int("num_layers", num_layers, 1),
                       "bidirectional": bool(bidirectional),
                       "dropout": check_real("dropout", dropout, 0.0, 0.99),
                       "cell": check_choice("cell", cell, tuple(CELLS))}
        dirs = 2 if bidirectional else 1
        self.embedding = nn.Embedding(vocab_size, embed)
        self.drop = nn.Dropout(dropout)
        self.rnn = CELLS[cell](embed, hidden, num_layers, batch_first=True, bidirectional=bool(bidirectional),
                               dropout=dropout if num_layers > 1 else 0.0)
        self.head = nn.Linear(dirs * hidden, 1)

    def forward(self, ids, lengths=None):
        e = self.drop(self.embedding(ids))
        if lengths is None:
            s, _ = self.rnn(e)
        else:
            packed = nn.utils.rnn.pack_padded_sequence(e, torch.as_tensor(lengths).cpu(), batch_first=True,
                                                       enforce_sorted=False)
            s, _ = self.rnn(packed)
            s, _ = nn.utils.rnn.pad_packed_sequence(s, batch_first=True, total_length=ids.shape[1])
        return self.head(self.drop(s)).squeeze(-1)


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
