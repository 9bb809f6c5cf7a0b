"""Jurisdiction reads: the tree, one jurisdiction with its incident counts, name lookup.

Scoped like every read: ``path && scope`` keeps a caller inside their own subtrees.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.errors import InvalidInput, NotFound
from geoops.store.tables import STATUSES

IN_SCOPE = "(CAST(:scope AS int[]) IS NULL OR {alias}.path && CAST(:scope AS int[]))"


def jurisdiction_tree(*, session: Session, scope: list[int] | None = None) -> list[dict[str, Any]]:
    """The hierarchy as nested nodes; rows whose parent is out of scope become roots."""
    rows = session.execute(
        sa.text(
            "SELECT id, name, level, code, area_km2, parent_id FROM jurisdictions AS j "
            f"WHERE {IN_SCOPE.format(alias='j')} ORDER BY level_rank, name"
        ),
        {"scope": scope},
    ).all()
    nodes = {r.id: _node(r) | {"children": []} for r in rows}
    roots: list[dict[str, Any]] = []
    for r in rows:
        parent = nodes.get(r.parent_id)
        (parent["children"] if parent else roots).append(nodes[r.id])
    return roots


def jurisdiction_detail(
    jurisdiction_id: int, *, session: Session, scope: list[int] | None = None
) -> dict[str, Any]:
    """One jurisdiction with its parent, children, map outline and incident counts by status.

    Missing and out-of-scope rows raise the same NotFound, so existence is not revealed.
    """
    params = {"id": jurisdiction_id, "scope": scope}
    row = session.execute(
        sa.text(
            "SELECT j.id, j.name, j.level, j.code, j.area_km2, j.path, j.updated_at, "
            "ST_AsGeoJSON(j.geom_simple, 5)::json AS geometry, "
            "p.id AS parent_id, p.name AS parent_name, p.level AS parent_level, p.code AS parent_code "
            f"FROM jurisdictions AS j LEFT JOIN jurisdictions AS p ON p.id = j.parent_id AND {IN_SCOPE.format(alias='p')} "
            f"WHERE j.id = :id AND {IN_SCOPE.format(alias='j')}"
        ),
        params,
    ).one_or_none()
    if row is None:
        raise NotFound(f"no jurisdiction {jurisdiction_id}")
    counts = dict.fromkeys(STATUSES, 0)
    for status, count in session.execute(
        sa.text(
            "SELECT i.status, count(*) FROM incident_jurisdictions AS ij "
            "JOIN incidents AS i ON i.id = ij.incident_id "
            "WHERE ij.jurisdiction_id = :id AND i.merged_into_id IS NULL GROUP BY i.status"
        ),
        params,
    ):
        counts[status] = count
    children = session.execute(
        sa.text(
            "SELECT id, name, level, code, area_km2 FROM jurisdictions WHERE parent_id = :id ORDER BY name"
        ),
        params,
    )
    parent = row.parent_id and {
        "id": row.parent_id,
        "name": row.parent_name,
        "level": row.parent_level,
        "code": row.parent_code,
    }
    return _node(row) | {
        "path": _visible_path(row.path, scope),
        "updated_at": row.updated_at,
        "parent": parent or None,
        "children": [_node(c) for c in children],
        "incident_counts": counts,
        "geometry": row.geometry,
    }


def jurisdiction_ids_for(names_or_ids: list[str], *, session: Session) -> list[int]:
    """Ids for names, ``level:name`` or numeric ids (in order, once each); InvalidInput
    lists the unknown and the ambiguous ones."""
    tokens = [t.strip() for t in names_or_ids if t.strip()]
    numeric = [int(t) for t in tokens if t.isdigit() and int(t) < 2**31]
    names = {t.lower() for t in tokens} | {t.partition(":")[2].strip().lower() for t in tokens}
    rows = session.execute(
        sa.text(
            "SELECT id, level, name FROM jurisdictions "
            "WHERE id = ANY(CAST(:ids AS int[])) OR lower(name) = ANY(:names)"
        ),
        {"ids": numeric, "names": sorted(names)},
    ).all()
    found: list[int] = []
    unknown: list[str] = []
    ambiguous: list[str] = []
    for token in tokens:
        level, colon, name = (part.strip() for part in token.partition(":"))
        number = int(token) if token.isdigit() else None
        matches = [r.id for r in rows if r.id == number or r.name.lower() == token.lower()]
        if not matches and colon:
            matches = [r.id for r in rows if r.level == level and r.name.lower() == name.lower()]
        if len(matches) > 1:
            ambiguous.append(token)
        elif not matches:
            unknown.append(token)
        elif matches[0] not in found:
            found.append(matches[0])
    if unknown or ambiguous:
        problems = [f"unknown: {', '.join(unknown)}"] if unknown else []
        problems += [f"ambiguous (write level:name): {', '.join(ambiguous)}"] if ambiguous else []
        raise InvalidInput(f"jurisdictions {'; '.join(problems)}", unknown=unknown, ambiguous=ambiguous)
    return found


def _node(row: Any) -> dict[str, Any]:
    area = None if row.area_km2 is None else round(row.area_km2, 1)
    return {"id": row.id, "name": row.name, "level": row.level, "code": row.code, "area_km2": area}


def _visible_path(path: list[int], scope: list[int] | None) -> list[int]:
    """The path from the first ancestor inside ``scope`` (ids above it are not the caller's)."""
    if scope is None:
        return path
    return path[next((i for i, node in enumerate(path) if node in scope), len(path)) :]
