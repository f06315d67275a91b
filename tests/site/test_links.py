"""Every internal link and anchor of the built site resolves; chapter pages carry the
language switch and Colab/Binder buttons built from _config.yml's repository."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from sitekit import html_pages, source_root

URL_ATTRS = {"a": "href", "link": "href", "script": "src", "img": "src", "iframe": "src",
             "source": "src", "video": "src", "audio": "src"}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.urls: list[tuple[str, str]] = []       # (tag, url)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name" if tag == "a" else None):
            if key and a.get(key):
                self.ids.add(a[key])
        attr = URL_ATTRS.get(tag)
        if attr and a.get(attr) is not None:
            self.urls.append((tag, a[attr]))


def parse(path: Path) -> _Page:
    p = _Page()
    p.feed(path.read_text(encoding="utf-8"))
    return p


@pytest.fixture(scope="module")
def parsed(site):
    return {p: parse(p) for p in html_pages(site)}


def test_internal_links_and_anchors_resolve(site, parsed):
    broken = []
    for page, info in parsed.items():
        for tag, url in info.urls:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//"):
                continue                                  # external: checked below
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            name = page.relative_to(site).as_posix()
            if not target.is_file():
                broken.append(f"{name}: <{tag}> {url} -> missing file")
                continue
            if site not in target.parents:
                broken.append(f"{name}: <{tag}> {url} leaves the site")
                continue
            frag = unquote(parts.fragment)
            if frag and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else parse(target).ids
                if frag not in ids:
                    broken.append(f"{name}: <{tag}> {url} -> no id {frag!r}")
    assert broken == []


def test_pages_load_no_resources_from_other_hosts(site, parsed):
    """Scripts, stylesheets, images and frames come from the site (links may point out)."""
    remote = [f"{p.relative_to(site)}: <{tag}> {url}" for p, info in parsed.items()
              for tag, url in info.urls if tag != "a" and (urlsplit(url).scheme in ("http", "https") or url.startswith("//"))]
    assert remote == []


def repository_url() -> str:
    text = (source_root() / "_config.yml").read_text(encoding="utf-8")
    m = re.search(r"^repository:\s*\n(?:\s+.*\n)*?\s+url:\s*(\S+)", text, re.M)
    assert m, "_config.yml has no repository url"
    return m.group(1).strip("\"'").rstrip("/")


def chapter_pages(site: Path) -> list[tuple[Path, str]]:
    """(built page, notebook path relative to the repo) for every notebook page."""
    out = []
    for lang in ("ko", "en"):
        for page in sorted((site / "book" / lang).glob("*.html")):
            nb = Path("book") / lang / (page.stem + ".ipynb")
            if (source_root() / nb).is_file():
                out.append((page, nb.as_posix()))
    return out


def test_chapter_pages_have_launch_buttons_for_the_configured_repository(site, parsed):
    chapters = chapter_pages(site)
    if not chapters:
        pytest.skip("no chapter notebook in the built site")
    repo = repository_url()
    owner_repo = urlsplit(repo).path.strip("/")
    for page, nb in chapters:
        links = {url for tag, url in parsed[page].urls if tag == "a"}
        colab = f"https://colab.research.google.com/github/{owner_repo}/blob/main/{nb}"
        binder = f"https://mybinder.org/v2/gh/{owner_repo}/main?urlpath=lab/tree/{nb}"
        assert colab in links, f"{page.name}: no Colab button {colab}"
        assert binder in links, f"{page.name}: no Binder button {binder}"


def test_every_language_page_links_its_twin(site, parsed):
    pages = [p for lang in ("ko", "en") for p in sorted((site / "book" / lang).glob("*.html"))]
    if not pages:
        pytest.skip("no language pages in the built site")
    for page in pages:
        lang = page.parent.name
        other = "en" if lang == "ko" else "ko"
        twin_href = f"../{other}/{page.name}"
        html = page.read_text(encoding="utf-8")
        assert f'<html lang="{lang}"' in html, page
        assert f'class="bilingual-twin" href="{twin_href}" hreflang="{other}"' in html, page
        assert f'<link rel="alternate" hreflang="{other}" href="{twin_href}" />' in html, page
        assert (site / "book" / other / page.name).is_file()


def test_no_page_shows_a_path_of_the_machine_that_built_it(site):
    """A default shown as PosixPath('/work/…/rnnkit/checkpoints/…') is the builder's disk, not the reader's."""
    root = str(source_root())
    leaks = [p.relative_to(site) for p in html_pages(site) if root in p.read_text(encoding="utf-8")]
    assert not leaks, f"{root} appears in {leaks}"
