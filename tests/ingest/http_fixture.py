"""A tiny local HTTP server for polling tests: serves files from a folder with real
ETag / Last-Modified validators and 304s, counts requests, and can be told to misbehave.

Nothing reaches the internet: it listens on 127.0.0.1 on a free port.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Literal

Mode = Literal["normal", "fail", "html"]
HTML_ERROR = b"<!DOCTYPE html>\n<html><body><h1>Invalid MAP_KEY.</h1></body></html>\n"


class FixtureServer:
    """State shared with the handler threads: what to serve and what was asked."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.mode: Mode = "normal"
        self.delay_s = 0.0  # sleep before answering (timeouts)
        self.requests: list[tuple[str, dict[str, str]]] = []  # (path, request headers)
        self.not_modified = 0  # how many 304s were sent
        self.base_url = ""
        self._lock = threading.Lock()

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"

    @property
    def count(self) -> int:
        return len(self.requests)

    def record(self, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append((path, headers))


def _validators(path: Path) -> tuple[str, str, int]:
    stat = path.stat()
    etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
    return etag, formatdate(stat.st_mtime, usegmt=True), int(stat.st_mtime)


def _unchanged(headers: dict[str, str], etag: str, mtime: int) -> bool:
    if "if-none-match" in headers:  # RFC 9110: If-None-Match wins over If-Modified-Since
        return etag in [tag.strip() for tag in headers["if-none-match"].split(",")]
    if "if-modified-since" in headers:
        try:
            return mtime <= parsedate_to_datetime(headers["if-modified-since"]).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def _handler(state: FixtureServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            state.record(self.path, headers)
            if state.delay_s:
                time.sleep(state.delay_s)
            if state.mode == "fail":
                return self._send(500, b"internal error\n", "text/plain")
            if state.mode == "html":
                return self._send(200, HTML_ERROR, "text/html; charset=utf-8")
            path = state.folder / self.path.lstrip("/").split("?")[0]
            if not path.is_file():
                return self._send(404, b"not found\n", "text/plain")
            etag, last_modified, mtime = _validators(path)
            extra = {"ETag": etag, "Last-Modified": last_modified}
            if _unchanged(headers, etag, mtime):
                state.not_modified += 1
                return self._send(304, b"", None, extra)
            self._send(200, path.read_bytes(), "text/csv", extra)

        def _send(
            self, status: int, body: bytes, kind: str | None, extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            if kind:
                self.send_header("Content-Type", kind)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet test output

    return Handler


@contextmanager
def http_fixture(folder: Path) -> Iterator[FixtureServer]:
    """Serve ``folder`` on 127.0.0.1 (free port) for the duration of the block."""
    state = FixtureServer(folder)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="http-fixture", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
