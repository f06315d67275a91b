"""rnnkit.models.nextchar: a bidirectional next-character model reads the answer (chapter 08)."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rnnkit.models.nextchar import train_next_char  # noqa: E402

V = 12


@pytest.fixture(scope="module")
def runs():
    rng = np.random.default_rng(0)
    train, heldout = rng.integers(0, V, 20_000), rng.integers(0, V, 2_000)   # i.i.d.: the next id cannot be predicted
    torch.set_num_threads(1)
    return {bi: train_next_char(train, heldout, V, bi, steps=150, embed=8, hidden=16, seq_len=32)
            for bi in (False, True)}


def test_a_causal_model_cannot_beat_chance_on_random_ids(runs):
    assert runs[False]["heldout_bits"] > math.log2(V) - 0.05
    assert len(runs[False]["losses"]) == 150


def test_the_bidirectional_model_copies_the_next_id_from_its_input(runs):
    assert runs[True]["heldout_bits"] < 0.5 * math.log2(V)
    assert runs[True]["model"].rnn.bidirectional and not runs[False]["model"].rnn.bidirectional


def test_bad_ids_are_refused():
    with pytest.raises(ValueError, match="train_ids"):
        train_next_char(np.array([0, 1, V]), np.arange(100) % V, V, False, seq_len=2)
    with pytest.raises(ValueError, match="heldout_ids"):
        train_next_char(np.arange(100) % V, np.array([0, 1]), V, False, seq_len=2)
