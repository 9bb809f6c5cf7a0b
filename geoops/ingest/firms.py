"""FIRMS ingest: a CSV (file, bytes or request body) into hotspots, with a summary."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from geoops.domain import EventKind, IngestSummary
from geoops.errors import UnusableInput
from geoops.ingest.firms_csv import FirmsRows, read_firms_csv
from geoops.store.events import append_event, notify_ingest
from geoops.store.hotspots import insert_hotspots


def read_source(path: Path) -> bytes:
    """The bytes of a local FIRMS file; a missing or unreadable file is unusable input."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UnusableInput(f"cannot read {path}: {exc.strerror or exc}") from exc


def ingest_firms(data: bytes, *, source: str, session: Session) -> IngestSummary:
    """Parse, validate and store one FIRMS CSV; unusable input raises before any write."""
    return store_firms_rows(read_firms_csv(data, source=source), session=session)


def store_firms_rows(rows: FirmsRows, *, session: Session) -> IngestSummary:
    inserted = insert_hotspots(rows.frame, session=session)
    summary = IngestSummary(
        read=rows.read,
        inserted=inserted,
        duplicates=len(rows.frame) - inserted,
        rejected=len(rows.errors),
        errors=rows.errors,
    )
    if inserted:
        source = str(rows.frame["source"].iat[0])
        append_event(EventKind.HOTSPOTS_INGESTED, {"source": source, "inserted": inserted}, session=session)
        notify_ingest(source, session=session)
    return summary
