"""rnnkit.charlm loads its public names lazily: the numpy-only modules import without torch."""
import subprocess
import sys
import types
from pathlib import Path

import pytest

import rnnkit.charlm as charlm

ROOT = Path(__file__).resolve().parents[2]


def _run(code):
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_tokens_and_ngram_import_without_loading_torch():
    r = _run("import sys, rnnkit.charlm, rnnkit.charlm.tokens, rnnkit.charlm.ngram\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch'))")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_every_public_name_resolves_to_its_definition():
    for name in charlm.__all__:
        value = getattr(charlm, name)
        assert not isinstance(value, types.ModuleType), name
        assert value.__module__.startswith("rnnkit.charlm."), name
    assert set(charlm.__all__) <= set(dir(charlm))


def test_train_and_sample_stay_functions_when_their_modules_are_imported_first():
    r = _run("import rnnkit.charlm.train, rnnkit.charlm.sample, rnnkit.charlm.evaluate\n"
             "from rnnkit.charlm import train, sample\n"
             "import sys\n"
             "print(callable(train), type(train).__name__, type(sample).__name__,\n"
             "      type(sys.modules['rnnkit.charlm.train']).__name__)")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "function", "function", "module"]


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        charlm.no_such_name
