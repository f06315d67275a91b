"""The shipped spacing model: what rnnkit/checkpoints/README.md says of it holds."""
import pytest

from rnnkit.data.spacing import heldout_lines, respace, unspace
from rnnkit.spacing import checkpoint as ck
from rnnkit.spacing.evaluate import evaluate_lines
from rnnkit.spacing.model import line_probabilities


@pytest.fixture(scope="module")
def shipped():
    return ck.load_checkpoint(ck.SHIPPED)


def test_the_file_is_small_and_is_the_documented_model(shipped):
    assert ck.SHIPPED.stat().st_size <= 5_000_000
    model, _, ckpt = shipped
    assert model.config == {"vocab_size": 1636, "embed": 64, "hidden": 128, "num_layers": 2,
                            "bidirectional": True, "dropout": 0.2, "cell": "lstm", "residual": False}
    assert sum(p.numel() for p in model.parameters()) == 698_881
    assert ckpt["meta"]["heldout"]["f1"] == pytest.approx(0.9703, abs=5e-5)


def test_it_restores_a_textbook_sentence(shipped):
    model, vocab, _ = shipped
    chars = unspace("아버지가 방에 들어가신다")[0]
    p = line_probabilities(model, vocab, [chars])[0]
    assert respace(chars, p > 0.5) == "아버지가 방에 들어가신다"


def test_held_out_scores_are_the_documented_ones(shipped, novel):
    model, vocab, _ = shipped
    r = evaluate_lines(model, vocab, heldout_lines(novel))
    assert (r["lines"], r["boundaries"], r["spaces"]) == (399, 23_834, 7_738)
    # another CPU's kernels may round a probability near 0.5 the other way: a few boundaries at most
    assert r["f1"] == pytest.approx(0.9703, abs=0.001) and r["exact"] == pytest.approx(0.5764, abs=0.01)
