"""rnnkit.spacing.lookahead and the helpers of bench/spacing_table.py, on tiny untrained models."""
import importlib.util
import json
import threading
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rnnkit import results  # noqa: E402
from rnnkit.data.spacing import score_system, unspace  # noqa: E402
from rnnkit.spacing.lookahead import lookahead_probabilities, prefix_probabilities  # noqa: E402
from rnnkit.spacing.model import SpacingModel, line_probabilities, spacing_vocab  # noqa: E402

LINES = ["형식은 학교에 갔다.", "영채가 웃는다.", "집", "선형이 집에서 말하였다."]
BENCH = Path(__file__).resolve().parents[2] / "bench" / "spacing_table.py"


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    """One torch thread: reproducible and fast for tiny models (tests/conftest.py)."""


def tiny(bidirectional=True):
    vocab = spacing_vocab("\n".join(LINES))
    torch.manual_seed(0)
    return SpacingModel(len(vocab), embed=5, hidden=4, num_layers=2, bidirectional=bidirectional), vocab


def test_all_is_the_whole_line_and_d_is_the_cut_line():
    model, vocab = tiny()
    chars = [unspace(s)[0] for s in LINES]
    got = lookahead_probabilities(model, vocab, chars, [0, 2, None])
    whole = line_probabilities(model, vocab, chars)
    for a, b in zip(got[None], whole):
        np.testing.assert_allclose(a, b, atol=1e-6)
    c = chars[0]                                    # by hand: the line cut after c_{t+d}, no closing newline
    ids = torch.from_numpy(np.array([vocab.encode("\n" + c)], dtype=np.int64))
    for d in (0, 2):
        for t in range(len(c)):
            e = min(t + d, len(c) - 1)
            if e == len(c) - 1:
                want = whole[0][t]
            else:
                with torch.no_grad():
                    want = torch.sigmoid(model(ids[:, :e + 2]))[0, t + 1].item()
            assert got[d][0][t] == pytest.approx(want, abs=1e-6)
    assert not np.allclose(got[0][0], got[None][0], atol=1e-4)    # the bidirectional model does change


def test_a_unidirectional_model_does_not_care():
    model, vocab = tiny(bidirectional=False)
    chars = [unspace(s)[0] for s in LINES]
    got = lookahead_probabilities(model, vocab, chars, [0, 1, None])
    for d in (0, 1):
        for a, b in zip(got[d], got[None]):
            np.testing.assert_allclose(a, b, atol=1e-6)


def test_prefixes_have_the_right_shapes_and_bad_input_is_refused():
    model, vocab = tiny()
    pre = prefix_probabilities(model, vocab, ["가나다", "집"])
    assert [len(p) for p in pre[0]] == [1, 2, 3] and [len(p) for p in pre[1]] == [1]
    with pytest.raises(ValueError, match="without spaces"):
        lookahead_probabilities(model, vocab, ["가 나"], [0])
    with pytest.raises(ValueError, match="ds must be"):
        lookahead_probabilities(model, vocab, ["가나"], [])
    with pytest.raises(ValueError, match="d must be"):
        lookahead_probabilities(model, vocab, ["가나"], [-1])


@pytest.fixture
def table_bench():
    spec = importlib.util.spec_from_file_location("spacing_table", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_boundary_strings_score_like_the_protocol(table_bench):
    probs = [np.array([0.9, 0.1, 0.7, 0.2]), np.array([0.6]), np.array([0.2, 0.8, 0.4])]
    strings = table_bench.boundary_strings(probs)
    assert strings == ["101", "", "01"]                         # the last character is no boundary
    lines = ["가나 다라", "마", "바 사아"]
    s = table_bench.score_strings(lines, strings)
    want = score_system(lines, {"가나다라": "가 나다 라", "마": "마", "바사아": "바사 아"}.get)
    assert (s["tp"], s["fp"], s["fn"], s["exact"]) == (want["tp"], want["fp"], want["fn"], want["exact"]) == (0, 3, 2, 1 / 3)


def test_rows_from_two_processes_merge(table_bench, tmp_path, monkeypatch):
    monkeypatch.setattr(results, "HERE", tmp_path)
    rows = [{"name": n, "f1": k / 10} for k, n in enumerate(("bi2", "uni2", "bi1"))]
    threads = [threading.Thread(target=table_bench.merge, args=(r,)) for r in rows]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    table_bench.merge({"name": "bi2", "f1": 0.5})               # a re-run replaces its row
    data = json.loads((tmp_path / "spacing_models.json").read_text())
    assert [r["name"] for r in data["rows"]] == ["uni2", "bi1", "bi2"]    # the order of ROWS
    assert [r["f1"] for r in data["rows"]] == [0.1, 0.2, 0.5]
    assert data["command"].startswith("python bench/spacing_table.py")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spacing_models.json"]
