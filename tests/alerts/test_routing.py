"""Routing rules and reasons, as pure functions: who is told, and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from geoops.alerts.message import Reason
from geoops.alerts.routing import Recipient, reason_for
from geoops.alerts.rules import DEFAULT_RULES, IncidentFacts, level_wants, rules_from_settings, wants_merge
from geoops.errors import ConfigurationError
from geoops.store.alert_inputs import Told

T0 = datetime(2026, 7, 1, 12, tzinfo=UTC)
EVERY = timedelta(minutes=30)


def facts(
    status: str = "confirmed", priority: str = "low", area_ha: float = 10.0, km: float | None = None
) -> IncidentFacts:
    return IncidentFacts(status, priority, area_ha, km)


@pytest.mark.parametrize(
    ("level", "incident", "wanted"),
    [
        ("municipality", facts(), True),
        ("municipality", facts(status="suspected"), False),
        ("forestry", facts(), True),
        ("district", facts(), False),
        ("district", facts(priority="medium"), True),
        ("district", facts(km=4.0), True),
        ("district", facts(km=7.0), False),
        ("region", facts(priority="medium"), False),
        ("region", facts(priority="high"), True),
        ("region", facts(priority="critical", status="suspected"), False),
    ],
)
def test_default_level_rules(level: str, incident: IncidentFacts, wanted: bool) -> None:
    assert level_wants(DEFAULT_RULES[level], incident) is wanted


def test_the_region_hears_of_merges_into_large_fires_only() -> None:
    assert wants_merge(DEFAULT_RULES["region"], facts(area_ha=250.0))
    assert not wants_merge(DEFAULT_RULES["region"], facts(area_ha=150.0))
    assert not wants_merge(DEFAULT_RULES["municipality"], facts(area_ha=5000.0))


def test_rules_from_configuration_replace_or_remove_a_level() -> None:
    rules = rules_from_settings({"district": {"min_priority": "high"}, "forestry": None, "quarter": {}})
    assert rules["district"].min_priority == "high" and rules["district"].near_settlement_km is None
    assert "forestry" not in rules and "quarter" in rules
    for bad in (
        {"district": {"min_priority": "urgent"}},
        {"district": {"colour": "red"}},
        {"district": "high"},
    ):
        with pytest.raises(ConfigurationError):
            rules_from_settings(bad)


def recipient(wants: bool = True, wants_merge: bool = False) -> Recipient:
    return Recipient(
        "jurisdiction:1", "M", "municipality", jurisdiction_id=1, wants=wants, wants_merge=wants_merge
    )


def told(minutes_ago: float, priority: str = "low", area_ha: float = 10.0, status: str = "confirmed") -> Told:
    return Told(T0 - timedelta(minutes=minutes_ago), priority, area_ha, status)


@pytest.mark.parametrize(
    ("kind", "who", "before", "now", "reason"),
    [
        ("grew", recipient(), None, facts(), Reason.NEW),
        ("grew", recipient(wants=False), None, facts(), None),
        ("grew", recipient(), told(5), facts(area_ha=30.0), None),  # grew, but within the interval
        ("grew", recipient(), told(45), facts(area_ha=30.0), Reason.UPDATE),
        ("grew", recipient(), told(45), facts(area_ha=10.5), None),  # too little to tell
        ("grew", recipient(), told(5), facts(priority="high"), Reason.UPDATE),  # a rise is never held back
        ("grew", recipient(), told(45, priority="high"), facts(priority="medium"), Reason.UPDATE),
        ("grew", recipient(), told(5, priority="high"), facts(priority="medium"), None),
        ("status", recipient(wants=False), told(5), facts(status="contained"), Reason.STATUS),
        ("status", recipient(), told(0), facts(status="confirmed"), None),  # the same pass said so
        ("status", recipient(), None, facts(), Reason.NEW),  # confirmed: the level hears for the first time
        ("status", recipient(wants=False), None, facts(status="dismissed"), None),
        ("merged", recipient(wants=False), told(1), facts(), Reason.MERGED),
        ("merged", recipient(wants=False, wants_merge=True), None, facts(), Reason.MERGED),
        ("merged", recipient(wants=False), None, facts(), None),
    ],
)
def test_reasons(
    kind: str, who: Recipient, before: Told | None, now: IncidentFacts, reason: Reason | None
) -> None:
    assert reason_for(kind, who, now, before, T0, EVERY) == reason
