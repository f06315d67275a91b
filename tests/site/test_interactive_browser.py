"""rnnkit.figures.web figures in Chromium: drawn with the page's plotly.js when it has one
(no request anywhere), and with plotly.js from its CDN when it has none (as on Colab).
Needs no built site: the plotly.js of the installed plotly package answers both URLs."""
from __future__ import annotations

import os

import plotly
import plotly.graph_objects as go

from rnnkit.figures import web

PLOTLY_JS = os.path.join(os.path.dirname(plotly.__file__), "package_data", "plotly.min.js")
LOCAL = "http://site.test/"


def page_with(browser, body: str):
    ctx = browser.new_context()
    page = ctx.new_page()
    requests, errors = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))

    def route(r):
        url = r.request.url
        requests.append(url)
        if url == LOCAL:
            r.fulfill(content_type="text/html", body=body)
        elif url in (LOCAL + "plotly.min.js", web.plotly_cdn_url()):
            r.fulfill(path=PLOTLY_JS, content_type="application/javascript")
        else:
            r.abort()
    page.route("**/*", route)
    page.goto(LOCAL, wait_until="load")
    return ctx, page, requests, errors


def figures():
    return [go.Figure(go.Bar(x=["가", "나"], y=[1, k])) for k in (2, 3)]


def test_uses_the_pages_plotly_and_requests_nothing_else(browser):
    body = ('<html><head><script src="plotly.min.js"></script></head><body>'
            + "".join(web.figure_html(f) for f in figures()) + "</body></html>")
    ctx, page, requests, errors = page_with(browser, body)
    try:
        page.wait_for_function("() => document.querySelectorAll('.main-svg').length >= 2")
        assert requests == [LOCAL, LOCAL + "plotly.min.js"]
        assert errors == []
    finally:
        ctx.close()


def test_loads_plotly_from_its_cdn_once_when_the_page_has_none(browser):
    body = "<html><body>" + "".join(web.figure_html(f) for f in figures()) + "</body></html>"
    ctx, page, requests, errors = page_with(browser, body)
    try:
        page.wait_for_function("() => document.querySelectorAll('.main-svg').length >= 2")
        assert requests == [LOCAL, web.plotly_cdn_url()]
        assert page.evaluate("() => [...document.querySelectorAll('.plotly-graph-div')].map(d => d.data[0].y[1])") == [2, 3]
        assert errors == []
    finally:
        ctx.close()
