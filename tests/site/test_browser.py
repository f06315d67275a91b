"""The built site in a real browser (Debian's Chromium via playwright), offline.

Every request that does not go to the local server is aborted and recorded, so a page
that still needs a CDN (MathJax, plotly.js, the widget manager, fonts) fails here.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from sitekit import html_pages

SHOTS = Path(os.environ.get("RNNBOOK_SCREENSHOTS", "/tmp/rnnbook-screenshots"))


def url_of(server: str, site: Path, page: Path) -> str:
    return f"{server}/{page.relative_to(site).as_posix()}"


def pages_with(site: Path, needle: str) -> list[Path]:
    return [p for p in html_pages(site) if needle in p.read_text(encoding="utf-8")]


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
DRAWN = "[...document.querySelectorAll('div.plotly-graph-div')].filter(d => d.querySelector('.main-svg')).length"
VISIT = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  await document.fonts.ready;
  return {
    math: document.querySelectorAll('span.math, div.math').length,
    typeset: document.querySelectorAll('mjx-container').length,
    merror: document.querySelectorAll('mjx-merror').length,
    mjxFont: [...document.fonts].some(f => f.family.startsWith('MJX') && f.status === 'loaded'),
    figures: document.querySelectorAll('div.plotly-graph-div').length,
    drawn: DRAWN,
    widgetViews: document.querySelectorAll('script[type="WIDGET_VIEW"]').length,
    widgetsRendered: document.querySelectorAll('.widget-inline-hbox, .widget-box, .widget-container').length,
  };
}""".replace("DRAWN", DRAWN).replace("WIDGET_VIEW", WIDGET_VIEW)


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


def hangul_checks(page, path) -> dict:
    """Screenshots of a Korean page and of its first figure; glyph checks of the prose
    font and of plotly's figure font."""
    page.screenshot(path=str(SHOTS / f"ko_{path.stem}.png"))
    checks = {"prose": ["article h1", None], "lang": page.evaluate("() => document.documentElement.lang"),
              "h1": page.locator("article h1").first.inner_text()}
    fig_font = page.evaluate("() => { const t = document.querySelector('.plotly-graph-div .main-svg text'); "
                             "return t ? getComputedStyle(t).fontFamily : null; }")
    if fig_font:
        checks["plotly figure"] = ["article h1", f"32px {fig_font}"]
        fig = page.locator(".plotly-graph-div").first
        fig.scroll_into_view_if_needed()
        fig.screenshot(path=str(SHOTS / f"ko_{path.stem}_plotly.png"))
    return {k: (page.evaluate(GLYPHS, v) if isinstance(v, list) else v) for k, v in checks.items()}


def test_hangul_renders_in_prose_and_figures(visits):
    checked = {name: v["hangul"] for name, v in visits.items() if v.get("hangul")}
    if not checked:
        pytest.skip("no Korean page in the built site")
    (name, h), = checked.items()
    assert h["lang"] == "ko"
    assert any("\uac00" <= ch <= "\ud7a3" for ch in h["h1"]), f"{name}: no Hangul in the title {h['h1']!r}"
    for what, r in h.items():
        if what in ("lang", "h1"):
            continue
        assert min(r["ink"][:3]) > 40, f"{name} {what}: Hangul drew no ink with {r['font']}: {r}"
        assert r["hangulDiffer"], f"{name} {what}: different syllables drew identical pixels (tofu) with {r['font']}"
        assert not any(r["likeBox"]), f"{name} {what}: Hangul drew the missing-glyph box with {r['font']}"
    print(f"Hangul checked on {name} ({', '.join(k for k in h if k not in ('lang', 'h1'))}); screenshots in {SHOTS}")


def test_plotly_figures_move_with_their_sliders(visits):
    moves = [m for v in visits.values() for m in v["sliders"]]
    if not moves:
        pytest.skip("no plotly figure with a slider in the built site")
    stuck = [m for m in moves if not m["changed"] or m["active"] != m["target"]]
    assert stuck == []
    print(f"{len(moves)} plotly sliders moved")


# What the reader sees of a figure: the plotted traces, titles and axes as drawn SVG.
SLIDER_STATE = """el => [...el.querySelectorAll('.main-svg .plot, .main-svg .infolayer .g-gtitle, .main-svg .xy')].map(n => n.innerHTML).join('')"""


def move_sliders(page, label: str) -> list[dict]:
    """Click each figure's slider rail at the step farthest from the active one (a real
    mouse event) and record the figure's state before and after."""
    results = []
    divs = page.locator("div.plotly-graph-div")
    for i in range(divs.count()):
        div = divs.nth(i)
        if div.locator(".slider-container").count() == 0:
            continue
        div.scroll_into_view_if_needed()
        n_steps = div.evaluate("el => el.layout.sliders[0].steps.length")
        active = div.evaluate("el => el.layout.sliders[0].active || 0")
        before = div.evaluate(SLIDER_STATE)
        rail = div.locator(".slider-container .slider-rail-touch-rect").first.bounding_box()
        target = 0 if active > (n_steps - 1) / 2 else n_steps - 1
        x = rail["x"] + 12 + (rail["width"] - 24) * target / max(1, n_steps - 1)
        page.mouse.click(x, rail["y"] + rail["height"] / 2)
        # Restyle steps redraw at once, frame steps animate for ~0.5 s: wait for a change (3 s at most).
        div.evaluate("(el, before) => new Promise(done => { const t0 = Date.now(); (function poll() {"
                     f" if (({SLIDER_STATE})(el) !== before || Date.now() - t0 > 3000) done();"
                     " else setTimeout(poll, 50); })(); })", before)
        page.wait_for_timeout(100)
        results.append({"figure": f"{label} #{i}", "target": target,
                        "active": div.evaluate("el => el.layout.sliders[0].active"),
                        "changed": div.evaluate(SLIDER_STATE) != before})
    return results


