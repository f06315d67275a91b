"""The built site in a real browser (Debian's Chromium via playwright), offline.

Every request that does not go to the local server is aborted and recorded, so a page
that still needs a CDN (MathJax, plotly.js, the widget manager, fonts) fails here.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import html_pages

SHOTS = Path(os.environ.get("RNNBOOK_SCREENSHOTS", "/tmp/rnnbook-screenshots"))


def url_of(server: str, site: Path, page: Path) -> str:
    return f"{server}/{page.relative_to(site).as_posix()}"


def pages_with(site: Path, needle: str) -> list[Path]:
    return [p for p in html_pages(site) if needle in p.read_text(encoding="utf-8")]


def test_every_page_loads_offline_without_errors(site, server, offline_page):
    pages = html_pages(site)
    assert pages
    problems = []
    for path in pages:
        offline_page.errors.clear()
        offline_page.blocked.clear()
        offline_page.page.goto(url_of(server, site, path), wait_until="load")
        offline_page.page.wait_for_load_state("networkidle")
        name = path.relative_to(site).as_posix()
        problems += [f"{name}: {e}" for e in offline_page.unexpected_errors()]
        problems += [f"{name}: request left the site: {u}" for u in offline_page.blocked]
    assert problems == []


def test_math_is_typeset(site, server, offline_page):
    pages = pages_with(site, 'class="math')
    if not pages:
        pytest.skip("no page of the built site has math")
    page = offline_page.page
    for path in pages:
        page.goto(url_of(server, site, path), wait_until="load")
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise")
        n_math = page.locator("span.math, div.math").count()
        n_typeset = page.locator("mjx-container").count()
        assert n_math > 0
        assert n_typeset >= n_math, f"{path.name}: {n_typeset} of {n_math} formulas typeset"
        assert page.locator("mjx-merror").count() == 0, f"{path.name}: a formula failed to typeset"
        # CHTML output draws characters with MathJax's own web fonts, served by the site.
        assert page.evaluate("() => [...document.fonts].some(f => f.family.startsWith('MJX') && f.status === 'loaded')")
    assert offline_page.blocked == []


SLIDER_STATE = """el => JSON.stringify({
  active: (el.layout.sliders || []).map(s => s.active),
  svg: [...el.querySelectorAll('.main-svg .plot, .main-svg .infolayer .g-gtitle, .main-svg .xy')].map(n => n.innerHTML).join('')
})"""


def test_plotly_figures_move_with_their_sliders(site, server, offline_page):
    pages = pages_with(site, "plotly-graph-div")
    if not pages:
        pytest.skip("no page of the built site has a plotly figure")
    page = offline_page.page
    moved, figures = 0, 0
    for path in pages:
        page.goto(url_of(server, site, path), wait_until="load")
        divs = page.locator("div.plotly-graph-div")
        for i in range(divs.count()):
            div = divs.nth(i)
            div.scroll_into_view_if_needed()
            div.locator(".main-svg").first.wait_for(state="attached", timeout=10_000)
            figures += 1
            if div.locator(".slider-container").count() == 0:
                continue
            n_steps = div.evaluate("el => el.layout.sliders[0].steps.length")
            active = div.evaluate("el => el.layout.sliders[0].active || 0")
            before = div.evaluate(SLIDER_STATE)
            rail = div.locator(".slider-container .slider-rail-touch-rect").first.bounding_box()
            # Click the rail at the step farthest from the active one: a real mouse event.
            target = 0 if active > (n_steps - 1) / 2 else n_steps - 1
            x = rail["x"] + 12 + (rail["width"] - 24) * target / max(1, n_steps - 1)
            page.mouse.click(x, rail["y"] + rail["height"] / 2)
            page.wait_for_timeout(600)   # restyle is immediate; frame transitions take ~0.5 s
            after = div.evaluate(SLIDER_STATE)
            assert after != before, f"{path.name}: figure {i} did not change when its slider moved"
            assert div.evaluate("el => el.layout.sliders[0].active") == target
            moved += 1
    assert figures > 0
    assert offline_page.unexpected_errors() == [] and offline_page.blocked == []
    print(f"{figures} plotly figures, {moved} with sliders moved")


# Draw single Hangul syllables with the font a page element uses and compare the pixels.
# Without a font that has Hangul, Chromium draws the same empty box for every syllable;
# real glyphs differ from each other and from a box.
GLYPHS = """([selector, fontOverride]) => {
  const el = document.querySelector(selector);
  const style = getComputedStyle(el);
  const font = fontOverride || `${style.fontWeight} 32px ${style.fontFamily}`;
  const draw = ch => {
    const c = document.createElement('canvas'); c.width = 48; c.height = 48;
    const g = c.getContext('2d'); g.font = font; g.fillStyle = '#000'; g.textBaseline = 'top';
    g.fillText(ch, 4, 4);
    return Array.from(g.getImageData(0, 0, 48, 48).data.filter((_, i) => i % 4 === 3));
  };
  const chars = ['가', '한', '줄', '\\uFFFF'];    // U+FFFF: no font has it, Chromium draws its box
  const px = chars.map(draw);
  const ink = px.map(a => a.filter(v => v > 0).length);
  const same = (a, b) => a.every((v, i) => v === b[i]);
  return {font, ink, hangulDiffer: !same(px[0], px[1]) && !same(px[1], px[2]) && !same(px[0], px[2]),
          likeBox: px.slice(0, 3).map(a => same(a, px[3])),
          widths: chars.map(ch => { const g = document.createElement('canvas').getContext('2d'); g.font = font; return g.measureText(ch).width; })};
}"""


def test_hangul_renders_in_prose_and_figures(site, server, offline_page):
    korean = sorted((site / "book" / "ko").glob("*.html"))
    if not korean:
        pytest.skip("no Korean page in the built site")
    page = offline_page.page
    SHOTS.mkdir(parents=True, exist_ok=True)
    with_figure = [p for p in korean if "plotly-graph-div" in p.read_text(encoding="utf-8")]
    path = (with_figure or korean)[0]
    page.goto(url_of(server, site, path), wait_until="load")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SHOTS / f"ko_{path.stem}.png"), full_page=False)
    assert page.evaluate("() => document.documentElement.lang") == "ko"
    checks = {"prose": ["article h1", None]}
    if with_figure:
        fig_font = page.evaluate("() => { const t = document.querySelector('.plotly-graph-div .main-svg text'); "
                                 "return t ? getComputedStyle(t).fontFamily : null; }")
        if fig_font:
            checks["plotly figure"] = ["article h1", f"32px {fig_font}"]
        page.locator(".plotly-graph-div").first.screenshot(path=str(SHOTS / f"ko_{path.stem}_plotly.png"))
    for what, args in checks.items():
        r = page.evaluate(GLYPHS, args)
        assert min(r["ink"][:3]) > 40, f"{what}: Hangul drew no ink with {r['font']}: {r}"
        assert r["hangulDiffer"], f"{what}: different syllables drew identical pixels (tofu) with {r['font']}"
        assert not any(r["likeBox"]), f"{what}: Hangul drew the missing-glyph box with {r['font']}"
    # The text on the page itself: Hangul in the heading has no replacement boxes.
    assert any("\uac00" <= ch <= "\ud7a3" for ch in page.locator("article h1").first.inner_text())


def test_language_switch_links_twins(site, server, offline_page):
    page = offline_page.page
    pairs = [(p, site / "book" / "en" / p.name) for p in sorted((site / "book" / "ko").glob("*.html"))]
    if not pairs:
        pytest.skip("no Korean page in the built site")
    ko, en = pairs[0]
    page.goto(url_of(server, site, ko), wait_until="load")
    page.locator("nav.bilingual-switch a[hreflang=en]").click()
    page.wait_for_load_state("load")
    assert page.url == url_of(server, site, en)
    assert page.evaluate("() => document.documentElement.lang") == "en"
    page.locator("nav.bilingual-switch a[hreflang=ko]").click()
    page.wait_for_load_state("load")
    assert page.url == url_of(server, site, ko)


def test_saved_widgets_render(site, server, offline_page):
    pages = pages_with(site, "application/vnd.jupyter.widget-view+json")
    if not pages:
        pytest.skip("no page of the built site has a saved widget")
    page = offline_page.page
    for path in pages:
        page.goto(url_of(server, site, path), wait_until="load")
        n_views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
        page.locator(".jupyter-widgets").first.wait_for(state="attached", timeout=10_000)
        assert page.locator(".widget-inline-hbox, .widget-box, .jupyter-widgets.widget-container").count() >= 1
        assert n_views >= 1
    assert offline_page.unexpected_errors() == [] and offline_page.blocked == []
