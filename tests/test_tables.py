import pytest

from rnnkit.figures.web import html_table


def test_html_table_escapes_and_formats_code():
    out = html_table(["layer", "error"], [["`rnn_forward`", "< 1e-8"], ["a & b", 3]])
    assert out.splitlines()[1] == "<thead><tr><th>layer</th><th>error</th></tr></thead>"
    assert "<tr><td><code>rnn_forward</code></td><td>&lt; 1e-8</td></tr>" in out
    assert "<tr><td>a &amp; b</td><td>3</td></tr>" in out
    assert out.startswith("<table>") and out.endswith("</table>")


def test_bad_rows():
    with pytest.raises(ValueError, match=r"rows\[1\] must have 2 values"):
        html_table(["a", "b"], [[1, 2], [3]])
    with pytest.raises(ValueError, match="at least one column"):
        html_table([], [])
