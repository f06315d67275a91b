"""Matplotlib defaults for the book, with Hangul that renders.

koreanize-matplotlib ships the NanumGothic font inside its wheel, so no system font is
needed. NanumGothic lacks U+2212 (the minus sign on log-axis ticks), so DejaVu Sans is
put first and NanumGothic second: matplotlib falls back glyph by glyph.

Mathtext (``$...$``) next to Hangul in one label: in a string with ``$...$`` matplotlib
draws the math with the mathtext fonts and the plain text with the first font of the
text's family only (no glyph-by-glyph fallback), so with DejaVu Sans first the Hangul
would be boxes. :func:`use_korean_font` with an ``Axes`` or ``Figure`` gives every such
text ``MATH_FONT_FAMILY`` (NanumGothic first); call it on a figure before showing it,
e.g. ``style.use_korean_font(fig)`` after setting a title like ``"$W_{hh}$가 쓰인 시점"``.
"""
from __future__ import annotations

import matplotlib


FONT_FAMILY = ["DejaVu Sans", "NanumGothic"]
MATH_FONT_FAMILY = ["NanumGothic", "DejaVu Sans"]   # for texts that mix $...$ and Hangul


def _has_hangul(text: str) -> bool:
    return any("\uac00" <= c <= "\ud7a3" or "\u3131" <= c <= "\u318e" for c in text)


def _mixes_math_and_hangul(text: str) -> bool:
    return text.count("$") >= 2 and _has_hangul(text)


def use_korean_font(ax=None) -> None:
    """Make Hangul render in the figures drawn from now on; touches only the font settings.

    Every rnnkit function that draws a matplotlib figure calls this first, so a figure
    made outside the chapters (without :func:`setup`) shows Hangul, not boxes and
    "Glyph missing" warnings. A function that draws on the caller's ``ax`` calls it
    again with ``ax`` when it is done: texts that existed before the font was in place
    (the axes' title, its first tick labels) keep their old font otherwise, so those of
    them that hold characters beyond Latin-1 get the Korean font list too.

    ``ax`` may also be a ``Figure`` (its suptitle, every axes, legend and colorbar). A
    text that mixes mathtext and Hangul (``"$W_{hh}$가 쓰인 시점 $k$"``) gets
    ``MATH_FONT_FAMILY``, so its plain part is drawn with NanumGothic.
    """
    if list(matplotlib.rcParams["font.family"]) != FONT_FAMILY:
        import koreanize_matplotlib  # noqa: F401  (registers NanumGothic; sets rcParams on import)

        matplotlib.rcParams.update({"font.family": FONT_FAMILY, "axes.unicode_minus": True})
    if ax is not None:
        from matplotlib.text import Text

        for text in ax.findobj(Text):
            s = text.get_text()
            if _mixes_math_and_hangul(s):
                if list(text.get_fontfamily()) != MATH_FONT_FAMILY:
                    text.set_fontfamily(MATH_FONT_FAMILY)
            elif "NanumGothic" not in text.get_fontfamily() and any(ord(c) > 0xFF for c in s):
                text.set_fontfamily(FONT_FAMILY)


def setup(dpi: int = 110) -> None:
    """Set fonts and a few defaults for the book's figures; safe to call more than once."""
    use_korean_font()
    matplotlib.rcParams.update({
        "figure.dpi": dpi,
        "savefig.dpi": dpi,
        "figure.figsize": (6.4, 3.8),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
    })
