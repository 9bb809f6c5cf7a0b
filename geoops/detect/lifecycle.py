"""Manual status changes by dispatchers: checked, written, put on the timeline, audited.

The lifecycle is suspected → confirmed → contained → extinguished, with dismissed (a
false alarm, with its reason) reachable until a fire is contained. A contained fire can
flare up and an extinguished one rekindle (back to confirmed); a dismissal can be undone.
Detection confirms suspected incidents on its own, with the reason (refresh_incidents.sql).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.domain import EventKind, IncidentStatus
from geoops.errors import Conflict, InvalidInput, NotFound
from geoops.store.audit import record_audit
from geoops.store.events import append_event
from geoops.store.incidents import lock_incident
from geoops.store.scope import Scope

S = IncidentStatus
ALLOWED: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    S.SUSPECTED: frozenset({S.CONFIRMED, S.DISMISSED}),
    S.CONFIRMED: frozenset({S.CONTAINED, S.EXTINGUISHED, S.DISMISSED}),
    S.CONTAINED: frozenset({S.CONFIRMED, S.EXTINGUISHED}),
    S.EXTINGUISHED: frozenset({S.CONFIRMED}),
    S.DISMISSED: frozenset({S.SUSPECTED, S.CONFIRMED}),
}


def change_status(
    incident_id: int,
    status: IncidentStatus,
    reason: str,
    *,
    actor_id: int | None,
    actor_name: str,
    scope: Scope,
    session: Session,
) -> None:
    """Set ``status``; NotFound outside ``scope`` (as if the incident did not exist)."""
    row = lock_incident(incident_id, scope=scope, session=session)
    if row is None:
        raise NotFound(f"no incident {incident_id}")
    if row.merged_into_id is not None:
        raise InvalidInput(f"incident {incident_id} was merged into {row.merged_into_id}; change that one")
    if row.status == status:
        return
    allowed = ALLOWED[IncidentStatus(row.status)]
    if status not in allowed:
        raise Conflict(
            f"a {row.status} incident cannot become {status.value}; it can become: "
            + ", ".join(sorted(allowed)),
            allowed=sorted(allowed),
        )
    session.execute(
        sa.text(
            "UPDATE incidents SET status = :status, status_reason = :reason, updated_at = now() WHERE id = :id"
        ),
        {"status": status.value, "reason": reason, "id": incident_id},
    )
    payload = {"incident_id": incident_id, "number": row.number, "status": status.value,
               "previous": row.status, "reason": reason, "by": actor_name}  # fmt: skip
    append_event(EventKind.INCIDENT_STATUS_CHANGED, payload, session=session)
    record_audit(
        "incident.status", "incident", incident_id, user_id=actor_id, user_name=actor_name,
        before={"status": row.status}, after={"status": status.value, "reason": reason}, session=session,
    )  # fmt: skip
