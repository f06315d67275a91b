"""Fixtures for the tests of the built site: where it is, a local server, a browser.

The site is the output of ``jupyter-book build .`` in ``_build/html`` (or the folder named
by ``RNNBOOK_SITE``). Tests that need it skip, saying so, when it has not been built;
CI builds it first (tools/run_tests.sh).
"""
from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("RNNBOOK_CHROMIUM", "/usr/bin/chromium")

# sphinx-thebe declares THEBE_JS_URL twice even with Thebe off (a harmless redeclaration);
# the one console error the site is known to print. Anything else fails the tests.
KNOWN_CONSOLE_ERRORS = [re.compile(r"Identifier 'THEBE_JS_URL' has already been declared")]


def site_dir() -> Path:
    return Path(os.environ.get("RNNBOOK_SITE", ROOT / "_build" / "html")).resolve()


def source_root() -> Path:
    """The book's source folder the site was built from (two levels above _build/html)."""
    return site_dir().parents[1]


@pytest.fixture(scope="session")
def site() -> Path:
    path = site_dir()
    if not (path / "index.html").is_file():
        pytest.skip(f"no built site at {path}: run `bash tools/build_book.sh` first")
    return path


def html_pages(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        pass


@pytest.fixture(scope="session")
def server(site):
    """Serve the built site on 127.0.0.1 on a free port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by playwright (tools/setup.sh installs it)."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `bash tools/setup.sh` as root "
                    "(apt-get install -y chromium fonts-nanum)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--disable-gpu"])
        try:
            yield b
        finally:
            b.close()


class OfflinePage:
    """A browser page that may talk to ``allowed`` only: every other request is aborted
    and recorded, and console errors and uncaught exceptions are collected."""

    def __init__(self, browser, allowed: str):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.allowed = allowed

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.allowed + "/") or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.errors if not any(k.search(e) for k in KNOWN_CONSOLE_ERRORS)]

    def close(self):
        self.context.close()


@pytest.fixture
def offline_page(browser, server):
    p = OfflinePage(browser, server)
    yield p
    p.close()
