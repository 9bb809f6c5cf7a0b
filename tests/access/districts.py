"""Two districts under one region, built with SQL, with real FIRMS rows in each, detected.

Region R is the box lon 100..140, lat 55..70; district A its western half (100..120),
district B its eastern half (120..140). The hotspots are the real VIIRS sample's rows that
fall in each half, leaving out a margin at the A|B border so every fire lies in one district.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Engine

from geoops.ingest.firms import ingest_firms
from geoops.settings import Settings
from geoops.store.engine import transaction
from geoops.workers import detect_once, detect_params

VIIRS = Path(__file__).parent.parent / "fixtures" / "viirs_snpp_nrt_russia_asia_24h_2021-09-29.csv"
Box = tuple[float, float, float, float]  # minLon, minLat, maxLon, maxLat
REGION: Box = (100.0, 55.0, 140.0, 70.0)
DISTRICT_A: Box = (100.0, 55.0, 120.0, 70.0)
DISTRICT_B: Box = (120.0, 55.0, 140.0, 70.0)
BORDER_MARGIN = 2.0  # degrees of longitude kept free of hotspots on each side of lon 120


@dataclass(frozen=True)
class Districts:
    region: int
    a: int
    b: int
    incidents_a: frozenset[int]  # every incident in A, merged-away ones included
    incidents_b: frozenset[int]
    current_a: frozenset[int]  # those still on the registry (what lists show)
    current_b: frozenset[int]


def add_jurisdiction(
    engine: Engine, name: str, level: str, rank: int, box: Box, parent: int | None = None
) -> int:
    """One jurisdiction whose ``path`` is its parent's path followed by its own id."""
    params = {"name": name, "level": level, "rank": rank, "parent": parent}
    params.update(zip(("x0", "y0", "x1", "y1"), box, strict=True))
    sql = (
        "INSERT INTO jurisdictions (id, name, level, level_rank, parent_id, path, geom) "
        "SELECT n.id, :name, :level, :rank, :parent, "
        "coalesce((SELECT path FROM jurisdictions WHERE id = :parent), '{}') || n.id, "
        "ST_Multi(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)) "
        "FROM (SELECT nextval(pg_get_serial_sequence('jurisdictions', 'id'))::int AS id) AS n "
        "RETURNING id"
    )
    with engine.begin() as conn:
        return int(conn.execute(sa.text(sql), params).scalar_one())


def firms_rows(lon_from: float, lon_to: float) -> bytes:
    """The sample's header and its rows with lat 55..70 and lon_from <= lon < lon_to."""
    header, *rows = VIIRS.read_text(encoding="utf-8").splitlines()
    inside = [
        row
        for row in rows
        if REGION[1] <= float(row.split(",")[0]) <= REGION[3]
        and lon_from <= float(row.split(",")[1]) < lon_to
    ]
    return "\n".join([header, *inside, ""]).encode()


def incidents_within(engine: Engine, box: Box, *, current_only: bool) -> frozenset[int]:
    """Incidents whose perimeter meets ``box``, found by geometry alone (not by the links)."""
    merged = "AND merged_into_id IS NULL" if current_only else ""
    with engine.connect() as conn:
        ids = conn.execute(
            sa.text(
                "SELECT id FROM incidents WHERE ST_Intersects(geom, ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)) "
                + merged
            ),
            dict(zip(("x0", "y0", "x1", "y1"), box, strict=True)),
        ).scalars()
        return frozenset(int(i) for i in ids)


def link_incidents(engine: Engine) -> None:
    """Fill incident_jurisdictions if the detection pass did not (it should)."""
    with engine.connect() as conn:
        linked = conn.execute(sa.text("SELECT count(*) FROM incident_jurisdictions")).scalar_one()
    if linked:
        return
    from geoops.store.jurisdictions import recompute_incident_jurisdictions

    with transaction(engine) as session:
        recompute_incident_jurisdictions(session=session, incident_ids=None)


def build_districts(engine: Engine, settings: Settings) -> Districts:
    region = add_jurisdiction(engine, "Region R", "region", 1, REGION)
    a = add_jurisdiction(engine, "District A", "district", 2, DISTRICT_A, parent=region)
    b = add_jurisdiction(engine, "District B", "district", 2, DISTRICT_B, parent=region)
    for source, (lon_from, lon_to) in {
        "district-a": (DISTRICT_A[0], DISTRICT_A[2] - BORDER_MARGIN),
        "district-b": (DISTRICT_B[0] + BORDER_MARGIN, DISTRICT_B[2]),
    }.items():
        with transaction(engine) as session:
            assert ingest_firms(firms_rows(lon_from, lon_to), source=source, session=session).inserted > 0
    assert detect_once(engine, detect_params(settings)).created
    link_incidents(engine)
    districts = Districts(
        region, a, b,
        incidents_within(engine, DISTRICT_A, current_only=False),
        incidents_within(engine, DISTRICT_B, current_only=False),
        incidents_within(engine, DISTRICT_A, current_only=True),
        incidents_within(engine, DISTRICT_B, current_only=True),
    )  # fmt: skip
    assert districts.current_a and districts.current_b
    assert not districts.incidents_a & districts.incidents_b, "a fire straddles the border"
    return districts
