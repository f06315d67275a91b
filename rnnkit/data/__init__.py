"""Data for chapter 07: the novel 『무정』, its vocabulary, 자모, and batches for truncated BPTT.

- :mod:`rnnkit.data.mujeong` - :func:`load_mujeong` (find, verify, download and read the
  text) and :func:`split_text` (the standard 90/10 split).
- :mod:`rnnkit.data.vocab` - :class:`Vocab`, characters <-> ids, saved as JSON.
- :mod:`rnnkit.data.jamo` - :func:`decompose` / :func:`recompose`, Hangul syllables <-> 자모.
- :mod:`rnnkit.data.batching` - :class:`StreamBatches`, contiguous streams of (x, y) windows.
- :mod:`rnnkit.data.spacing` - chapter 08's word-spacing task: :func:`~rnnkit.data.spacing.unspace`
  (text -> characters and "a space follows" labels), the held-out lines and their scores.

Typical use::

    from rnnkit.data import load_mujeong, split_text, Vocab, StreamBatches
    text = load_mujeong()                    # 324,950 characters
    train, valid = split_text(text)          # 292,455 + 32,495
    vocab = Vocab.from_text(text)            # V = 1,676
    batches = StreamBatches(vocab.encode(train), batch_size=32, seq_len=128)
"""
from .batching import StreamBatches
from .jamo import decompose, recompose
from .mujeong import (CacheDirError, ChecksumMismatchError, DownloadError, load_mujeong, mujeong_path,
                      split_text)
from .vocab import Vocab

__all__ = ["load_mujeong", "mujeong_path", "split_text", "ChecksumMismatchError", "DownloadError",
           "CacheDirError", "Vocab", "decompose", "recompose", "StreamBatches"]
