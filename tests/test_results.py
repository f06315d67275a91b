import json
import os

import pytest

from rnnkit import results


def test_save_load_round_trip(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "HERE", tmp_path)
    p = results.save("demo", {"acc": [0.5, 0.9]}, command="python bench/demo.py")
    assert p == tmp_path / "demo.json"
    assert results.load("demo") == {"command": "python bench/demo.py", "acc": [0.5, 0.9]}
    assert [q.name for q in tmp_path.iterdir()] == ["demo.json"]  # no temp file left


def test_bad_names_and_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "HERE", tmp_path)
    with pytest.raises(ValueError, match="name must be"):
        results.path("../x")
    with pytest.raises(FileNotFoundError, match="no stored result 'nope'"):
        results.load("nope")
    with pytest.raises(ValueError, match="command"):
        results.save("x", {}, command="")


def test_failed_write_keeps_old_file(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "HERE", tmp_path)
    results.save("r", {"v": 1}, command="c")
    with pytest.raises(TypeError):
        results.save("r", {"v": object()}, command="c")
    assert json.loads((tmp_path / "r.json").read_text())["v"] == 1
    assert sorted(q.name for q in tmp_path.iterdir()) == ["r.json"]


def test_saved_files_are_0644(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "HERE", tmp_path)
    old = os.umask(0o022)
    try:
        p = results.save("r", {"v": 1}, command="c")
    finally:
        os.umask(old)
    assert p.stat().st_mode & 0o777 == 0o644          # readable by all, like the shipped results
