"""The built site's layout in Chromium: every page at phone width (390 px) and chapter
07's results table at desktop width fit their column, and saved ipywidgets, which no
kernel answers on the static site, show inactive controls and a note (issue #17, items
11 and 12)."""
from __future__ import annotations

import pytest

from sitekit import OfflinePage, html_pages

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# Every element of the article that sticks out of the article's column, unless an
# ancestor scrolls sideways on purpose (overflow-x auto/scroll: code blocks, outputs,
# wide formulas). MathJax's assistive MathML is invisible (clipped to 1 px): skipped.
OVERFLOW = r"""() => {
  const out = {viewport: document.documentElement.clientWidth,
               page: document.documentElement.scrollWidth, items: []};
  const article = document.querySelector('article.bd-article');
  if (!article) return out;
  const col = article.getBoundingClientRect();
  const reported = [];
  for (const el of article.querySelectorAll('*')) {
    if (el.closest('mjx-assistive-mml')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.right <= col.right + 1 && r.left >= col.left - 1) continue;
    let a = el.parentElement, scrolls = false;
    while (a && a !== article) {
      const o = getComputedStyle(a).overflowX;
      if (o === 'auto' || o === 'scroll') { scrolls = true; break; }
      a = a.parentElement;
    }
    if (scrolls || reported.some(p => p.contains(el))) continue;
    reported.push(el);
    const sec = el.closest('section');
    out.items.push(`<${el.tagName.toLowerCase()}> in #${sec ? sec.id : '?'} spans ${Math.round(r.left)}..${Math.round(r.right)} px `
                   + `(column ${Math.round(col.left)}..${Math.round(col.right)}): ${JSON.stringify((el.textContent || '').slice(0, 40))}`);
  }
  return out;
}"""


def open_page(p: OfflinePage, server: str, site, path):
    from playwright.sync_api import Error as PlaywrightError

    p.page.goto(f"{server}/{path.relative_to(site).as_posix()}", wait_until="load")
    text = path.read_text(encoding="utf-8")
    if WIDGET_VIEW in text:
        p.page.locator(".cell_output .jupyter-widgets").first.wait_for(state="attached", timeout=15_000)
    if "plotly-graph-div" in text:
        p.page.wait_for_function("() => [...document.querySelectorAll('div.plotly-graph-div')]"
                                 ".every(d => d.querySelector('.main-svg'))")
    try:
        p.page.evaluate("async () => { if (window.MathJax && MathJax.startup && MathJax.startup.promise)"
                        " { await MathJax.startup.promise; } await document.fonts.ready; }")
    except PlaywrightError:              # a redirect page (index.html) navigated meanwhile
        p.page.wait_for_load_state("load")


@pytest.fixture(scope="module")
def phone_layout(site, server, browser):
    p = OfflinePage(browser, server)
    p.page.set_viewport_size(PHONE)
    out = {}
    try:
        for path in html_pages(site):
            open_page(p, server, site, path)
            out[path.relative_to(site).as_posix()] = p.page.evaluate(OVERFLOW)
    finally:
        p.close()
    return out


def test_no_page_is_wider_than_a_phone(phone_layout):
    wide = {name: v["page"] for name, v in phone_layout.items() if v["page"] > v["viewport"]}
    assert wide == {}, f"pages that scroll sideways at {PHONE['width']} px (their width): {wide}"


def test_nothing_sticks_out_of_the_column_on_a_phone(phone_layout):
    problems = [f"{name}: {item}" for name, v in phone_layout.items() for item in v["items"]]
    assert problems == [], "\n".join(problems)


TABLE = r"""() => {
  const t = [...document.querySelectorAll('article .cell_output table')].find(t => t.querySelectorAll('thead th').length >= 9);
  if (!t) return null;
  const box = t.parentElement.getBoundingClientRect(), r = t.getBoundingClientRect();
  const lines = [...t.querySelectorAll('tbody td:first-child')].map(td => {
    const range = document.createRange(); range.selectNodeContents(td);
    return new Set([...range.getClientRects()].map(q => Math.round(q.top))).size;
  });
  return {table: Math.round(r.width), column: Math.round(box.width), maxLines: Math.max(...lines)};
}"""


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_chapter_07_results_table_fits_a_desktop_column(site, server, browser, lang):
    """Section 7.8's table was 869 px (English) / 715 px (Korean) in a 688 px column,
    model names broken over up to 7 lines."""
    path = site / "book" / lang / "07_charlm.html"
    if not path.is_file():
        pytest.skip(f"no {path}")
    p = OfflinePage(browser, server)
    try:
        p.page.set_viewport_size(DESKTOP)
        open_page(p, server, site, path)
        t = p.page.evaluate(TABLE)
    finally:
        p.close()
    assert t is not None, "no table with nine columns on the page"
    assert t["table"] <= t["column"], t
    assert t["maxLines"] <= 4, t


INACTIVE = r"""() => [...document.querySelectorAll('.cell_output')].filter(o => o.querySelector('.jupyter-widgets')).map(o => ({
  note: (o.querySelector('.rnnkit-kernel-note') || {}).textContent || null,
  controls: o.querySelectorAll('.widget-slider, .widget-toggle-buttons, .widget-text, .widget-button, .widget-dropdown').length,
  live: [...o.querySelectorAll('.widget-slider, .widget-toggle-buttons, .widget-text, .widget-button, .widget-dropdown')]
        .filter(c => !c.closest('[aria-disabled="true"]') || getComputedStyle(c).pointerEvents !== 'none').length,
  figureBelow: (() => { const s = o.closest('section'); return !!s && [...s.querySelectorAll('div.plotly-graph-div')]
        .some(f => o.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING); })(),
}))"""


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_widgets_without_a_kernel_are_inactive_with_a_note(site, server, browser, lang):
    pages = [p for p in sorted((site / "book" / lang).glob("*.html")) if WIDGET_VIEW in p.read_text(encoding="utf-8")]
    if not pages:
        pytest.skip(f"no {lang} page with a saved widget")
    p = OfflinePage(browser, server)
    found = {}
    try:
        for path in pages:
            open_page(p, server, site, path)
            p.page.wait_for_timeout(200)
            found[path.name] = p.page.evaluate(INACTIVE)
    finally:
        p.close()
    hangul = lambda s: any("\uac00" <= ch <= "\ud7a3" for ch in s)  # noqa: E731
    for name, outputs in found.items():
        assert outputs, f"{name}: no widget drawn"
        for o in outputs:
            assert o["note"], f"{name}: a widget without the no-kernel note: {o}"
            assert o["live"] == 0, f"{name}: {o['live']} of {o['controls']} controls still look usable"
            assert hangul(o["note"]) == (lang == "ko"), f"{name}: note not in the page's language: {o['note']!r}"
            assert ("아래 그림" in o["note"] or "figure below" in o["note"]) == o["figureBelow"], (name, o)
    ch04 = found.get("04_vanishing_exploding.html")
    if ch04:
        assert all(o["figureBelow"] for o in ch04), "chapter 04's explorer should point to the figure below"
