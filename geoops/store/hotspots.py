"""Hotspot storage: bulk COPY into a staging table, one set-based insert, and reads."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoops.store.geojson import BBox, bbox_clause, feature_collection
from geoops.store.scope import Scope, area_clause
from geoops.store.sqlfiles import load_sql

if TYPE_CHECKING:  # pandas is heavy to import and only the raster path hands frames in
    import pandas as pd

# Column order of the staging table and of the frame handed to insert_hotspots.
STAGE_COLUMNS: dict[str, str] = {
    "source": "text",
    "satellite": "text",
    "instrument": "text",
    "observed_at": "timestamptz",
    "latitude": "numeric",
    "longitude": "numeric",
    "confidence": "smallint",
    "confidence_raw": "text",
    "frp": "double precision",
    "brightness": "double precision",
    "brightness_2": "double precision",
    "scan": "double precision",
    "track": "double precision",
    "daynight": "text",
    "fire_type": "smallint",
    "version": "text",
}


def insert_hotspots(frame: pd.DataFrame, *, session: Session) -> int:
    """COPY ``frame`` (STAGE_COLUMNS) in and insert what is new; returns rows inserted."""
    if frame.empty:
        return 0
    create_stage(session=session)
    buffer = io.StringIO()
    frame[list(STAGE_COLUMNS)].to_csv(buffer, index=False, header=False, date_format="%Y-%m-%dT%H:%M:%SZ")
    raw_copy("COPY hotspots_stage FROM STDIN WITH (FORMAT csv)", buffer.getvalue().encode(), session=session)
    return insert_staged(session=session)


def create_stage(*, session: Session) -> None:
    """An empty ``hotspots_stage`` temporary table (STAGE_COLUMNS) for this transaction."""
    columns = ", ".join(f"{name} {kind}" for name, kind in STAGE_COLUMNS.items())
    session.execute(sa.text(f"CREATE TEMP TABLE IF NOT EXISTS hotspots_stage ({columns}) ON COMMIT DROP"))
    session.execute(sa.text("TRUNCATE hotspots_stage"))


def insert_staged(
    *, session: Session, staged: str = "hotspots_stage", params: dict[str, Any] | None = None
) -> int:
    """Insert the staged rows that are new (natural key); returns how many. ``staged`` is
    the staging table, or a parenthesised query giving the same columns."""
    sql = load_sql("geoops.store", "insert_hotspots").replace("/*staged*/", staged)
    result = session.execute(sa.text(sql), params or {})
    return int(result.rowcount)  # type: ignore[attr-defined]


def raw_copy(
    statement: str, data: bytes, *, session: Session, progress: Callable[[int], None] | None = None
) -> None:
    """Stream ``data`` to a ``COPY … FROM STDIN`` on the session's own connection;
    ``progress`` hears how many bytes each chunk carried."""
    raw: Any = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy(statement) as copy:
        view = memoryview(data)
        for start in range(0, len(view), 1 << 20):
            chunk = view[start : start + (1 << 20)]
            copy.write(chunk)
            if progress:
                progress(len(chunk))


def hotspots_geojson(
    *,
    session: Session,
    after_id: int = 0,
    bbox: BBox | None = None,
    limit: int = 10_000,
    scope: Scope = None,
) -> dict[str, Any]:
    """Hotspots in ``scope`` as a GeoJSON FeatureCollection, built in SQL, newest ids last."""
    params: dict[str, Any] = {"after_id": after_id, "limit": limit}
    clauses = ["h.id > :after_id", area_clause("h.geom", scope, params)]
    clauses += [bbox_clause("h.geom", bbox, params)] if bbox else []
    return feature_collection("hotspots_geojson", clauses, params, session=session)
