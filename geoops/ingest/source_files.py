"""Reading an input file whole; a missing or unreadable one is unusable input."""

from __future__ import annotations

from pathlib import Path

from geoops.errors import UnusableInput


def read_source(path: Path) -> bytes:
    """The bytes of a local input file (FIRMS, stations, observations, reports)."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UnusableInput(f"cannot read {path}: {exc.strerror or exc}") from exc
