"""Shared pieces of the exercise-check tests: run a check quietly, read its verdict.

Import from a test module in ``tests/exercises/`` with ``from catalogue import verdict``.
Numpy only (these tests run in the no-torch virtualenv of ``tools/test_notorch.sh``).
"""
from __future__ import annotations

import contextlib
import io


def verdict(check, fn, **kwargs):
    """(returned value, printed text) of ``check(fn, **kwargs)``."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = check(fn, **kwargs)
    return result, out.getvalue()


def assert_rejected(check, fn, expected, **kwargs):
    """``check`` returns False, prints one ✗ verdict, and the verdict contains ``expected``."""
    result, text = verdict(check, fn, **kwargs)
    assert result is False, text
    assert text.startswith("✗ "), text
    assert expected in text, f"expected {expected!r} in:\n{text}"
    assert "Traceback" not in text
    return text


def assert_accepted(check, fn, **kwargs):
    result, text = verdict(check, fn, **kwargs)
    assert result is True, text
    assert text.startswith("✓ "), text
    return text
