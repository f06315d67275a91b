"""rnnkit.atomic: the one way rnnkit writes a file (complete or not at all, mode 0644)."""
import os

import pytest

from rnnkit.atomic import FILE_MODE, atomic_file, atomic_write


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_text_and_bytes_are_written_0644_with_no_temp_file(tmp_path, umask_022):
    a = atomic_write(tmp_path / "a.txt", "무정\n")
    b = atomic_write(str(tmp_path / "b.bin"), b"\x00\x01")
    assert a.read_text(encoding="utf-8") == "무정\n" and b.read_bytes() == b"\x00\x01"
    assert FILE_MODE == 0o644
    assert [p.stat().st_mode & 0o777 for p in (a, b)] == [0o644, 0o644]
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "b.bin"]


def test_an_error_inside_the_block_keeps_the_old_file(tmp_path):
    path = atomic_write(tmp_path / "f.txt", "old")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_file(path, "w", suffix=".part") as f:
            f.write("half of the new")
            assert os.path.basename(f.name).endswith(".part")
            raise RuntimeError("disk full")
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["f.txt"]


def test_an_interrupt_inside_the_block_leaves_nothing(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with atomic_file(tmp_path / "new.bin") as f:
            f.write(b"x")
            raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []


def test_bad_arguments_name_themselves(tmp_path):
    with pytest.raises(ValueError, match="path"):
        atomic_write("", "x")
    with pytest.raises(ValueError, match="mode"):
        with atomic_file(tmp_path / "x", "a"):
            pass
    with pytest.raises(ValueError, match="data"):
        atomic_write(tmp_path / "x", 3)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        atomic_write(tmp_path / "no" / "x", "x")
    assert os.listdir(tmp_path) == []
