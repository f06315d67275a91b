"""The chapter 09 check of linear_scan_backward accepts the reference and rejects typical mistakes."""
import numpy as np
import pytest

from catalogue import assert_accepted, assert_rejected
from rnnkit import scratch
from rnnkit.exercises import check_linear_scan_backward


def scan_bw(shift=True, recurse=True, h_prev=True, a_on_dh0=True):
    """A loop version of the backward pass, with one mistake switched on by each flag."""
    def fn(dh, cache):
        _, a, h0, h, _ = cache
        T = dh.shape[1]
        g, nxt = np.zeros_like(dh), np.zeros_like(h0)
        for t in reversed(range(T)):
            coeff = (a[:, t + 1] if t + 1 < T else 0) if shift else a[:, t]
            nxt = dh[:, t] + (coeff * nxt if recurse else 0)
            g[:, t] = nxt
        prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1) if h_prev else h
        return g * prev, g, (a[:, 0] * g[:, 0] if a_on_dh0 else g[:, 0])
    return fn


def scan_fw(a, b, h0):
    """The reader's own forward pass (a loop), for forward=."""
    h, prev = np.empty_like(b), h0
    for t in range(b.shape[1]):
        prev = a[:, t] * prev + b[:, t]
        h[:, t] = prev
    return h, ("linear_scan", a, h0, h, "sequential")


MISTAKES = [
    (scan_bw(shift=False), "the backward recurrence uses a_t"),
    (scan_bw(recurse=False), "only the direct gradient dh_t is used"),
    (scan_bw(h_prev=False), "da_t multiplies g_t by h_t"),
    (scan_bw(a_on_dh0=False), "dh0 is g_1"),
]


def test_accepts_the_reference_a_loop_and_the_readers_forward():
    text = assert_accepted(check_linear_scan_backward, scratch.linear_scan_backward)
    assert "5 cases" in text and "N = 1, T = 1 and H = 1" in text and "numerical gradients" in text
    assert_accepted(check_linear_scan_backward, scan_bw())
    assert_accepted(check_linear_scan_backward, scan_bw(), forward=scan_fw)


@pytest.mark.parametrize("fn, expected", MISTAKES, ids=[e for _, e in MISTAKES])
def test_rejects_with_a_hint(fn, expected):
    text = assert_rejected(check_linear_scan_backward, fn, expected)
    assert "Hint:" in text


def test_a_wrong_forward_is_blamed_and_korean_verdicts():
    def bad_fw(a, b, h0):
        h, cache = scan_fw(a, b, h0)
        return h + 1, cache
    assert_rejected(check_linear_scan_backward, scan_bw(), "the forward function you passed", forward=bad_fw)
    text = assert_rejected(check_linear_scan_backward, scan_bw(shift=False), "역방향 점화식에 a_t를", lang="ko")
    assert "힌트:" in text
