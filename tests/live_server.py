"""A real uvicorn server in a background thread, for tests that need real HTTP (SSE, browser)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

HOST = "127.0.0.1"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30.0


def _bound_socket() -> socket.socket:
    """A socket bound to a free port; the server listens on this very socket (no race)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    return sock


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run ``app`` on 127.0.0.1 with a free port; yield its base URL, then stop it cleanly."""
    sock = _bound_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        lifespan="on",
        log_level="warning",
        # Open SSE streams would otherwise hold the shutdown forever.
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not (server.started and _accepts(port)):
            if not thread.is_alive():
                raise RuntimeError("the test server stopped during startup (see the log above)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the test server did not accept connections within {START_TIMEOUT_S}s")
            time.sleep(0.05)
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(STOP_TIMEOUT_S)
        if thread.is_alive():  # still draining: cancel what is left, then give up loudly
            server.force_exit = True
            thread.join(5)
        sock.close()
        if thread.is_alive():
            raise RuntimeError(f"the test server did not stop within {STOP_TIMEOUT_S}s")
