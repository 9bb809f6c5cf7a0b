"""Management-level boundaries: bulk load (repair, upsert, parents, paths) and incident links.

Every statement is set-based: features are staged with COPY and repaired, upserted and
nested in SQL. ``path`` holds the ids from the root down to the row itself, so "inside
the caller's scope" is one indexed ``path && scope``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.domain import RowError
from geoops.errors import InvalidInput
from geoops.store.binary_arrays import float8_array, int8_array
from geoops.store.sqlfiles import load_sql

STAGE = (
    "CREATE TEMP TABLE jurisdiction_stage (feature int PRIMARY KEY, name text NOT NULL, code text, "
    "raw geometry NOT NULL, geom geometry, repaired boolean, rejected text) ON COMMIT DROP"
)
REPAIR = (
    "UPDATE jurisdiction_stage SET repaired = NOT (ST_IsValidDetail(raw)).valid, "
    "geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Force2D(raw)), 3));"
    "UPDATE jurisdiction_stage SET rejected = 'no polygonal area: a jurisdiction needs a (Multi)Polygon' "
    "WHERE ST_IsEmpty(geom);"
    "UPDATE jurisdiction_stage s SET rejected = format('name %s is already used by feature %s', "
    "quote_literal(s.name), d.first) FROM (SELECT name, min(feature) AS first FROM jurisdiction_stage "
    "WHERE rejected IS NULL GROUP BY name) AS d "
    "WHERE s.name = d.name AND s.feature > d.first AND s.rejected IS NULL"
)
# Unchanged rows are left alone (no new updated_at): reloading a file changes nothing.
UPSERT = """
INSERT INTO jurisdictions AS j (name, level, level_rank, code, geom, geom_simple, area_km2)
SELECT name, :level, :rank, code, geom,
       ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SimplifyPreserveTopology(geom, :tolerance)), 3)),
       ST_Area(geom::geography) / 1e6
FROM jurisdiction_stage WHERE rejected IS NULL ORDER BY feature
ON CONFLICT (level, name) DO UPDATE
SET code = excluded.code, level_rank = excluded.level_rank, geom = excluded.geom,
    geom_simple = excluded.geom_simple, area_km2 = excluded.area_km2, updated_at = now()
WHERE (j.code, j.level_rank) IS DISTINCT FROM (excluded.code, excluded.level_rank)
   OR NOT ST_OrderingEquals(j.geom, excluded.geom)
