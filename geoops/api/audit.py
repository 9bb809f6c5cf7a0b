"""Audit entries for writes made through the API, in the caller's name."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from geoops.access.principal import Principal
from geoops.store.audit import record_audit


def audit_write(
    user: Principal, action: str, object_type: str, *, session: Session, object_id: str | int | None = None,
    before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    record_audit(
        action, object_type, object_id, user_id=user.user_id, user_name=user.name,
        before=before, after=after, session=session,
    )  # fmt: skip
