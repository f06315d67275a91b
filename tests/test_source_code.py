"""rnnkit.figures.web.source_code: a function's source without docstring and comments."""
import pytest

from rnnkit.figures.web import source_code
from rnnkit.scratch import rnn_backward


def _sample(a, b="#not a comment"):
    """Docstring, with a # inside.

    Second paragraph.
    """
    # a comment-only line

    # another one, after a blank line
    c = a + 1   # trailing comment
    return c, b  # done


def _no_docstring(x):
    return x


def test_docstring_and_comments_are_removed():
    assert source_code(_sample) == ('def _sample(a, b="#not a comment"):\n'
                                    "    c = a + 1\n"
                                    "    return c, b")


def test_function_without_docstring():
    assert source_code(_no_docstring) == "def _no_docstring(x):\n    return x"


def test_rnn_backward_keeps_its_code():
    src = source_code(rnn_backward)
    assert src.startswith("def rnn_backward(dh, cache):\n")
    assert '"""' not in src and "#" not in src
    for line in ("for t in reversed(range(T)):", "dh_t = dh[:, t] + dh_next",
                 "da[:, t] = dh_t * (1 - h[:, t] ** 2)", "dh_next = da[:, t] @ Wh.T",
                 "dWh = h_prev.reshape(N * T, H).T @ da_rows", "return dx, dh0, dWx, dWh, db"):
        assert line in src
    compile(src, "<rnn_backward>", "exec")     # still valid Python


def test_what_has_no_python_source_is_refused():
    with pytest.raises(ValueError, match="func must be a Python function or method"):
        source_code(len)
    with pytest.raises(ValueError, match="got str"):
        source_code("rnn_backward")