RETURNING j.id, (j.xmax = 0) AS inserted
"""
# The parent is the row of the parent level that holds the largest part of the child.
ASSIGN_PARENTS = """
WITH best AS (
    SELECT c.id, (
        SELECT p.id FROM jurisdictions AS p
        WHERE p.level = :parent_level AND p.geom && c.geom AND ST_Intersects(p.geom, c.geom)
        ORDER BY ST_Area(ST_Intersection(p.geom, c.geom)) DESC, p.id LIMIT 1
    ) AS parent_id
    FROM jurisdictions AS c WHERE c.id = ANY(CAST(:ids AS int[]))
)
UPDATE jurisdictions AS c SET parent_id = best.parent_id, updated_at = now()
FROM best WHERE c.id = best.id AND c.parent_id IS DISTINCT FROM best.parent_id
RETURNING c.id
"""
# Paths of the given rows (walked up their parents) and of all their descendants.
PATHS = """
WITH RECURSIVE up(id, next_id, path) AS (
    SELECT id, parent_id, ARRAY[id] FROM jurisdictions WHERE id = ANY(CAST(:ids AS int[]))
    UNION ALL
    SELECT up.id, p.parent_id, p.id || up.path
    FROM up JOIN jurisdictions AS p ON p.id = up.next_id WHERE NOT p.id = ANY(up.path)
), down(id, path) AS (
    SELECT id, path FROM up WHERE next_id IS NULL
    UNION ALL
    SELECT c.id, down.path || c.id
    FROM down JOIN jurisdictions AS c ON c.parent_id = down.id WHERE NOT c.id = ANY(down.path)
)
UPDATE jurisdictions AS j SET path = d.path
FROM (SELECT DISTINCT ON (id) id, path FROM down) AS d
WHERE j.id = d.id AND j.path IS DISTINCT FROM d.path
"""
LINKS_LOCK_KEY = 0x6E0_1A55  # pg_advisory_xact_lock key for (re)writing incident_jurisdictions
INCIDENT_LINKS = """
WITH wanted AS (
    SELECT i.id AS incident_id, j.id AS jurisdiction_id
    FROM incidents AS i JOIN jurisdictions AS j ON ST_Intersects(j.geom, coalesce(i.geom, i.centroid))
    WHERE i.merged_into_id IS NULL AND (CAST(:ids AS bigint[]) IS NULL OR i.id = ANY(:ids))
), removed AS (
    DELETE FROM incident_jurisdictions AS ij
    WHERE (CAST(:ids AS bigint[]) IS NULL OR ij.incident_id = ANY(:ids)) AND NOT EXISTS (
        SELECT 1 FROM wanted AS w
        WHERE w.incident_id = ij.incident_id AND w.jurisdiction_id = ij.jurisdiction_id)
    RETURNING 1
), added AS (
    INSERT INTO incident_jurisdictions (incident_id, jurisdiction_id)
    SELECT incident_id, jurisdiction_id FROM wanted ON CONFLICT DO NOTHING RETURNING 1
)
SELECT (SELECT count(*) FROM added) AS added, (SELECT count(*) FROM removed) AS removed
"""


@dataclass
class LoadSummary:
    level: str
    parent_level: str | None = None
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    repaired: int = 0
    errors: list[RowError] = field(default_factory=list)
    incident_links_added: int = 0
    incident_links_removed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def level_rank(level: str, levels: list[str]) -> int:
    """Position of ``level`` in the ordered list (0 = highest); InvalidInput when unknown."""
    if level not in levels:
        raise InvalidInput(f"unknown level {level!r}: the levels are {', '.join(levels)}")
    return levels.index(level)


def simplify_tolerance(rank: int) -> float:
    """Degrees for the map copy: ~1 km for federal and regional outlines, finer below."""
    return 0.01 if rank <= 1 else 0.001 if rank <= 3 else 0.0001


def load_jurisdictions(
    frame: gpd.GeoDataFrame,
    *,
    level: str,
    levels: list[str],
    name_field: str,
    code_field: str | None,
    parent_level: str | None,
    session: Session,
) -> LoadSummary:
    """Upsert the features of ``frame`` as jurisdictions of ``level`` by (level, name)."""
    rank = level_rank(level, levels)
    if parent_level is not None and level_rank(parent_level, levels) >= rank:
        raise InvalidInput(f"parent level {parent_level!r} must be above {level!r} in {levels}")
    for column in (name_field, code_field):
        if column is not None and column not in frame.columns:
            raise InvalidInput(f"no column {column!r}; the columns are {', '.join(map(str, frame.columns))}")
    summary = LoadSummary(level, read=len(frame))
    errors = _stage(frame, name_field, code_field, session=session)
    session.execute(sa.text(REPAIR))
    errors += [
        RowError(r.feature, r.rejected)
        for r in session.execute(
            sa.text("SELECT feature, rejected FROM jurisdiction_stage WHERE rejected IS NOT NULL")
        )
    ]
    summary.errors = sorted(errors, key=lambda e: e.line)
    summary.rejected = len(errors)
    summary.repaired = session.execute(
        sa.text("SELECT count(*) FROM jurisdiction_stage WHERE repaired AND rejected IS NULL")
    ).scalar_one()
    params = {"level": level, "rank": rank, "tolerance": simplify_tolerance(rank)}
    written = session.execute(sa.text(UPSERT), params).all()
    changed = [r.id for r in written]
    summary.inserted = sum(1 for r in written if r.inserted)
    summary.updated = len(written) - summary.inserted
    loaded = list(
        session.execute(
            sa.text(
                "SELECT j.id FROM jurisdictions AS j JOIN jurisdiction_stage AS s ON j.name = s.name "
                "WHERE j.level = :level AND s.rejected IS NULL"
            ),
            params,
        ).scalars()
    )
    summary.unchanged = len(loaded) - len(written)
    session.execute(sa.text("DROP TABLE jurisdiction_stage"))
    summary.parent_level = parent_level or _nearest_level_above(rank, levels, session=session)
    moved = _assign_parents(loaded, summary.parent_level, session=session)
    moved += _reparent_below(level, rank, levels, changed, session=session)
    session.execute(sa.text(PATHS), {"ids": loaded + moved})
    return summary


def recompute_incident_jurisdictions(
    *, session: Session, incident_ids: list[int] | None = None
) -> tuple[int, int]:
    """Link incidents (all when None) to every jurisdiction their perimeter (or centroid)
    meets; returns (links added, links removed)."""
    # One writer of links at a time: a boundary load and a detection pass would deadlock otherwise.
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(LINKS_LOCK_KEY)))
    row = session.execute(sa.text(INCIDENT_LINKS), {"ids": incident_ids}).one()
    return int(row.added), int(row.removed)


def extend_incident_jurisdictions(
    incident_ids: list[int],
    absorbed: list[int],
    new_boxes: Sequence[tuple[int, float, float, float, float]],
    *,
    session: Session,
) -> None:
    """After a detection pass: link ``incident_ids`` to the jurisdictions the evidence it
    attached meets (``new_boxes``: for each incident, the lon/lat box of that evidence;
    incidents only grow, so no link goes away) and move the links of the ``absorbed``
    incidents to their survivors. Equivalent to recomputing them, at the cost of the new evidence."""
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(LINKS_LOCK_KEY)))
    columns = list(zip(*new_boxes, strict=True)) if new_boxes else [()] * 5
    values: dict[str, object] = {
        "ids": incident_ids,
        "absorbed": absorbed,
        "box_incidents": int8_array(columns[0]),
    }
    values |= {
        name: float8_array(column) for name, column in zip(("x0", "y0", "x1", "y1"), columns[1:], strict=True)
    }
    for statement in load_sql("geoops.store", "extend_incident_jurisdictions").split(";"):
        session.execute(sa.text(statement), values)


def _stage(
    frame: gpd.GeoDataFrame, name_field: str, code_field: str | None, *, session: Session
) -> list[RowError]:
    """COPY the usable features into ``jurisdiction_stage``; the others are reported by number."""
    geoms = frame.geometry.to_numpy()
    names = frame[name_field].astype("string").str.strip().fillna("")
    codes = frame[code_field].astype("string").str.strip() if code_field else pd.Series(pd.NA, frame.index)
    no_geometry = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    errors = [RowError(i + 1, "feature has no geometry") for i in no_geometry.nonzero()[0].tolist()]
    no_name = ~no_geometry & (names == "").to_numpy()
    errors += [RowError(i + 1, f"feature has an empty {name_field!r}") for i in no_name.nonzero()[0].tolist()]
    keep = (~no_geometry & ~no_name).nonzero()[0]
    wkb = shapely.to_wkb(shapely.set_srid(geoms[keep], 4326), hex=True, include_srid=True)
    session.execute(sa.text(STAGE))
    raw: Any = session.connection().connection.driver_connection
    with (
        raw.cursor() as cur,
        cur.copy("COPY jurisdiction_stage (feature, name, code, raw) FROM STDIN") as copy,
    ):
        for i, hex_wkb in zip(keep.tolist(), wkb, strict=True):
            code = codes.iloc[i]
            copy.write_row((i + 1, names.iloc[i], None if pd.isna(code) or not code else code, hex_wkb))
    return errors


def _nearest_level_above(rank: int, levels: list[str], *, session: Session) -> str | None:
    """The closest higher level that has rows (None at the top or when none is loaded)."""
    higher = levels[:rank]
    present = set(
        session.execute(
            sa.text("SELECT DISTINCT level FROM jurisdictions WHERE level = ANY(:levels)"), {"levels": higher}
        ).scalars()
    )
    return next((name for name in reversed(higher) if name in present), None)


def _assign_parents(ids: list[int], parent_level: str | None, *, session: Session) -> list[int]:
    """Set each row's parent by containment; returns the rows whose parent changed."""
    if not ids:
        return []
    params = {"ids": ids, "parent_level": parent_level}
    return list(session.execute(sa.text(ASSIGN_PARENTS), params).scalars())


def _reparent_below(
    level: str, rank: int, levels: list[str], changed: list[int], *, session: Session
) -> list[int]:
    """Children of changed rows may now lie in a neighbour; orphans below may now have a parent."""
    children = list(
        session.execute(
            sa.text("SELECT id FROM jurisdictions WHERE parent_id = ANY(CAST(:ids AS int[]))"),
            {"ids": changed},
        ).scalars()
    )
    moved = _assign_parents(children, level, session=session)
    for lower_rank in range(rank + 1, len(levels)):
        orphans = list(
            session.execute(
                sa.text("SELECT id FROM jurisdictions WHERE level = :level AND parent_id IS NULL"),
                {"level": levels[lower_rank]},
            ).scalars()
        )
        if orphans:
            above = _nearest_level_above(lower_rank, levels, session=session)
            moved += _assign_parents(orphans, above, session=session)
    return moved
