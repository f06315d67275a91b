"""Fixtures for the tests of rnnkit.spacing (chapter 08).

Tests that need the real novel read the file named by ``RNNKIT_MUJEONG`` and are skipped,
with the reason, when it is not set. No test uses the network.
"""
from __future__ import annotations

import os

import pytest

from rnnkit.data import mujeong

NOVEL_PATH = os.environ.get(mujeong.ENV_VAR) or None
NOVEL_SKIP = f"needs the novel: set {mujeong.ENV_VAR} to the path of mujeong.txt"


@pytest.fixture(scope="session")
def novel():
    if NOVEL_PATH is None:
        pytest.skip(NOVEL_SKIP)
    return mujeong.load_mujeong(NOVEL_PATH)
