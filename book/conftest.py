"""pytest settings for the notebooks (nbval runs them from here).

Chapter 07 reads the novel 『무정』, which is never part of the repository and which a
test may not download. Where the novel cannot be found (``RNNKIT_MUJEONG`` unset and no
cached copy), its notebooks are skipped with that reason, like the other tests that need
the novel; ``.ci/run`` sets the variable when ``../shared/data/mujeong.txt`` exists.
"""
from __future__ import annotations

import os

import pytest

from rnnkit.data import mujeong

NEEDS_NOVEL = {"07_charlm.ipynb"}


def novel_available():
    if os.environ.get(mujeong.ENV_VAR):
        return True
    return (mujeong.default_cache_dir() / mujeong.CACHE_NAME).is_file()


def pytest_collection_modifyitems(config, items):
    if novel_available():
        return
    skip = pytest.mark.skip(reason=f"needs the novel: set {mujeong.ENV_VAR} to the path of mujeong.txt")
    for item in items:
        if item.path.name in NEEDS_NOVEL:
            item.add_marker(skip)
