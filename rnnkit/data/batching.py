"""Contiguous-stream batches for truncated BPTT on one long text.

The id sequence of the text is cut into ``B`` equal, contiguous streams laid side by
side, one per row. Batch ``k`` holds columns ``k*T … k*T + T - 1`` of every row, so row
``b`` of batch ``k + 1`` continues *exactly* where row ``b`` of batch ``k`` stopped. The
final hidden state of one batch is therefore the right initial state for the next:
carry it over (detached, so that backpropagation stops at the window boundary) instead
of starting every window from zeros::

    batches = StreamBatches(ids, batch_size=32, seq_len=128)
    h = None                                   # zeros at the start of each pass
    for x, y in batches:                       # x, y: int64 arrays of shape (32, T)
        logits, h = model(torch.from_numpy(x), h)
        loss = F.cross_entropy(logits.reshape(-1, V), torch.from_numpy(y).reshape(-1))
        ...
        h = tuple(s.detach() for s in h)       # LSTM (h, c); a plain tensor for RNN/GRU

Layout for ``n = len(ids)`` (after dropping ``offset`` leading ids) and ``L = (n - 1) // B``::

    row b of the inputs   xs[b] = ids[b*L     : (b+1)*L]
    row b of the targets  ys[b] = ids[b*L + 1 : (b+1)*L + 1]      (shifted by one)

so every target is the id that follows its input in the text, including at the end
of a row. At most ``B`` trailing ids go unused. With ``T`` not dividing ``L`` the last
batch is narrower (``L mod T`` columns) unless ``drop_last=True``.
"""
from __future__ import annotations

import numpy as np


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class StreamBatches:
    """Iterable of ``(x, y)`` windows over ``B`` contiguous streams of one id sequence.

    Parameters
    ----------
    ids : 1-D array_like of int, shape (n,)
        The whole text as ids, e.g. ``vocab.encode(train)``.
    batch_size : int, B >= 1
        Number of parallel streams (rows).
    seq_len : int, T >= 1
        Window length: time steps per batch, the truncation length of BPTT.
    offset : int, default 0
        Drop the first ``offset`` ids before cutting the streams. Changing it from one
        pass to the next (e.g. a random value in ``[0, T)``) moves the window boundaries,
        so that no character is always the first of a window.
    drop_last : bool, default False
        Skip the last window if it is shorter than ``seq_len``.

    Attributes
    ----------
    xs, ys : int64 arrays of shape (B, L), the input and target streams
    stream_length : int, L = (n - offset - 1) // B

    Iterating yields ``len(self)`` pairs ``(x, y)`` of int64 arrays of shape (B, T)
    (the last one (B, L mod T) if ``drop_last`` is False and T does not divide L), with
    ``y[b, t]`` the id that follows ``x[b, t]`` in the text. The arrays are fresh
    copies; iterating again starts again from the first window.
    """

    def __init__(self, ids, batch_size, seq_len, *, offset=0, drop_last=False):
        ids = np.asarray(ids)
        if ids.ndim != 1:
            raise ValueError(f"ids must be a 1-D array of shape (n,), got shape {ids.shape}")
        if not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"ids must be an integer array, got dtype {ids.dtype}")
        B = _positive_int("batch_size", batch_size)
        T = _positive_int("seq_len", seq_len)
        if isinstance(offset, bool) or not isinstance(offset, (int, np.integer)) or offset < 0:
            raise ValueError(f"offset must be a non-negative integer, got {offset!r}")
        n = len(ids) - int(offset)
        L = (n - 1) // B
        if L < 1:
            raise ValueError(f"ids is too short: {len(ids)} ids with offset={offset} leave {max(n, 0)}, "
                             f"but batch_size={B} streams need at least {B + 1}")
        data = ids[int(offset):].astype(np.int64, copy=False)
        self.xs = data[: B * L].reshape(B, L)
        self.ys = data[1: B * L + 1].reshape(B, L)
        self.batch_size, self.seq_len, self.stream_length = B, T, L
        self.drop_last = bool(drop_last)

    def __len__(self):
        full, rest = divmod(self.stream_length, self.seq_len)
        return full + (1 if rest and not self.drop_last else 0)

    def __iter__(self):
        T = self.seq_len
        for k in range(len(self)):
            cols = slice(k * T, (k + 1) * T)
            yield np.ascontiguousarray(self.xs[:, cols]), np.ascontiguousarray(self.ys[:, cols])

    def __repr__(self):
        return (f"StreamBatches(B={self.batch_size}, T={self.seq_len}, L={self.stream_length}, "
                f"batches={len(self)})")
