"""pytest settings for the notebooks (nbval runs them from here).

Chapters 07 and 08 read the novel 『무정』, which is never part of the repository and which a
test may not download. Where the novel cannot be found (``RNNKIT_MUJEONG`` unset and no
cached copy), every notebook whose code calls ``load_mujeong`` is skipped with that reason,
like the other tests that need the novel; ``.ci/run`` sets the variable when
``../shared/data/mujeong.txt`` exists.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache

import pytest

from rnnkit.data import mujeong



@lru_cache(maxsize=None)
def needs_novel(path):
    """Whether a code cell of the notebook at ``path`` calls ``load_mujeong``."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return any(c["cell_type"] == "code" and "load_mujeong(" in "".join(c["source"]) for c in cells)


def novel_available():
    if os.environ.get(mujeong.ENV_VAR):
        return True
    return (mujeong.default_cache_dir() / mujeong.CACHE_NAME).is_file()


def pytest_collection_modifyitems(config, items):
    if novel_available():
        return
    skip = pytest.mark.skip(reason=f"needs the novel: set {mujeong.ENV_VAR} to the path of mujeong.txt")
    for item in items:
        if item.path.suffix == ".ipynb" and needs_novel(item.path):
            item.add_marker(skip)
