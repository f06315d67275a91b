"""Fixtures for the figure tests of chapter 07: a small Korean vocabulary and a tiny model."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
import torch  # noqa: E402

from rnnkit.data import Vocab  # noqa: E402

TEXT = "형식은 영채가 선형이 말하였다. 웃는다. “그래요?” 하고 학교에 갔다.\n"


@pytest.fixture
def vocab():
    return Vocab.from_text(TEXT)


@pytest.fixture
def model(vocab):
    from rnnkit.charlm import CharLM

    torch.manual_seed(0)
    return CharLM(len(vocab), embed=16, hidden=16, layers=1, tie=True).eval()


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    """Every test here runs torch on one thread (tests/conftest.py)."""
