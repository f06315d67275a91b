"""Character-level recurrent language models in PyTorch (chapter 07).

Shapes: N batch (parallel streams), T time steps, V vocabulary size, E embedding size,
H hidden size, L layers. A model maps ids ``x`` (N, T) and a state to next-character
scores ``logits`` (N, T, V) and the state after the last step::

    e = dropout(embed(x))                  (N, T, E)
    h, state = rnn(e, state)               (N, T, H)   L stacked LSTM or GRU layers,
                                                        dropout between layers
    logits = head(dropout(h))              (N, T, V)

Two more regularizers act in training only (both off by default):

- ``weight_drop`` (DropConnect on the recurrent matrices, Wan et al. 2013; Merity et
  al. 2018): each forward call zeroes a random fraction of the entries of every
  hidden-to-hidden matrix W_hh (L of them, each (4H, H) or (3H, H)) and scales the rest
  by 1 / (1 - p). One mask serves all N streams and all T steps of the call, so the
  recurrence itself is perturbed, which ordinary dropout between layers never does.
- ``embed_drop`` (Gal & Ghahramani 2016): zeroes whole rows of the (V, E) embedding
  for the input lookup, so a dropped character is missing everywhere in the window.

With ``parts`` (a (V, K) 0/1 matrix, :func:`rnnkit.charlm.tokens.jamo_parts`) a token's
vector is its own row plus the sum of K shared part vectors: ``E_v + P_v @ J`` with J
(K, E). The model still reads and predicts whole syllables, but a rare syllable borrows
what its 자모 learned from common ones (tied, on the output side too).

The state is ``(h, c)`` with two (L, N, H) tensors for the LSTM and one (L, N, H)
tensor for the GRU, minGRU and minLSTM; ``None`` means zeros. Feeding the returned state back in continues
the text exactly where it stopped, which is what truncated BPTT over contiguous
streams and evaluation of one long text rely on.

With ``tie=True`` the output layer reuses the embedding matrix, ``head.weight is
embed.weight`` (Press & Wolf 2017; Inan et al. 2017): a character's input vector and
its output vector are the same (E,) row, which saves V*E parameters. It needs E == H.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from rnnkit.checks import check_choice, check_int
from rnnkit.models.minrnn import MinRNN

CELLS = ("lstm", "gru", "mingru", "minlstm")


class CharLM(nn.Module):
    """Embedding -> L-layer LSTM/GRU/minGRU/minLSTM -> linear output layer over the V characters.

    Parameters
    ----------
    vocab_size : int, V >= 1
    cell : "lstm", "gru", or "mingru" / "minlstm" (:mod:`rnnkit.models.minrnn`, chapter 09: no
        recurrent matrices, so no ``weight_drop``)
    embed : int, E, size of the character embedding
    hidden : int, H, size of each recurrent layer
    layers : int, L >= 1
    dropout : float in [0, 1), on the embedding output, between layers and before the head
    tie : bool, share the embedding matrix with the output layer (needs E == H)
    weight_drop : float in [0, 1), DropConnect probability on the recurrent matrices W_hh
    embed_drop : float in [0, 1), probability of dropping a character's whole embedding row
    parts : None, or a (V, K) 0/1 matrix of shared parts per token (see the module docstring)
    """

    def __init__(self, vocab_size, *, cell="lstm", embed=256, hidden=256, layers=1,
                 dropout=0.0, tie=False, weight_drop=0.0, embed_drop=0.0, parts=None):
        super().__init__()
        vocab_size, embed = check_int("vocab_size", vocab_size, 1), check_int("embed", embed, 1)
        hidden, layers = check_int("hidden", hidden, 1), check_int("layers", layers, 1)
        cell = check_choice("cell", cell, CELLS)
        for name, value in (("dropout", dropout), ("weight_drop", weight_drop),
                            ("embed_drop", embed_drop)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
                raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
        if cell.startswith("min") and weight_drop:
            raise ValueError(f"weight_drop must be 0 for cell={cell!r}: its gates read x_t only, so it has "
                             f"no recurrent matrix W_hh to drop entries of (got {weight_drop!r})")
        if tie and embed != hidden:
            raise ValueError(f"tie=True needs embed == hidden (the output layer reuses the (V, E) "
                             f"embedding as its (V, H) weight), got embed={embed}, hidden={hidden}")
        self.config = dict(vocab_size=vocab_size, cell=cell, embed=embed, hidden=hidden,
                           layers=layers, dropout=float(dropout), tie=bool(tie),
                           weight_drop=float(weight_drop), embed_drop=float(embed_drop),
                           parts=0)
        self.embed = nn.Embedding(vocab_size, embed)
        self.drop = nn.Dropout(dropout)
        between = dropout if layers > 1 else 0.0
        if cell.startswith("min"):
            self.rnn = MinRNN(cell, embed, hidden, num_layers=layers, dropout=between)
        else:
            rnn_class = nn.LSTM if cell == "lstm" else nn.GRU
            self.rnn = rnn_class(embed, hidden, num_layers=layers, batch_first=True, dropout=between)
        self.head = nn.Linear(hidden, vocab_size)
        if tie:
            # The embedding keeps PyTorch's N(0, 1) initialization. Tied, it gives logits
            # of size ~sqrt(H) and a first loss well above log2 V bits, yet it learns much
            # faster than small weights: LSTM 1x256 on the novel, 150 steps, held-out bpc
            # 4.39 with N(0, 1), 4.61 with N(0, 0.3²), 5.89 with U(-0.1, 0.1).
            self.head.weight = self.embed.weight
        if parts is not None:
            parts = torch.as_tensor(parts, dtype=torch.float32)
            if parts.dim() != 2 or parts.shape[0] != vocab_size or parts.shape[1] < 1:
                raise ValueError(f"parts must be a (V, K) = ({vocab_size}, K) matrix, got shape "
                                 f"{tuple(parts.shape)}")
            self.config["parts"] = int(parts.shape[1])
            self.register_buffer("parts", parts.clone())
            self.part_embed = nn.Parameter(torch.randn(parts.shape[1], embed) * 0.5)
            with torch.no_grad():          # a syllable's own row and its parts share the variance
                self.embed.weight[parts.sum(1) > 0] *= 0.5
        if cell == "lstm":
            # Forget-gate bias 1 (Gers et al. 2000; Jozefowicz et al. 2015): the cell
            # starts out remembering. PyTorch's rows are i, f, g, o; the two biases add.
            for name, p in self.rnn.named_parameters():
                if name.startswith("bias_ih"):
                    with torch.no_grad():
                        p[hidden:2 * hidden].fill_(1.0)

    @property
    def vocab_size(self):
        return self.config["vocab_size"]

    def forward(self, x, state=None):
        """Scores for the next character at every position.

        Parameters
        ----------
        x : int64 tensor (N, T), ids in [0, V)
        state : None, or the state returned by a previous call (see the module docstring)

        Returns
        -------
        logits : (N, T, V) unnormalized log-probabilities of the next character
        state : the state after step T, same structure as the input state
        """
        if not isinstance(x, torch.Tensor) or x.dim() != 2 or x.dtype != torch.long:
            got = (f"{x.dtype} tensor of shape {tuple(x.shape)}" if isinstance(x, torch.Tensor)
                   else type(x).__name__)
            raise ValueError(f"x must be an int64 tensor of shape (N, T), got {got}")
        c = self.config
        vectors = self.token_vectors()                     # (V, E)
        weight = vectors
        if self.training and c["embed_drop"] > 0:
            keep = torch.empty(weight.shape[0], 1).bernoulli_(1 - c["embed_drop"])
            weight = weight * keep / (1 - c["embed_drop"])
        e = self.drop(F.embedding(x, weight))
        if self.training and c["weight_drop"] > 0:
            params = {name: F.dropout(p, c["weight_drop"]) if name.startswith("weight_hh") else p
                      for name, p in self.rnn.named_parameters()}
            h, state = functional_call(self.rnn, params, (e, state))
        else:
            h, state = self.rnn(e, state)
        h = self.drop(h)
        if c["parts"] and c["tie"]:                        # the output layer is the same (V, E) table
            return F.linear(h, vectors, self.head.bias), state
        return self.head(h), state

    def token_vectors(self):
        """The (V, E) input vectors: the embedding, plus ``parts @ part_embed`` with parts.

        Without gradients (evaluation, sampling) the sum is kept until a weight changes:
        a sampler calls the model once per character, and the (V, P) @ (P, E) product
        would otherwise cost more than the step itself.
        """
        if not self.config["parts"]:
            return self.embed.weight
        if torch.is_grad_enabled():
            return self.embed.weight + self.parts @ self.part_embed
        key = tuple((t.data_ptr(), t._version) for t in (self.embed.weight, self.part_embed, self.parts))
        if getattr(self, "_vectors_key", None) != key:
            self._vectors = self.embed.weight + self.parts @ self.part_embed
            self._vectors_key = key
        return self._vectors


def detach_state(state):
    """The same state cut off from the autograd graph (BPTT stops at the window edge).

    States may nest: an LSTM's is a tuple (h, c), a mixture's a tuple of its members' states.
    """
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(detach_state(s) for s in state)
    return state.detach()


def select_streams(state, rows):
    """The state of streams ``rows`` only (index into dimension N of every (L, N, H) tensor)."""
    if isinstance(state, tuple):
        return tuple(select_streams(s, rows) for s in state)
    return state[:, rows]


def cat_streams(states):
    """Concatenate states along the stream dimension N."""
    if isinstance(states[0], tuple):
        return tuple(cat_streams(list(parts)) for parts in zip(*states))
    return torch.cat(states, dim=1)


def zero_state(model, n):
    """The all-zero state of ``model`` for ``n`` streams (models other than CharLM say theirs)."""
    if hasattr(model, "zero_state"):
        return model.zero_state(n)
    c = model.config
    z = torch.zeros(c["layers"], n, c["hidden"])
    return (z, z.clone()) if c["cell"] == "lstm" else z


def count_parameters(model):
    """Number of distinct trainable numbers (a tied matrix counts once)."""
    return sum(p.numel() for p in model.parameters())
