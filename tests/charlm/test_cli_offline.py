"""Sampling the shipped model without the novel (issue #17, item 5).

The shipped mixture's Kneser-Ney member is counted from the novel when the file is
loaded; without the novel, ``sample`` leaves it out and says so in one line, and
``load_mixture(..., skip_ngram=True)`` does the same in Python. No test uses the network:
the novel is made unreachable with a missing $RNNKIT_MUJEONG, an empty cache folder and,
for the download, a closed port on 127.0.0.1.
"""
from __future__ import annotations

import functools
import os
import socket
import subprocess
import sys

import pytest
import torch

from rnnkit.charlm import CharLM, load_mixture, save_mixture
from rnnkit.charlm.checkpoint import SHIPPED
from rnnkit.data import mujeong

NOTE = "note: the Kneser-Ney 5-gram member of"


def _offline_env(tmp_path):
    env = dict(os.environ, RNNKIT_MUJEONG=str(tmp_path / "no-such-novel.txt"),
               RNNKIT_CACHE_DIR=str(tmp_path / "empty-cache"), XDG_CACHE_HOME=str(tmp_path / "xdg"))
    (tmp_path / "empty-cache").mkdir()
    return env


def test_sample_without_the_novel_uses_the_lstms_and_says_so(tmp_path):
    r = subprocess.run([sys.executable, "-m", "rnnkit.charlm", "sample", "--prompt", "형식은", "--length", "20",
                        "--threads", "1"], capture_output=True, text=True, timeout=300, env=_offline_env(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("형식은") and len(r.stdout.rstrip("\n")) == 23
    assert r.stderr.count("\n") == 1 and r.stderr.startswith(NOTE), r.stderr
    assert "sampling from its 3 neural models alone" in r.stderr
    assert "--data PATH" in r.stderr and "RNNKIT_MUJEONG" in r.stderr
    assert os.listdir(tmp_path / "empty-cache") == []


def test_evaluate_still_needs_the_novel(tmp_path):
    r = subprocess.run([sys.executable, "-m", "rnnkit.charlm", "evaluate", "--threads", "1"],
                       capture_output=True, text=True, timeout=300, env=_offline_env(tmp_path))
    assert r.returncode == 2 and "RNNKIT_MUJEONG" in r.stderr and NOTE not in r.stderr


def test_sample_when_the_download_fails(tmp_path, monkeypatch, capsys):
    from rnnkit.charlm import cli
    from rnnkit.charlm.__main__ import main
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/mujeong.txt"     # nothing listens there
    monkeypatch.delenv(mujeong.ENV_VAR, raising=False)
    monkeypatch.setenv(mujeong.CACHE_ENV_VAR, str(tmp_path))
    monkeypatch.setattr(cli, "load_mujeong", functools.partial(mujeong.load_mujeong, url=dead, progress=False))
    assert main(["sample", "--prompt", "형식은", "--length", "10"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("형식은") and err.startswith(NOTE) and err.count("\n") == 1
    assert os.listdir(tmp_path) == []


def test_load_mixture_skip_ngram_renormalises_the_neural_weights(tmp_path, vocab, text):
    torch.manual_seed(0)
    models = [CharLM(len(vocab), embed=8, hidden=8, layers=1) for _ in range(2)]
    path = save_mixture(tmp_path / "mix.pt", models, vocab, weights=[1, 3, 4], train_text=text[:500],
                        ngram=dict(order=3, discount=0.75, kneser_ney=True))
    mixture, _, ckpt = load_mixture(path, skip_ngram=True)
    assert len(mixture.members) == 2 and mixture.weights == pytest.approx([0.25, 0.75])
    assert ckpt["weights"] == pytest.approx([1 / 8, 3 / 8, 4 / 8])        # the file as stored
    full, _, _ = load_mixture(path, train_text=text[:500])
    assert len(full.members) == 3


def test_the_shipped_model_is_a_mixture_with_an_ngram_member():
    raw = torch.load(SHIPPED, weights_only=True)
    assert raw["ngram"]["order"] == 5 and len(raw["members"]) == 3
