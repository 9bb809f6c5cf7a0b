"""Heat-source candidates: listed for clerks, accepted into the heat-source layer or rejected.

An accepted candidate becomes a Point feature of the heat-source registry layer (so the
detection pass suppresses hotspots there like at any registered source) and dismisses the
incident it was learned from. A rejected one is remembered: the spot is not proposed again.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.domain import EventKind
from geoops.errors import Conflict, InvalidInput, NotFound
from geoops.store.audit import record_audit
from geoops.store.events import append_event
from geoops.store.geojson import feature_collection
from geoops.store.scope import Scope, area_clause

STATUSES = ("candidate", "accepted", "rejected")


def list_candidates(
    status: str | None, *, session: Session, scope: Scope = None, limit: int = 1000
) -> dict[str, Any]:
    """Candidates (of ``status``, or all) inside ``scope`` as a FeatureCollection, newest first."""
    params: dict[str, Any] = {"limit": limit}
    clauses = [area_clause("c.geom", scope, params)]
    if status is not None:
        if status not in STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(STATUSES)}")
        clauses.append("c.status = :status")
        params["status"] = status
    return feature_collection("heat_source_candidates_geojson", clauses, params, session=session)


def candidate_feature(candidate_id: int, *, session: Session, scope: Scope = None) -> dict[str, Any]:
    """One candidate as a Feature; NotFound when it does not exist or lies outside ``scope``."""
    params: dict[str, Any] = {"limit": 1, "id": candidate_id}
    clauses = ["c.id = :id", area_clause("c.geom", scope, params)]
    found = feature_collection("heat_source_candidates_geojson", clauses, params, session=session)
    if not found["features"]:
        raise NotFound(f"no heat-source candidate {candidate_id}")
    feature: dict[str, Any] = found["features"][0]
    return feature


def accept_candidate(
    candidate_id: int,
    *,
    layer: str,
    actor_id: int | None,
    actor_name: str,
    note: str | None,
    session: Session,
    scope: Scope = None,
) -> dict[str, Any]:
    """Add the candidate to heat-source ``layer`` (created if missing), dismiss its incident
    and mark that incident's hotspots as heat source; returns the updated candidate."""
    incident_id = _lock_pending(candidate_id, scope=scope, session=session)
    feature_id = _add_to_layer(candidate_id, layer, session=session)
    _decide(candidate_id, "accepted", actor_name, note, session=session)
    dismissed = _dismiss_incident(incident_id, candidate_id, actor_name, session=session)
    after = {"status": "accepted", "layer": layer, "feature_id": feature_id, "note": note,
             "dismissed_incident": dismissed}  # fmt: skip
    record_audit(
        "heat_source.accept", "heat_source_candidate", candidate_id, user_id=actor_id, user_name=actor_name,
        before={"status": "candidate"}, after=after, session=session,
    )  # fmt: skip
    return candidate_feature(candidate_id, session=session)


def reject_candidate(
    candidate_id: int,
    *,
    actor_id: int | None,
    actor_name: str,
    note: str | None,
    session: Session,
    scope: Scope = None,
) -> dict[str, Any]:
    """Mark the candidate rejected: its spot stays a possible fire and is not proposed again."""
    _lock_pending(candidate_id, scope=scope, session=session)
    _decide(candidate_id, "rejected", actor_name, note, session=session)
    record_audit(
        "heat_source.reject", "heat_source_candidate", candidate_id, user_id=actor_id, user_name=actor_name,
        before={"status": "candidate"}, after={"status": "rejected", "note": note}, session=session,
    )  # fmt: skip
    return candidate_feature(candidate_id, session=session)


def _lock_pending(candidate_id: int, *, scope: Scope, session: Session) -> int | None:
    """The candidate's incident id, the row locked; NotFound outside ``scope``, Conflict
    when it was already decided."""
    params: dict[str, Any] = {"id": candidate_id}
    visible = area_clause("c.geom", scope, params)
    row = session.execute(
        sa.text(f"SELECT c.status, c.incident_id FROM heat_source_candidates AS c "
                f"WHERE c.id = :id AND {visible} FOR UPDATE"),
        params,
    ).one_or_none()  # fmt: skip
    if row is None:
        raise NotFound(f"no heat-source candidate {candidate_id}")
    if row.status != "candidate":
        raise Conflict(
            f"heat-source candidate {candidate_id} was already {row.status}", candidate_status=row.status
        )
    return None if row.incident_id is None else int(row.incident_id)


def _add_to_layer(candidate_id: int, layer: str, *, session: Session) -> int:
    """A Point feature for the candidate in ``layer``; returns the feature id."""
    layer_id = session.execute(
        sa.text(
            "INSERT INTO layers (name, title, description, source, feature_count) "
            "VALUES (:name, :title, 'Known heat sources: flares, boiler houses, plants', 'learned', 1) "
            "ON CONFLICT (name) DO UPDATE SET feature_count = layers.feature_count + 1, updated_at = now() "
            "RETURNING id"
        ),
        {"name": layer, "title": layer.replace("_", " ").capitalize()},
    ).scalar_one()
    return int(
        session.execute(
            sa.text(
                "INSERT INTO layer_features (layer_id, properties, geom) "
                "SELECT :layer_id, jsonb_build_object('name', 'learned heat source #' || c.id, "
                "'radius_m', round(c.radius_m::numeric, 1), 'source', 'learned', 'candidate_id', c.id), "
                "c.geom FROM heat_source_candidates AS c WHERE c.id = :id RETURNING id"
            ),
            {"layer_id": layer_id, "id": candidate_id},
        ).scalar_one()
    )


def _decide(candidate_id: int, status: str, actor_name: str, note: str | None, *, session: Session) -> None:
    session.execute(
        sa.text(
            "UPDATE heat_source_candidates SET status = :status, decided_by = :by, decided_at = now(), "
            "note = :note, updated_at = now() WHERE id = :id"
        ),
        {"status": status, "by": actor_name, "note": note, "id": candidate_id},
    )


def _dismiss_incident(
    incident_id: int | None, candidate_id: int, actor_name: str, *, session: Session
) -> int | None:
    """Dismiss the candidate's incident (unless it is gone, was merged into another fire or
    is dismissed already), with a timeline event; its hotspots become heat-source hotspots.
    Returns the dismissed incident's id."""
    if incident_id is None:
        return None
    reason = f"known heat source (candidate {candidate_id} accepted)"
    row = session.execute(
        sa.text(
            "UPDATE incidents AS i SET status = 'dismissed', status_reason = :reason, updated_at = now() "
            "FROM (SELECT id, status FROM incidents WHERE id = :id AND merged_into_id IS NULL "
            "AND status <> 'dismissed' FOR UPDATE) AS old "
            "WHERE i.id = old.id RETURNING i.number, old.status AS previous"
        ),
        {"id": incident_id, "reason": reason},
    ).one_or_none()
    if row is None:
        return None
    session.execute(
        sa.text(
            "UPDATE hotspots SET static_reason = 'heat_source' WHERE id IN "
            "(SELECT hotspot_id FROM incident_evidence WHERE incident_id = :id AND kind = 'hotspot')"
        ),
        {"id": incident_id},
    )
    payload = {"incident_id": incident_id, "number": row.number, "status": "dismissed",
               "previous": row.previous, "reason": reason, "by": actor_name}  # fmt: skip
    append_event(EventKind.INCIDENT_STATUS_CHANGED, payload, session=session)
    return incident_id
