"""Fixtures for the tests of rnnkit.data and rnnkit.charlm.ngram.

The real novel is never part of the repository. Tests that need it read the file named
by ``RNNKIT_MUJEONG`` (``.ci/run`` sets it when ``../shared/data/mujeong.txt`` exists)
and are skipped, with the reason, when it is not set. Everything else uses small
synthetic texts and a local HTTP server on 127.0.0.1: no test touches the internet.
"""
from __future__ import annotations

import hashlib
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rnnkit.data import mujeong

# Read once at import, before any test's monkeypatch changes the environment.
NOVEL_PATH = os.environ.get(mujeong.ENV_VAR) or None
NOVEL_SKIP = (f"needs the novel: set {mujeong.ENV_VAR} to the path of mujeong.txt "
              f"(sha256 {mujeong.SHA256[:12]}…)")

# A stand-in for the novel in the loader tests.
# CRLF line ends like the real file, and one old-Mac CR at the end.
FAKE_BYTES = "첫째 줄입니다.\r\n둘째 줄, 金과 ㄱ.\r\n끝.\r".encode("utf-8")


@pytest.fixture(scope="session")
def novel_path():
    """Path of the real novel from RNNKIT_MUJEONG, or skip."""
    if NOVEL_PATH is None:
        pytest.skip(NOVEL_SKIP)
    return NOVEL_PATH


@pytest.fixture(scope="session")
def novel(novel_path):
    """The full text of the novel (324,950 characters), or skip."""
    return mujeong.load_mujeong(novel_path)


@pytest.fixture
def fake_novel(monkeypatch):
    """Make FAKE_BYTES the expected file: patches mujeong.SHA256, returns the bytes."""
    monkeypatch.setattr(mujeong, "SHA256", hashlib.sha256(FAKE_BYTES).hexdigest())
    return FAKE_BYTES


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No RNNKIT_MUJEONG, no RNNKIT_CACHE_DIR, and a private XDG cache; returns the cache dir."""
    monkeypatch.delenv(mujeong.ENV_VAR, raising=False)
    monkeypatch.delenv(mujeong.CACHE_ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "rnnkit"


class _Handler(BaseHTTPRequestHandler):
    """Serves ``server.routes[path] = (body, declared_length)``; 404 for other paths.

    A declared length larger than the body imitates a transfer cut off midway: the
    handler sends the header, part of the body, and closes the connection. A declared
    length of ``False`` sends no Content-Length: the body ends where the connection closes.
    """

    def do_GET(self):
        self.server.hits.append(self.path)
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_error(404, "no such file")
            return
        body, declared = route
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        if declared is not False:
            self.send_header("Content-Length", str(len(body) if declared is None else declared))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):   # keep the test output quiet
        pass


@pytest.fixture
def http_server():
    """A threaded HTTP server on 127.0.0.1 at a free port.

    Yields the server; set ``server.routes["/x"] = (body, declared_length_or_None)``,
    fetch ``server.url("/x")``, and count requests in ``server.hits``.
    """
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.routes, server.hits = {}, []
    server.url = lambda path: f"http://127.0.0.1:{server.server_address[1]}{path}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def dead_url():
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/mujeong.txt"
