"""Fixtures for the tests of rnnkit.charlm: small synthetic Korean texts, tiny models.

Tests that need the real novel read the file named by ``RNNKIT_MUJEONG`` (``.ci/run``
sets it) and are skipped, with the reason, when it is not set. No test uses the network.
"""
from __future__ import annotations

import os
import random

import pytest
import torch

from rnnkit.data import Vocab, mujeong

NOVEL_PATH = os.environ.get(mujeong.ENV_VAR) or None
NOVEL_SKIP = f"needs the novel: set {mujeong.ENV_VAR} to the path of mujeong.txt"

WORDS = ["형식은", "영채가", "선형이", "말하였다.", "웃는다.", "“그래요?”", "하고", "학교에",
         "갔다.", "\n"]


def synthetic_text(n_words=400, seed=0):
    """A random word salad over a small Korean vocabulary (about 25 distinct characters)."""
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(n_words))


@pytest.fixture
def text():
    return synthetic_text()


@pytest.fixture
def vocab(text):
    return Vocab.from_text(text)


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    """Every test here runs torch on one thread (tests/conftest.py)."""


@pytest.fixture(scope="session")
def novel():
    if NOVEL_PATH is None:
        pytest.skip(NOVEL_SKIP)
    return mujeong.load_mujeong(NOVEL_PATH)
