"""The inbox: FIRMS CSV files dropped into a folder are ingested once complete, then moved
to ``done/``, or to ``failed/`` with a ``.error.txt`` beside them giving the reason.

Writers should drop files by rename, or write them within a second: a file counts as
complete once unchanged for ``settle_s`` or across two scans. Hidden files are ignored,
so ``.name.csv.part`` renamed to ``name.csv`` is the safest way in.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from geoops.domain import IngestSummary
from geoops.errors import UnusableInput
from geoops.ingest.firms import ingest_firms
from geoops.ingest.source_files import read_source
from geoops.store.engine import transaction
from geoops.store.sources import exclusive, record_failure, record_success, upsert_source

log = logging.getLogger(__name__)
INBOX_SOURCE = "inbox"  # its row in firms_sources
SETTLE_S = 1.0
# The database, not the file, is at fault: leave the file for the next scan.
DATABASE_DOWN = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)


@dataclass(frozen=True)
class InboxResult:
    file: str
    moved_to: Path | None
    summary: IngestSummary | None = None
    error: str | None = None


class Inbox:
    """A watched folder. Remembers the last look at each file (size, mtime) to see when
    writing has stopped; that is the only state, and losing it only delays a file."""

    def __init__(self, folder: Path, *, settle_s: float = SETTLE_S) -> None:
        self.folder = folder
        self.settle_s = settle_s
        self._looks: dict[Path, tuple[int, int]] = {}

    @property
    def lock_name(self) -> str:
        """The advisory lock that lets one process at a time scan this folder."""
        return f"geoops.inbox:{self.folder.resolve()}"

    def register(self, *, engine: Engine) -> None:
        """Create the folders and the inbox's status row."""
        for sub in ("done", "failed"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        with transaction(engine) as session:
            upsert_source(INBOX_SOURCE, url=str(self.folder), kind="inbox", session=session)

    def complete_files(self) -> list[Path]:
        """``*.csv`` files that are no longer being written, oldest first."""
        looks: dict[Path, tuple[int, int]] = {}
        ready: list[tuple[int, Path]] = []
        now = time.time_ns()
        for path in self.folder.iterdir():
            if path.name.startswith(".") or path.suffix.lower() != ".csv":
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            if not path.is_file():
                continue
            looks[path] = look = (stat.st_size, stat.st_mtime_ns)
            settled = now - stat.st_mtime_ns >= self.settle_s * 1e9
            if settled or self._looks.get(path) == look:
                ready.append((stat.st_mtime_ns, path))
        self._looks = looks
        return [path for _, path in sorted(ready)]

    def scan(self, *, engine: Engine) -> list[InboxResult]:
        """Ingest every complete file; one process at a time per folder."""
        with exclusive(self.lock_name, engine=engine) as held:
            if not held:
                return []
            return [ingest_inbox_file(path, engine=engine) for path in self.complete_files()]


def ingest_inbox_file(path: Path, *, engine: Engine) -> InboxResult:
    """Ingest one file in its own transaction, record the result, then file it away."""
    try:
        data = read_source(path)
        with transaction(engine) as session:
            summary = ingest_firms(data, source=path.name, session=session)
            record_success(
                INBOX_SOURCE, summary, etag=None, last_modified=None, next_in_seconds=None, session=session
            )
    except UnusableInput as exc:
        return _reject(path, exc.detail, engine=engine)
    except DATABASE_DOWN:
        raise
    except Exception as exc:  # a file that trips a bug is set aside, not retried forever
        log.exception("inbox file %s failed unexpectedly", path.name)
        return _reject(path, f"unexpected error: {type(exc).__name__}: {exc}", engine=engine)
    log.info("inbox %s: %d read, %d new", path.name, summary.read, summary.inserted)
    return InboxResult(path.name, _move(path, "done"), summary=summary)


def _reject(path: Path, reason: str, *, engine: Engine) -> InboxResult:
    reason = (reason.strip().splitlines() or ["unknown"])[0]
    with transaction(engine) as session:
        record_failure(INBOX_SOURCE, f"{path.name}: {reason}", retry_in_seconds=None, session=session)
    log.warning("inbox %s rejected: %s", path.name, reason)
    moved = _move(path, "failed")
    if moved is not None:
        moved.with_name(moved.name + ".error.txt").write_text(reason + "\n", encoding="utf-8")
    return InboxResult(path.name, moved, error=reason)


def _move(path: Path, sub: str) -> Path | None:
    """Move ``path`` into ``sub/`` without overwriting an earlier file of the same name."""
    folder = path.parent / sub
    folder.mkdir(exist_ok=True)
    target, n = folder / path.name, 1
    while target.exists() or target.with_name(target.name + ".error.txt").exists():
        target, n = folder / f"{path.stem}.{n}{path.suffix}", n + 1
    try:
        path.rename(target)
    except FileNotFoundError:  # removed meanwhile; nothing to file away
        return None
    return target
