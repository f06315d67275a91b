"""Matplotlib defaults for the book, with Hangul that renders.

koreanize-matplotlib ships the NanumGothic font inside its wheel, so no system font is
needed. NanumGothic lacks U+2212 (the minus sign on log-axis ticks), so DejaVu Sans is
put first and NanumGothic second: matplotlib falls back glyph by glyph.
"""
from __future__ import annotations

import matplotlib


def setup(dpi: int = 110) -> None:
    """Set fonts and a few defaults; safe to call more than once."""
    import koreanize_matplotlib  # noqa: F401  (registers NanumGothic)

    matplotlib.rcParams.update({
        "font.family": ["DejaVu Sans", "NanumGothic"],
        "axes.unicode_minus": True,
        "figure.dpi": dpi,
        "savefig.dpi": dpi,
        "figure.figsize": (6.4, 3.8),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
    })
