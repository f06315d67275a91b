"""Small result tables that render the same in Jupyter, Colab and on the built book.

The book's site renders notebook outputs of type ``text/markdown`` as CommonMark, which
has no tables, so a chapter that prints a table shows it as HTML instead::

    show_table(["D", "H", "params"], [[4, 3, 27], [10, 20, 640]])

Cells are converted with ``str`` and HTML-escaped; text between backticks becomes
``<code>``. Keep numbers formatted (rounded) before passing them, so that re-running a
notebook reproduces the output exactly.
"""
from __future__ import annotations

import html
import re

_CODE = re.compile(r"`([^`]+)`")


def _cell(value, tag):
    text = _CODE.sub(r"<code>\1</code>", html.escape(str(value), quote=False))
    return f"<{tag}>{text}</{tag}>"


def html_table(header, rows):
    """HTML for a table with one header row.

    Parameters
    ----------
    header : sequence of column titles
    rows : sequence of rows, each a sequence with one value per column

    Returns
    -------
    str, a ``<table>`` element
    """
    header = list(header)
    if not header:
        raise ValueError("header must name at least one column")
    lines = ["<table>", "<thead><tr>" + "".join(_cell(h, "th") for h in header) + "</tr></thead>", "<tbody>"]
    for i, row in enumerate(rows):
        row = list(row)
        if len(row) != len(header):
            raise ValueError(f"rows[{i}] must have {len(header)} values (one per column), got {len(row)}")
        lines.append("<tr>" + "".join(_cell(v, "td") for v in row) + "</tr>")
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines)


def show_table(header, rows):
    """Display :func:`html_table` (in a notebook)."""
    from IPython.display import HTML, display

    display(HTML(html_table(header, rows)))
