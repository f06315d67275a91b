"""pytest imports test modules by basename (rootdir-relative, no packages): two test files with
one name make the second fail to collect ("import file mismatch"), which happened twice."""
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_every_test_module_has_its_own_basename():
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))
    assert [n for n, k in names.items() if k > 1] == []