@pytest.fixture(scope="module")
def visits(site, server, browser):
    """Open every page of the site once, offline; record what each page did, move every
    plotly slider, and check Hangul glyphs on the first Korean page with a figure."""
    from playwright.sync_api import Error as PlaywrightError

    from sitekit import OfflinePage

    p = OfflinePage(browser, server)
    out = {}
    hangul_done = False
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        for path in html_pages(site):
            name = path.relative_to(site).as_posix()
            p.errors.clear()
            p.blocked.clear()
            p.page.goto(url_of(server, site, path), wait_until="load")
            text = path.read_text(encoding="utf-8")
            if WIDGET_VIEW in text:
                p.page.locator(".jupyter-widgets").first.wait_for(state="attached", timeout=15_000)
            if "plotly-graph-div" in text:
                p.page.wait_for_function(f"() => ({DRAWN}) === document.querySelectorAll('div.plotly-graph-div').length")
            try:
                info = p.page.evaluate(VISIT)
            except PlaywrightError:      # a redirect page (index.html) navigated meanwhile
                p.page.wait_for_load_state("load")
                info = p.page.evaluate(VISIT)
            info["hangul"] = None
            if name.startswith("book/ko/") and "plotly-graph-div" in text and not hangul_done:
                info["hangul"] = hangul_checks(p.page, path)
                hangul_done = True
            info["sliders"] = move_sliders(p.page, name) if p.page.locator(".slider-container").count() else []
            info["errors"] = p.unexpected_errors()
            info["blocked"] = list(p.blocked)
            out[name] = info
        if not hangul_done:        # no Korean page with a figure: check the prose of one
            korean = sorted((site / "book" / "ko").glob("*.html"))
            if korean:
                p.page.goto(url_of(server, site, korean[0]), wait_until="load")
                out[korean[0].relative_to(site).as_posix()]["hangul"] = hangul_checks(p.page, korean[0])
    finally:
        p.close()
    return out


def test_every_page_loads_offline_without_errors(visits):
    assert visits
    problems = [f"{name}: {e}" for name, v in visits.items() for e in v["errors"]]
    problems += [f"{name}: request left the site: {u}" for name, v in visits.items() for u in v["blocked"]]
    assert problems == []


def test_math_is_typeset(visits):
    with_math = {name: v for name, v in visits.items() if v["math"]}
    if not with_math:
        pytest.skip("no page of the built site has math")
    for name, v in with_math.items():
        assert v["typeset"] >= v["math"], f"{name}: {v['typeset']} of {v['math']} formulas typeset"
        assert v["merror"] == 0, f"{name}: a formula failed to typeset"
        # CHTML output draws characters with MathJax's own web fonts, served by the site.
        assert v["mjxFont"], f"{name}: MathJax's fonts did not load"
    print(f"math typeset on {len(with_math)} pages, {sum(v['typeset'] for v in with_math.values())} formulas")


def test_every_plotly_figure_is_drawn(visits):
    figs = {name: v for name, v in visits.items() if v["figures"]}
    if not figs:
        pytest.skip("no page of the built site has a plotly figure")
    assert all(v["drawn"] == v["figures"] for v in figs.values()), figs


def test_language_switch_links_twins(site, server, offline_page):
    page = offline_page.page
    pairs = [(p, site / "book" / "en" / p.name) for p in sorted((site / "book" / "ko").glob("*.html"))]
    if not pairs:
        pytest.skip("no Korean page in the built site")
    ko, en = min(pairs, key=lambda pair: pair[0].stat().st_size + pair[1].stat().st_size)
    page.goto(url_of(server, site, ko), wait_until="load")
    page.locator("nav.bilingual-switch a[hreflang=en]").click()
    page.wait_for_load_state("load")
    assert page.url == url_of(server, site, en)
    assert page.evaluate("() => document.documentElement.lang") == "en"
    page.locator("nav.bilingual-switch a[hreflang=ko]").click()
    page.wait_for_load_state("load")
    assert page.url == url_of(server, site, ko)


def test_collapsed_blocks_speak_the_page_language(site, server, offline_page):
    """The "click to show" hint of solutions and hidden cells: Korean on ko, English on en."""
    page = offline_page.page
    hints = {}
    for lang in ("ko", "en"):
        found = [p for p in sorted((site / "book" / lang).glob("*.html"))
                 if "dropdown admonition" in p.read_text(encoding="utf-8")]
        if not found:
            pytest.skip(f"no {lang} page with a dropdown block")
        page.goto(url_of(server, site, found[0]), wait_until="load")
        hints[lang] = page.evaluate(
            "() => document.querySelector('button.toggle-button').dataset.toggleHint")
    assert hints["en"] == "Click to show", hints
    assert hints["ko"] != hints["en"] and any("\uac00" <= ch <= "\ud7a3" for ch in hints["ko"]), hints


def test_saved_widgets_render(visits):
    pages = {name: v for name, v in visits.items() if v["widgetViews"]}
    if not pages:
        pytest.skip("no page of the built site has a saved widget")
    for name, v in pages.items():
        assert v["widgetsRendered"] >= 1, f"{name}: {v['widgetViews']} saved widget views, none rendered"
