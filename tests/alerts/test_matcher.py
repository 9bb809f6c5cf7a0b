"""The matcher turns incident events into alerts by level rules and subscriptions, once."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Engine

from geoops.alerts.matcher import MatchConfig, match_events
from geoops.detect.lifecycle import change_status
from geoops.domain import IncidentStatus
from geoops.settings import Settings
from geoops.store.engine import transaction
from tests.alerts.places import build_places, burn

NEAR_YAKUTSK = (129.76, 62.02)  # about 1.5 km east of the city's point
FAR_EAST = (130.80, 61.60)  # in M, some 70 km from Yakutsk


def match(engine: Engine, settings: Settings) -> list[int]:
    stored: list[int] = []
    while True:
        with transaction(engine) as session:
            result = match_events(MatchConfig.from_settings(settings), session=session)
        stored += result.alerts
        if not result.more:
            return stored


def alerts_by_recipient(engine: Engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT recipient, reason FROM alerts ORDER BY id")).all()
    found: dict[str, list[str]] = {}
    for recipient, reason in rows:
        found.setdefault(recipient, []).append(reason)
    return found


def test_a_fire_near_a_settlement_alerts_the_municipality_forestry_and_district(
    engine: Engine, settings: Settings
) -> None:
    places = build_places(engine)
    incident = burn(engine, settings, *NEAR_YAKUTSK)
    assert match(engine, settings)
    told = alerts_by_recipient(engine)
    with engine.connect() as conn:
        status, priority = conn.execute(
            sa.text("SELECT status, priority FROM incidents WHERE id = :i"), {"i": incident}
        ).one()
    assert status == "confirmed"
    assert told[f"jurisdiction:{places.municipality}"] == ["new"]
    assert told[f"jurisdiction:{places.forestry}"] == ["new"]
    assert told[f"jurisdiction:{places.district}"] == ["new"], "near a settlement: the district's rule"
    assert f"jurisdiction:{places.municipality_2}" not in told
    assert (f"jurisdiction:{places.region}" in told) == (priority in ("high", "critical"))
    assert match(engine, settings) == [], "matching again alerts nobody twice"


def test_a_remote_low_priority_fire_stays_with_the_municipality(engine: Engine, settings: Settings) -> None:
    places = build_places(engine)
    burn(engine, settings, *FAR_EAST)
    match(engine, settings)
    told = alerts_by_recipient(engine)
    assert set(told) == {f"jurisdiction:{places.municipality}", f"jurisdiction:{places.forestry}"}


def test_growth_is_throttled_but_a_status_change_is_told(engine: Engine, settings: Settings) -> None:
    places = build_places(engine)
    m = f"jurisdiction:{places.municipality}"
    incident = burn(engine, settings, *FAR_EAST, pixels=2, hours_ago=3)
    match(engine, settings)
    for hours in (2.5, 2.0, 1.5):  # the fire grows three times within the interval
        assert (
            burn(engine, settings, FAR_EAST[0], FAR_EAST[1] + 0.0035, pixels=6, hours_ago=hours) == incident
        )
        match(engine, settings)
    assert alerts_by_recipient(engine)[m] == ["new"]
    with engine.begin() as conn:  # the interval has passed since the first alert
        conn.execute(sa.text("UPDATE alerts SET created_at = created_at - interval '1 hour'"))
    assert burn(engine, settings, FAR_EAST[0], FAR_EAST[1] + 0.007, pixels=12, hours_ago=1) == incident
    match(engine, settings)
    assert alerts_by_recipient(engine)[m] == ["new", "update"]
    with transaction(engine) as session:
        change_status(incident, IncidentStatus.CONTAINED, "line held", actor_id=None, actor_name="dispatcher",
                      scope=None, session=session)  # fmt: skip
    match(engine, settings)
    assert alerts_by_recipient(engine)[m] == ["new", "update", "status"]


def test_a_merge_is_told_to_whoever_heard_of_either_fire(engine: Engine, settings: Settings) -> None:
    places = build_places(engine)
    m = f"jurisdiction:{places.municipality}"
    first = burn(engine, settings, 130.80, 61.6, pixels=2, hours_ago=3)
    second = burn(engine, settings, 130.84, 61.6, pixels=2, hours_ago=3)  # 2 km east: another fire
    assert first != second
    match(engine, settings)
    survivor = burn(engine, settings, 130.807, 61.6, pixels=5, hours_ago=2)  # the gap burns
    assert survivor in (first, second)
    match(engine, settings)
    with engine.connect() as conn:
        merged = conn.execute(
            sa.text(
                "SELECT incident_id, message->>'title' FROM alerts WHERE reason = 'merged' AND recipient = :m"
            ),
            {"m": m},
        ).all()
    assert [row[0] for row in merged] == [survivor]
    assert "merged with 1 other fire" in merged[0][1]


def test_a_fire_confirmed_by_a_later_pass_is_told_once(engine: Engine, settings: Settings) -> None:
    places = build_places(engine)
    incident = burn(engine, settings, *FAR_EAST, pixels=1, hours_ago=3, confidence="nominal")
    match(engine, settings)
    assert alerts_by_recipient(engine) == {}, "a lone nominal pixel stays suspected: nobody is told"
    assert burn(engine, settings, *FAR_EAST, pixels=2, hours_ago=2, confidence="nominal") == incident
    match(engine, settings)  # the pass says updated (confirmed) and status_changed (confirmed)
    assert alerts_by_recipient(engine)[f"jurisdiction:{places.municipality}"] == ["new"]
