import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from rnnkit.figures import diagrams  # noqa: E402


def _count(ax, kind):
    return sum(isinstance(p, kind) for p in ax.patches)


def _texts(ax):
    return [t.get_text() for t in ax.texts]


@pytest.mark.parametrize("kind, boxes, arrows", [
    ("one-to-one", 3, 2),
    ("one-to-many", 3 + 1 + 3, 1 + 3 + 2),
    ("many-to-one", 3 + 3 + 1, 3 + 1 + 2),
    ("many-to-many", 9, 3 + 3 + 2),
    ("seq2seq", 6 + 3 + 3 + 3, 3 + 3 + 5 + 3 + 2),       # + the decoder's inputs <sos>, y_1, y_2 and 2 feedbacks
])
def test_sequence_task_draws_the_pattern(kind, boxes, arrows):
    ax = diagrams.sequence_task(kind, title="제목", subtitle="예", encoder_label="인코더",
                                decoder_label="디코더")
    assert _count(ax, FancyBboxPatch) == boxes
    assert _count(ax, FancyArrowPatch) == arrows
    assert "제목" in _texts(ax)
    assert ("인코더" in _texts(ax)) == (kind == "seq2seq")
    plt.close("all")


def test_seq2seq_decoder_reads_its_own_outputs_and_long_labels_wrap():
    ax = diagrams.sequence_task("seq2seq", encoder_label="encoder: reads the input",
                                decoder_label="decoder: writes the output")
    texts = _texts(ax)
    assert "<sos>" in texts and texts.count("$y_1$") == 2 and texts.count("$y_2$") == 2 and "$y_3$" in texts
    labels = [t for t in ax.texts if "coder" in t.get_text()]
    assert all("\n" in t.get_text() for t in labels)
    fig = ax.figure
    fig.canvas.draw()
    a, b = (t.get_window_extent() for t in labels)
    assert not a.overlaps(b)                                   # they used to run into each other
    plt.close("all")


def test_sequence_tasks_panels_and_bad_input():
    fig = diagrams.sequence_tasks(titles=list("abcde"))
    assert len(fig.axes) == 5
    plt.close(fig)
    with pytest.raises(ValueError, match="kind must be one of"):
        diagrams.sequence_task("two-to-two")
    with pytest.raises(ValueError, match="titles must have one entry per kind"):
        diagrams.sequence_tasks(titles=["a"])


@pytest.mark.parametrize("backward", [False, True])
def test_unrolled_graph_has_one_weight_node_and_t_copies(backward):
    T = 3
    ax = diagrams.unrolled_graph(T, backward=backward, weight_note="공유",
                                 copy_labels=[f"g{t}" for t in range(T)] if backward else None)
    texts = _texts(ax)
    assert texts.count("$W$") == 1                     # drawn once
    for t in range(1, T + 1):
        for v in "xhyL":
            assert texts.count(f"${v}_{t}$") == 1
    # per step: x->h, h->h, h->y, y->L, L_t->L and the copy edge; plus the bus arrow when backward
    assert _count(ax, FancyArrowPatch) == 6 * T + (1 if backward else 0)
    assert (("$\\Sigma$" in texts) == backward) and (("g0" in texts) == backward)
    plt.close("all")


def test_unrolled_graph_bad_input():
    with pytest.raises(ValueError, match="T must be an integer >= 1"):
        diagrams.unrolled_graph(0)
    with pytest.raises(ValueError, match="copy_labels must have T = 2"):
        diagrams.unrolled_graph(2, backward=True, copy_labels=["a"])


def test_attention_step_draws_each_weight_and_checks_it():
    import numpy as np
    from matplotlib.patches import Rectangle

    w = np.array([0.1, 0.6, 0.0, 0.3])
    ax = diagrams.attention_step(list("3월 5"), w, labels={"softmax": "원문 위치 $j$에 대한 softmax"})
    bars = [p for p in ax.patches if type(p) is Rectangle]
    assert [round(b.get_height() / 1.5, 6) for b in bars] == [0.1, 0.6, 0.0, 0.3]      # heights follow alpha
    texts = _texts(ax)
    assert "␣" in texts and "0.60" in texts and "0.10" in texts and "0.00" not in texts
    assert "원문 위치 $j$에 대한 softmax" in texts and diagrams.ATTENTION_LABELS["score"] in texts
    hangul = [t for t in ax.texts if t.get_text().startswith("원문")][0]
    assert hangul.get_fontfamily()[0] == "NanumGothic"                     # Hangul beside mathtext renders
    for bad in ([0.5, 0.6, 0.0, 0.3], [0.5, 0.5], [1.2, -0.2, 0.0, 0.0], [np.nan, 1.0, 0.0, 0.0]):
        with pytest.raises(ValueError, match="weights must be 4"):
            diagrams.attention_step(list("3월 5"), bad)
    with pytest.raises(ValueError, match="source must be"):
        diagrams.attention_step("3월 5", w)
    plt.close("all")
