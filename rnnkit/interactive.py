"""Kernel-free interactive figures (plotly) for the static site.

:func:`show` displays a plotly figure so that it works in three places:

- on the built book, as HTML that calls the plotly.js the site serves itself
  (no CDN request);
- in JupyterLab, through plotly's own MIME renderer;
- in plain HTML front ends (e.g. Colab) that have no plotly.js yet.

The ``div`` id is a hash of the figure's JSON, so re-executing a notebook reproduces the
output byte for byte and strict nbval can compare it.
"""
from __future__ import annotations

import hashlib


def figure_html(fig) -> str:
    """HTML for ``fig`` without plotly.js, with a deterministic div id."""
    import plotly.io as pio

    spec = pio.to_json(fig, validate=True, pretty=False, engine="json")
    div_id = "fig-" + hashlib.sha1(spec.encode()).hexdigest()[:12]
    return pio.to_html(fig, include_plotlyjs=False, include_mathjax=False,
                       full_html=False, auto_play=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": True})


def show(fig) -> None:
    """Display ``fig`` as HTML (site) plus plotly's JSON bundle (JupyterLab)."""
    import plotly.io as pio
    from IPython.display import display

    bundle = {
        "text/html": figure_html(fig),
        "application/vnd.plotly.v1+json": pio.to_plotly_json(fig),
    }
    display(bundle, raw=True)
