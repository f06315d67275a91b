"""The committed notebooks: executed, error-free, widget state saved, ko/en twins in sync."""
import json
from pathlib import Path

import pytest

from notebook_checks import code_shape, problems

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*/*.ipynb"))


def test_there_are_notebooks_in_both_languages():
    langs = {p.parent.name for p in NOTEBOOKS}
    assert {"ko", "en"} <= langs


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_is_clean(path):
    # The twin check needs both languages; it runs in test_ko_en_twins_run_the_same_code.
    assert [m for m in problems([path]) if "only one language" not in m] == []


def test_ko_en_twins_run_the_same_code():
    assert [m for m in problems(NOTEBOOKS) if "language" in m or "differ" in m or " vs " in m] == []


def test_code_shape_ignores_strings_and_comments_only():
    a = 'plt.title("기울기")  # 한국어\nx = f(1, "a")'
    b = 'plt.title("gradient")  # English\nx = f(1, "b")'
    c = 'plt.title("gradient")\nx = f(2, "b")'
    assert code_shape(a) == code_shape(b)
    assert code_shape(a) != code_shape(c)
    assert code_shape('print(f"손실 {x:.3f}")') == code_shape('print(f"loss {x:.3f}")')
    assert code_shape('print(f"{x:.3f}")') != code_shape('print(f"{y:.3f}")')


def test_a_cell_hidden_from_nbval_must_say_why(tmp_path):
    def notebook(src, tags, outputs=()):
        cell = {"cell_type": "code", "execution_count": 1, "metadata": {"tags": tags},
                "outputs": list(outputs), "source": src}
        path = tmp_path / "ko" / "x.ipynb"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps({"cells": [cell], "metadata": {}}), encoding="utf-8")
        return path

    silent = notebook("train()", ["nbval-ignore-output"])
    assert any("hidden from nbval" in m for m in problems([silent]))
    said = notebook("# nbval-ignore-output: chaotic training\ntrain()", ["nbval-ignore-output"])
    assert not any("hidden from nbval" in m for m in problems([said]))
    widget = notebook("w", ["nbval-ignore-output"],
                      [{"output_type": "display_data", "metadata": {},
                        "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "1"}}}])
    assert not any("hidden from nbval" in m for m in problems([widget]))
