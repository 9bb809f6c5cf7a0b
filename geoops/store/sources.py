"""Status of polled FIRMS sources and the inbox: validators, results, failures, backoff.

Times come from the database clock (``now()``), so any number of processes agree on
when a source is due. Store functions never commit: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geoops.domain import IngestSummary
from geoops.store.tables import firms_sources

T = firms_sources.c


@dataclass(frozen=True)
class Validators:
    """What a claimed source was last seen as: HTTP validators (or a file's mtime/size)."""

    etag: str | None
    last_modified: str | None
    consecutive_failures: int


@dataclass(frozen=True)
class SourceStatus:
    name: str
    kind: str
    url: str
    last_checked_at: datetime | None
    last_result: str | None
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    last_rows_read: int | None
    last_rows_inserted: int | None
    last_rows_rejected: int | None
    consecutive_failures: int
    next_attempt_at: datetime | None
    etag: str | None
    last_modified: str | None


def _after(seconds: float) -> sa.ColumnElement[Any]:
    return sa.func.now() + sa.func.make_interval(0, 0, 0, 0, 0, 0, seconds)


def upsert_source(name: str, *, url: str, kind: str, session: Session) -> None:
    """Register a configured source (due at once); a changed url forgets old validators."""
    stmt = insert(firms_sources).values(name=name, url=url, kind=kind)
    same = sa.and_(T.url == stmt.excluded.url, T.kind == stmt.excluded.kind)
    stmt = stmt.on_conflict_do_update(
        index_elements=[T.name],
        set_={
            "url": stmt.excluded.url,
            "kind": stmt.excluded.kind,
            "etag": sa.case((same, T.etag), else_=None),
            "last_modified": sa.case((same, T.last_modified), else_=None),
            "next_attempt_at": None,
            "updated_at": sa.func.now(),
        },
    )
    session.execute(stmt)


def claim_due_source(name: str, *, lease_seconds: float, session: Session) -> Validators | None:
    """Take a due source for ``lease_seconds`` (None when not due or claimed elsewhere).

    The lease pushes ``next_attempt_at`` forward, so a process that dies mid-poll only
    delays the source; commit the claim before fetching.
    """
    row = session.execute(
        sa.update(firms_sources)
        .where(T.name == name, sa.or_(T.next_attempt_at.is_(None), T.next_attempt_at <= sa.func.now()))
        .values(next_attempt_at=_after(lease_seconds))
        .returning(T.etag, T.last_modified, T.consecutive_failures)
    ).one_or_none()
    return None if row is None else Validators(row.etag, row.last_modified, row.consecutive_failures)


def _record(name: str, values: dict[str, Any], *, session: Session) -> None:
    now = sa.func.now()
    session.execute(
        sa.update(firms_sources).where(T.name == name).values(last_checked_at=now, updated_at=now, **values)
    )


def record_not_modified(name: str, *, next_in_seconds: float | None, session: Session) -> None:
    """The source answered and nothing changed (HTTP 304, or the same file)."""
    next_at = None if next_in_seconds is None else _after(next_in_seconds)
    values = {"last_result": "not_modified", "last_success_at": sa.func.now()}
    _record(name, {**values, "consecutive_failures": 0, "next_attempt_at": next_at}, session=session)


def record_success(
    name: str,
    summary: IngestSummary,
    *,
    etag: str | None,
    last_modified: str | None,
    next_in_seconds: float | None,
    session: Session,
) -> None:
    """New content was ingested (rows rejected one by one still count as a success)."""
    values = {
        "last_result": "ingested",
        "last_success_at": sa.func.now(),
        "last_rows_read": summary.read,
        "last_rows_inserted": summary.inserted,
        "last_rows_rejected": summary.rejected,
        "etag": etag,
        "last_modified": last_modified,
        "consecutive_failures": 0,
        "next_attempt_at": None if next_in_seconds is None else _after(next_in_seconds),
    }
    _record(name, values, session=session)


def record_failure(name: str, error: str, *, retry_in_seconds: float | None, session: Session) -> None:
    """The source could not be fetched or read; retry after the backoff."""
    values = {
        "last_result": "failed",
        "last_error_at": sa.func.now(),
        "last_error": error,
        "consecutive_failures": T.consecutive_failures + 1,
        "next_attempt_at": None if retry_in_seconds is None else _after(retry_in_seconds),
    }
    _record(name, values, session=session)


def next_attempt_in(names: list[str], *, session: Session) -> float | None:
    """Seconds until the first of ``names`` is due (0 when one is due now; None if none known)."""
    wait = sa.func.min(sa.func.coalesce(sa.func.extract("epoch", T.next_attempt_at - sa.func.now()), 0))
    seconds = session.execute(sa.select(wait).where(T.name.in_(names))).scalar_one()
    return None if seconds is None else max(0.0, float(seconds))


def list_sources(*, session: Session) -> list[SourceStatus]:
    columns = [getattr(T, f) for f in SourceStatus.__dataclass_fields__]
    rows = session.execute(sa.select(*columns).order_by(T.kind, T.name))
    return [SourceStatus(**row) for row in rows.mappings()]


@contextmanager
def exclusive(name: str, *, engine: Engine) -> Iterator[bool]:
    """Whether this process got the advisory lock ``name`` (held for the block, on its own
    connection, so it outlives the transactions inside; a dead process releases it)."""
    key = sa.func.hashtextextended(name, 0)
    with engine.connect() as conn:
        held = bool(conn.execute(sa.select(sa.func.pg_try_advisory_lock(key))).scalar_one())
        conn.commit()
        try:
            yield held
        finally:
            if held:
                conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))
                conn.commit()
