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


WORDS = ["형식은", "영채가", "선형이", "학교에", "갔다.", "웃는다.", "집에서", "말하였다."]


def make_salad(n_lines=200, seed=0):
    """Lines of 3 to 8 random words of ``WORDS`` (the synthetic text of test_spacing_model.py)."""
    import random

    rng = random.Random(seed)
    return "\n".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8))) for _ in range(n_lines))


@pytest.fixture(scope="session")
def salad():
    """``make_salad``: a function (n_lines, seed) -> text of random words with their spaces."""
    return make_salad
