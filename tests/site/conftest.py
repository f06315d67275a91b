"""Fixtures for the tests of the built site: where it is, a local server, a browser."""
from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

from sitekit import CHROMIUM, OfflinePage, site_dir


@pytest.fixture(scope="session")
def site() -> Path:
    path = site_dir()
    if not (path / "index.html").is_file():
        pytest.skip(f"no built site at {path}: run `bash tools/build_book.sh` first")
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass       # the browser closed a connection early (navigating on): not a site problem


@pytest.fixture(scope="session")
def server(site):
    """Serve the built site on 127.0.0.1 on a free port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = _Server(("127.0.0.1", 0), handler)
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


@pytest.fixture
def offline_page(browser, server):
    p = OfflinePage(browser, server)
    yield p
    p.close()
