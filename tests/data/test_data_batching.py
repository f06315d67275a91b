"""rnnkit.data.batching.StreamBatches: layout, continuity across batches, carried state."""
from __future__ import annotations

import numpy as np
import pytest

from rnnkit.data import StreamBatches, Vocab, split_text


def test_layout_on_a_small_example():
    # 23 ids, 3 streams: L = (23 - 1) // 3 = 7; windows of 4 columns, then 3.
    b = StreamBatches(np.arange(23), batch_size=3, seq_len=4)
    assert (b.batch_size, b.seq_len, b.stream_length, len(b)) == (3, 4, 7, 2)
    np.testing.assert_array_equal(b.xs, [[0, 1, 2, 3, 4, 5, 6],
                                         [7, 8, 9, 10, 11, 12, 13],
                                         [14, 15, 16, 17, 18, 19, 20]])
    np.testing.assert_array_equal(b.ys, b.xs + 1)
    (x0, y0), (x1, y1) = list(b)
    np.testing.assert_array_equal(x0, [[0, 1, 2, 3], [7, 8, 9, 10], [14, 15, 16, 17]])
    np.testing.assert_array_equal(y0, [[1, 2, 3, 4], [8, 9, 10, 11], [15, 16, 17, 18]])
    np.testing.assert_array_equal(x1, [[4, 5, 6], [11, 12, 13], [18, 19, 20]])
    np.testing.assert_array_equal(y1, [[5, 6, 7], [12, 13, 14], [19, 20, 21]])
    assert x0.dtype == np.int64 and x1.shape == y1.shape == (3, 3)
    assert len(StreamBatches(np.arange(23), 3, 4, drop_last=True)) == 1
    assert len(StreamBatches(np.arange(23), 3, 7)) == 1          # T divides L: no short batch


@pytest.mark.parametrize("n, B, T", [(1000, 7, 13), (101, 4, 25), (64, 1, 64), (50, 49, 3)])
def test_windows_tile_the_streams_and_continue_each_other(n, B, T):
    rng = np.random.default_rng(n)
    ids = rng.integers(0, 30, size=n)
    b = StreamBatches(ids, B, T)
    L = (n - 1) // B
    pairs = list(b)
    assert len(pairs) == -(-L // T)                                  # ceil(L / T)
    assert all(x.shape == (B, T) for x, _ in pairs[:-1])
    np.testing.assert_array_equal(np.concatenate([x for x, _ in pairs], axis=1), b.xs)
    np.testing.assert_array_equal(np.concatenate([y for _, y in pairs], axis=1), b.ys)
    # Row r of the streams is ids[r*L:(r+1)*L]; each target is the id after its input.
    for r in range(B):
        np.testing.assert_array_equal(b.xs[r], ids[r * L:(r + 1) * L])
        np.testing.assert_array_equal(b.ys[r], ids[r * L + 1:(r + 1) * L + 1])
    # Across a batch boundary: the last target of batch k is the first input of batch k+1.
    for (x, y), (x_next, _) in zip(pairs, pairs[1:]):
        np.testing.assert_array_equal(y[:, -1], x_next[:, 0])
    # At most B ids are left out.
    assert 1 <= n - B * L <= B


def test_carrying_the_state_equals_running_each_stream_whole():
    """Truncated windows with the state carried over compute the same hidden states as
    one pass over every stream (only the gradient is truncated, not the forward pass)."""
    rng = np.random.default_rng(0)
    V, H, B, T = 11, 5, 4, 6
    ids = rng.integers(0, V, size=203)
    E, W = rng.normal(size=(V, H)), rng.normal(size=(H, H)) * 0.5

    def run(x, h):              # a tiny RNN over (B, t) ids, from state h (B, H)
        for t in range(x.shape[1]):
            h = np.tanh(E[x[:, t]] + h @ W)
        return h

    batches = StreamBatches(ids, B, T)
    h = np.zeros((B, H))
    for x, _ in batches:
        h = run(x, h)
    L = batches.stream_length
    whole = run(np.stack([ids[r * L:(r + 1) * L] for r in range(B)]), np.zeros((B, H)))
    np.testing.assert_allclose(h, whole, rtol=0, atol=1e-12)
    # Restarting every window from zeros gives different states: the carry matters.
    h_reset = run(list(batches)[-1][0], np.zeros((B, H)))
    assert np.abs(h_reset - whole).max() > 1e-3


def test_offset_shifts_the_window_boundaries():
    b = StreamBatches(np.arange(30), batch_size=2, seq_len=5, offset=3)
    assert b.stream_length == (30 - 3 - 1) // 2 == 13
    np.testing.assert_array_equal(b.xs[:, 0], [3, 16])
    first_x, first_y = next(iter(b))
    np.testing.assert_array_equal(first_x[0], [3, 4, 5, 6, 7])
    np.testing.assert_array_equal(first_y[1], [17, 18, 19, 20, 21])


def test_batches_are_fresh_contiguous_copies_and_reiterable():
    ids = np.arange(41, dtype=np.int32)
    b = StreamBatches(ids, 4, 3)
    x, y = next(iter(b))
    assert x.flags["C_CONTIGUOUS"] and x.dtype == np.int64
    x[:] = -1
    assert b.xs.min() == 0 and ids.min() == 0          # nothing else changed
    assert [xx.tolist() for xx, _ in b][1:] == [xx.tolist() for xx, _ in b][1:]
    assert next(iter(b))[0][0].tolist() == [0, 1, 2]


@pytest.mark.parametrize("args, kwargs, match", [
    ((np.zeros((3, 4), dtype=int), 2, 2), {}, r"1-D .* shape \(3, 4\)"),
    ((np.zeros(10), 2, 2), {}, "integer array"),
    ((np.arange(10), 0, 2), {}, "batch_size"),
    ((np.arange(10), True, 2), {}, "batch_size"),
    ((np.arange(10), 2, -1), {}, "seq_len"),
    ((np.arange(10), 2, 2.5), {}, "seq_len"),
    ((np.arange(10), 2, 2), {"offset": -1}, "offset"),
    ((np.arange(5), 5, 2), {}, "too short"),
    ((np.arange(10), 2, 2), {"offset": 8}, "too short"),
])
def test_bad_arguments_name_themselves(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        StreamBatches(*args, **kwargs)


def test_the_novels_training_stream(novel):
    train, _ = split_text(novel)
    b = StreamBatches(Vocab.from_text(novel).encode(train), batch_size=32, seq_len=128)
    assert b.stream_length == (292_455 - 1) // 32 == 9_139
    assert len(b) == 72                                  # 71 windows of 128 and one of 51
    shapes = [x.shape for x, _ in b]
    assert shapes[0] == (32, 128) and shapes[-1] == (32, 51)
