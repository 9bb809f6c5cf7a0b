"""Local services for tests: free ports, bounded waiting, and a private Mosquitto broker
(``mosquitto -p PORT``, loopback only, no persistence) started and killed by its own pid,
so no shared subscriber or leftover session on the system broker changes what a test sees."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

WAIT_S = 10.0  # bound on every wait for a server to listen or a message to arrive


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_for(check: Callable[[], Any], what: str, timeout: float = WAIT_S) -> float:
    """Poll ``check`` until it is true; the seconds it took (fails after ``timeout``)."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.01)
    return time.monotonic() - start


class Broker:
    """A private Mosquitto on ``port``; ``stop`` kills this very process."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Broker:
        self.process = subprocess.Popen(
            ["mosquitto", "-p", str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_for(lambda: accepts(self.port) or self._exited(), "the broker to listen")
        finally:
            if self._exited():
                raise AssertionError(f"mosquitto did not start on port {self.port}")
        return self

    def _exited(self) -> bool:
        return self.process is None or self.process.poll() is not None

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(WAIT_S)
            self.process = None


def mosquitto_broker() -> Iterator[Broker]:
    """The body of a ``broker`` fixture: a fresh broker per test, skipped without mosquitto."""
    if shutil.which("mosquitto") is None:
        pytest.skip("the mosquitto broker is not installed (apt-get install mosquitto)")
    running = Broker(free_port()).start()
    try:
        yield running
    finally:
        running.stop()
