"""The event stream scopes events by what they are about, not only incidents: a report's or
an alarm's place must not reach another territory's users."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Engine

from geoops.store.engine import transaction
from geoops.store.events import append_event, events_after


def _district(engine: Engine, name: str, x0: float, x1: float) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                sa.text(
                    "INSERT INTO jurisdictions (name, level, level_rank, geom) VALUES "
                    "(:n, 'district', 2, ST_Multi(ST_MakeEnvelope(:x0, 55, :x1, 70, 4326))) RETURNING id"
                ),
                {"n": name, "x0": x0, "x1": x1},
            ).scalar_one()
        )


def test_place_events_reach_only_the_territory_they_happen_in(engine: Engine) -> None:
    a, b = _district(engine, "A", 100, 120), _district(engine, "B", 120, 140)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE jurisdictions SET path = ARRAY[id]"))
    with transaction(engine) as session:
        append_event(
            "report.received", {"report_id": 1, "longitude": 110.0, "latitude": 60.0}, session=session
        )
        append_event(
            "report.received", {"report_id": 2, "longitude": 130.0, "latitude": 60.0}, session=session
        )
        append_event("layer.imported", {"layer": "lakes", "features": 1}, session=session)

    with transaction(engine) as session:
        seen_a, cursor_a = events_after(0, session=session, scope=[a])
        seen_b, _ = events_after(0, session=session, scope=[b])
        seen_all, _ = events_after(0, session=session, scope=None)

    assert [e.payload.get("report_id") for e in seen_a] == [1, None]
    assert [e.payload.get("report_id") for e in seen_b] == [2, None]
    assert len(seen_all) == 3
    assert cursor_a == max(e.id for e in seen_all)  # the cursor moves past what A may not see
