"""rnnkit.figures.web: deterministic, self-contained HTML for kernel-free plotly figures.
(The figures are driven in a real browser in tests/site/test_interactive_browser.py.)"""
from __future__ import annotations

import json
import re

import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs_version

from rnnkit.figures import web


def slider_figure(title="기울기 크기"):
    ws = [0.5, 1.0, 2.0]
    fig = go.Figure([go.Scatter(x=list(range(5)), y=[w ** t for t in range(5)], visible=(w == 1.0),
                                hovertemplate="<b>%{y}</b><extra></extra>") for w in ws])
    steps = [dict(method="update", args=[{"visible": [j == i for j in range(3)]}], label=str(w))
             for i, w in enumerate(ws)]
    fig.update_layout(title=title, sliders=[dict(active=1, steps=steps)])
    return fig


def script_of(html: str) -> str:
    m = re.search(r"<script[^>]*>(.*)</script>\s*$", html, re.S)
    assert m
    return m.group(1)


def test_html_is_deterministic_and_id_is_a_hash_of_the_figure():
    a, b = web.figure_html(slider_figure()), web.figure_html(slider_figure())
    assert a == b
    div_id = web.figure_id(slider_figure())
    assert re.fullmatch(r"fig-[0-9a-f]{12}", div_id)
    assert f'<div id="{div_id}"' in a
    assert web.figure_id(slider_figure("other")) != div_id


def test_no_plotly_js_inlined_and_cdn_only_as_a_guarded_fallback():
    html = web.figure_html(slider_figure())
    assert len(html) < 50_000                      # plotly.js itself is ~4.8 MB
    url = f"https://cdn.plot.ly/plotly-{get_plotlyjs_version()}.min.js"
    assert web.plotly_cdn_url() == url
    assert html.count(url) == 1
    js = script_of(html)
    # The CDN is reached only from loadFromCdn, which runs only when window.Plotly is missing.
    assert js.index("if (window.Plotly) { draw(); }") < js.rindex("loadFromCdn();")
    assert "<script src=" not in html and "mathjax" not in html.lower()


def test_figure_json_cannot_close_the_script_element():
    fig = slider_figure(title="</script><script>alert(1)</script>")
    html = web.figure_html(fig)
    assert html.count("</script>") == 1 and html.count("<script") == 1
    payload = re.search(r"fig = (\{.*?\}), config =", script_of(html), re.S).group(1)
    assert json.loads(payload)["layout"]["title"]["text"] == "</script><script>alert(1)</script>"


def test_frames_and_sliders_survive():
    fig = go.Figure(go.Scatter(y=[0, 1]), frames=[go.Frame(data=[go.Scatter(y=[1, 0])], name="f1")])
    payload = re.search(r"fig = (\{.*?\}), config =", script_of(web.figure_html(fig)), re.S).group(1)
    spec = json.loads(payload)
    assert spec["frames"][0]["name"] == "f1" and spec["data"][0]["y"] == [0, 1]
    spec = json.loads(re.search(r"fig = (\{.*?\}), config =", script_of(web.figure_html(slider_figure())), re.S).group(1))
    assert spec["layout"]["sliders"][0]["active"] == 1 and len(spec["layout"]["sliders"][0]["steps"]) == 3
    assert "frames" not in spec


def test_show_emits_html_and_plotly_bundle(monkeypatch):
    shown = []
    import IPython.display
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append((obj, raw)))
    monkeypatch.setattr(web, "_shown", {})
    fig = slider_figure()
    web.show(fig)
    web.show(fig)                          # the same figure twice on one page
    (b1, raw1), (b2, _) = shown
    assert raw1 is True
    assert set(b1) == {"text/html", "application/vnd.plotly.v1+json"}
    assert b1["application/vnd.plotly.v1+json"]["layout"]["sliders"][0]["active"] == 1
    id1 = re.search(r'<div id="([^"]+)"', b1["text/html"]).group(1)
    id2 = re.search(r'<div id="([^"]+)"', b2["text/html"]).group(1)
    assert id1 == web.figure_id(fig) and id2 == id1 + "-1"


@pytest.mark.parametrize("bad", [None, 3, "figure", [1, 2]])
def test_bad_figure_raises_value_error(bad):
    with pytest.raises(ValueError, match="fig must be a plotly"):
        web.figure_html(bad)


def test_bad_div_id_raises_value_error():
    with pytest.raises(ValueError, match="div_id"):
        web.figure_html(slider_figure(), div_id='x" onload="alert(1)')


def test_stored_floats_keep_three_significant_digits_whatever_the_last_bits():
    import numpy as np

    y = np.array([1.0, 0.123456789, -2.5e-41, 3.0e17])
    nudged = y * (1 + 4e-16)                         # what another CPU's kernels may give
    a, b = (web.figure_html(go.Figure(go.Scatter(x=np.arange(4), y=v))) for v in (y, nudged))
    assert a == b
    spec = web._spec(go.Figure(go.Scatter(x=np.arange(4), y=y)))
    assert spec["data"][0]["y"] == [1.0, 0.123, -2.5e-41, 3.0e17]
    assert spec["data"][0]["x"]["dtype"].startswith("i")    # integer arrays are left as plotly wrote them


def test_rounding_decodes_two_dimensional_arrays_and_writes_gaps_as_null():
    import numpy as np

    z = np.array([[np.pi, np.nan], [np.inf, -1 / 3]])
    spec = web._spec(go.Figure(go.Heatmap(z=z)))
    assert spec["data"][0]["z"] == [[3.14, None], [None, -0.333]]
    assert web._rounded({"a": [0.98765, 7], "b": "text"}, 2) == {"a": [0.99, 7], "b": "text"}
