"""What every check shares: numpy only, no files, tolerant of rounding, every check listed."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import rnnkit.exercises as exercises
from catalogue import assert_accepted, verdict
from rnnkit import scratch

ROOT = Path(__file__).resolve().parents[2]


def test_importing_and_running_the_checks_needs_no_torch_and_writes_nothing(tmp_path):
    code = ("import sys, rnnkit.exercises as E, rnnkit.scratch as S\n"
            "assert E.check_rnn_backward(S.rnn_backward) and E.check_lstm_step_backward(S.lstm_step_backward)\n"
            "assert not [m for m in sys.modules if m == 'torch' or m.startswith('torch.')], 'torch imported'\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOME=str(tmp_path))
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_correct_float32_implementation_that_rounds_differently_passes():
    def via_float64(x, h_prev, Wx, Wh, b):       # computes in float64, then rounds once
        h = np.tanh(x.astype(np.float64) @ Wx.astype(np.float64) + h_prev.astype(np.float64) @ Wh + b)
        return h.astype(x.dtype), None
    assert_accepted(exercises.check_rnn_step_forward, via_float64)

    def bptt_in_float64(dh, cache):              # float32 gradients rounded from float64 ones
        tag, *arrays = cache
        grads = scratch.rnn_backward(dh.astype(np.float64), (tag, *(a.astype(np.float64) for a in arrays)))
        return tuple(g.astype(dh.dtype) for g in grads)
    assert_accepted(exercises.check_rnn_backward, bptt_in_float64)


def test_every_check_is_exported_and_catches_not_implemented():
    names = [n for n in exercises.__all__ if n.startswith("check_")]
    assert len(names) == 11

    def stub(*args):
        raise NotImplementedError
    for name in names:
        result, text = verdict(getattr(exercises, name), stub)
        assert result is False and text.startswith(f"… {name[len('check_'):]}: not implemented yet"), text


def test_the_module_docstring_documents_every_check():
    for name in exercises.__all__:
        assert f"``{name}``" in exercises.__doc__, name
