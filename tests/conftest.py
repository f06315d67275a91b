import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest  # noqa: E402


@pytest.fixture
def one_torch_thread():
    """Small models are fastest, and reproducible, on one thread; restore afterwards.

    torch is imported here, not at the top: the no-torch check runs tests/scratch."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
