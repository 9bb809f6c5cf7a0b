"""The append-only audit log: every write, who made it, and a before/after summary."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.store.tables import audit_log


def record_audit(
    action: str,
    object_type: str,
    object_id: str | int | None,
    *,
    user_id: int | None,
    user_name: str,
    session: Session,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.execute(
        sa.insert(audit_log).values(
            action=action, object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            user_id=user_id, user_name=user_name, before=before, after=after,
        )
    )  # fmt: skip


def audit_entries(
    *, session: Session, limit: int = 200, before_id: int | None = None
) -> list[dict[str, Any]]:
    query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(audit_log.c.id < before_id)
    return [dict(r) for r in session.execute(query).mappings()]
