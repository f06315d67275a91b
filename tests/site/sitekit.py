"""Helpers for the tests of the built site (the fixtures are in conftest.py).

The site is the output of ``jupyter-book build .`` in ``_build/html`` (or the folder named
by ``RNNBOOK_SITE``). Tests that need it skip, saying so, when it has not been built;
CI builds it first (tools/run_tests.sh).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("RNNBOOK_CHROMIUM", "/usr/bin/chromium")

# Console errors the site is known to print: none (_ext/bilingual.py drops the repeated
# sphinx-thebe script that declared THEBE_JS_URL twice). Any error fails the tests.
KNOWN_CONSOLE_ERRORS: list[re.Pattern] = []


def site_dir() -> Path:
    return Path(os.environ.get("RNNBOOK_SITE", ROOT / "_build" / "html")).resolve()


def source_root() -> Path:
    """The book's source folder the site was built from (two levels above _build/html)."""
    return site_dir().parents[1]


def html_pages(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)


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
