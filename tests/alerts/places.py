"""A region, a district, two municipalities and a forestry unit around Yakutsk (boxes),
the bundled settlements layer, and fires made of synthetic VIIRS pixels, detected for real.

Yakutsk (the layer's point 129.7326, 62.0281) lies in municipality M; M2 is the district's
empty western part. The forestry unit F sits under the region and covers M.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import Engine

from geoops.ingest.firms import ingest_firms
from geoops.registry.definitions import read_definitions
from geoops.registry.layer_import import import_definition
from geoops.settings import PROJECT_ROOT, Settings
from geoops.store.engine import transaction
from geoops.workers import detect_once, detect_params
from tests.access.districts import add_jurisdiction

HEADER = "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,confidence,version,bright_ti5,frp,daynight"
PIXEL_DEG = 0.0035  # about 375 m of latitude: neighbouring VIIRS pixels


@dataclass(frozen=True)
class Places:
    region: int
    district: int
    municipality: int
    municipality_2: int
    forestry: int


def build_places(engine: Engine, *, settlements: bool = True) -> Places:
    region = add_jurisdiction(engine, "Region R", "region", 1, (125.0, 60.0, 135.0, 64.0))
    district = add_jurisdiction(engine, "District D", "district", 2, (127.0, 61.0, 131.0, 63.0), region)
    m = add_jurisdiction(engine, "Municipality M", "municipality", 3, (129.0, 61.5, 131.0, 62.5), district)
    m2 = add_jurisdiction(engine, "Municipality M2", "municipality", 3, (127.0, 61.0, 129.0, 63.0), district)
    forestry = add_jurisdiction(engine, "Forestry F", "forestry", 4, (129.0, 61.0, 131.0, 63.0), region)
    if settlements:
        spec = next(d for d in read_definitions(PROJECT_ROOT / "layers") if d.name == "settlements")
        with transaction(engine) as session:
            import_definition(spec, session=session)
    return Places(region, district, m, m2, forestry)


def fire_csv(
    lon: float, lat: float, pixels: int, observed_at: datetime, frp: float = 25.0, confidence: str = "high"
) -> bytes:
    """``pixels`` neighbouring high-confidence pixels in a row eastwards from (lon, lat)."""
    when = observed_at.astimezone(UTC)
    rows = [
        f"{lat:.5f},{lon + i * PIXEL_DEG * 2:.5f},360.5,0.39,0.36,{when:%Y-%m-%d},{when:%H%M},N,{confidence},2.0NRT,290.1,{frp},D"
        for i in range(pixels)
    ]
    return "\n".join([HEADER, *rows, ""]).encode()


def burn(
    engine: Engine,
    settings: Settings,
    lon: float,
    lat: float,
    *,
    pixels: int = 3,
    hours_ago: float = 1.0,
    frp: float = 25.0,
    confidence: str = "high",
) -> int:
    """Ingest a fire's pixels, run a detection pass; the id of the incident they made or grew."""
    observed = datetime.now(UTC) - timedelta(hours=hours_ago)
    with transaction(engine) as session:
        summary = ingest_firms(fire_csv(lon, lat, pixels, observed, frp, confidence), source=f"test-{lon}-{lat}-{hours_ago}",
                               session=session)  # fmt: skip
        assert summary.inserted == pixels, summary
    detect_once(engine, detect_params(settings))
    with engine.connect() as conn:
        found = conn.execute(
            sa.text(
                "SELECT coalesce(i.merged_into_id, i.id) FROM incident_evidence AS e JOIN hotspots AS h "
                "ON h.id = e.hotspot_id JOIN incidents AS i ON i.id = e.incident_id "
                "WHERE h.latitude = :lat ORDER BY h.id DESC LIMIT 1"
            ),
            {"lat": round(lat, 5)},
        ).scalar_one()
    return int(found)
