"""Polling FIRMS sources: fetch what changed, ingest it, record status and backoff.

A source is an HTTP(S) URL (conditional GET with ETag / Last-Modified) or a file path
(re-read when its mtime or size changes). The schedule lives in ``firms_sources``
(``next_attempt_at``), so several processes share it: each poll first claims the source.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine

from geoops.domain import IngestSummary
from geoops.errors import InvalidInput, UnusableInput
from geoops.ingest.firms import ingest_firms
from geoops.ingest.http_fetch import Fetched, fetch, redact_url
from geoops.ingest.source_files import read_source
from geoops.store.engine import transaction
from geoops.store.sources import (
    Validators,
    claim_due_source,
    record_failure,
    record_not_modified,
    record_success,
    upsert_source,
)

log = logging.getLogger(__name__)
BACKOFF_CAP_S = 3600.0
LEASE_S = 900.0  # longer than any fetch (http_fetch.MAX_SECONDS) plus its ingest
_NAMED = re.compile(r"^([^=/\\?]+)=(.+)$")  # NAME=LOCATION, NAME free of / \ ?

Result = Literal["skipped", "ingested", "not_modified", "failed"]


@dataclass(frozen=True)
class FirmsSource:
    name: str
    location: str  # URL or file path as configured; a URL may hold a MAP_KEY
    kind: Literal["url", "file"]

    @property
    def shown(self) -> str:
        return redact_url(self.location) if self.kind == "url" else self.location


@dataclass(frozen=True)
class PollOutcome:
    result: Result
    summary: IngestSummary | None = None
    error: str | None = None


def parse_source(entry: str) -> FirmsSource:
    """``URL``, ``PATH``, ``NAME=URL`` or ``NAME=PATH``; unnamed URLs are named redacted."""
    named = _NAMED.match(entry.strip())
    name, location = (named[1].strip(), named[2].strip()) if named else ("", entry.strip())
    if location.lower().startswith(("http://", "https://")):
        return FirmsSource(name or redact_url(location), location, "url")
    return FirmsSource(name or location, str(Path(location).expanduser()), "file")


def configured_sources(entries: list[str]) -> list[FirmsSource]:
    sources = [parse_source(entry) for entry in entries if entry.strip()]
    names = [s.name for s in sources]
    if clash := sorted({n for n in names if names.count(n) > 1}):
        raise InvalidInput(f"GEOOPS_FIRMS_SOURCES names {', '.join(clash)} more than once")
    return sources


def register_sources(sources: list[FirmsSource], *, engine: Engine) -> None:
    """Create or update each source's status row; each is due at once."""
    with transaction(engine) as session:
        for source in sources:
            upsert_source(source.name, url=source.shown, kind=source.kind, session=session)


def backoff_seconds(failures: int, base: float, *, rng: Callable[[], float] = random.random) -> float:
    """Exponential in ``failures`` from ``base``, capped, with equal jitter (½ fixed, ½ random)."""
    delay = min(max(BACKOFF_CAP_S, base), base * 2.0 ** min(max(failures - 1, 0), 32))
    return delay / 2 + rng() * delay / 2


def poll_source(source: FirmsSource, *, engine: Engine, interval_s: float) -> PollOutcome:
    """Poll ``source`` if it is due: ingest new content, or record why not. Never raises
    for a bad source; only a database that cannot record the outcome raises."""
    with transaction(engine) as session:
        seen = claim_due_source(source.name, lease_seconds=LEASE_S, session=session)
    if seen is None:
        return PollOutcome("skipped")
    try:
        return _fetch_and_ingest(source, seen, engine=engine, interval_s=interval_s)
    except UnusableInput as exc:
        error = exc.detail
    except Exception as exc:  # a bug must not stop the polling; the source is retried later
        log.exception("polling FIRMS source %s failed unexpectedly", source.name)
        error = f"unexpected error: {type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]}"
    retry = backoff_seconds(seen.consecutive_failures + 1, interval_s)
    with transaction(engine) as session:
        record_failure(source.name, error, retry_in_seconds=retry, session=session)
    log.warning("FIRMS source %s: %s; next attempt in %.0f s", source.name, error, retry)
    return PollOutcome("failed", error=error)


def _fetch_and_ingest(
    source: FirmsSource, seen: Validators, *, engine: Engine, interval_s: float
) -> PollOutcome:
    if source.kind == "url":
        fetched = fetch(source.location, etag=seen.etag, last_modified=seen.last_modified)
    else:
        fetched = read_file_if_changed(Path(source.location), seen)
    if fetched.body is None:
        with transaction(engine) as session:
            record_not_modified(source.name, next_in_seconds=interval_s, session=session)
        return PollOutcome("not_modified")
    with transaction(engine) as session:
        summary = ingest_firms(fetched.body, source=source.name, session=session)
        record_success(
            source.name,
            summary,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            next_in_seconds=interval_s,
            session=session,
        )
    log.info("FIRMS source %s: %d read, %d new", source.name, summary.read, summary.inserted)
    return PollOutcome("ingested", summary=summary)


def read_file_if_changed(path: Path, seen: Validators) -> Fetched:
    """The file's bytes unless its mtime and size are what was stored last time."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise UnusableInput(f"cannot read {path}: {exc.strerror or exc}") from exc
    stamp = f"{stat.st_mtime_ns}:{stat.st_size}"
    if stamp == seen.etag:
        return Fetched(None, seen.etag, seen.last_modified)
    return Fetched(read_source(path), stamp, formatdate(stat.st_mtime, usegmt=True))
