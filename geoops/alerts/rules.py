"""Routing rules by management level: which incidents each level is told about.

Defaults (the issue's): municipality and forestry unit get every confirmed incident in
their area; the district gets priority >= medium, or any incident near a settlement; the
region gets high/critical, merges into large fires, and escalations. ``GEOOPS_ALERT_RULES``
replaces a level's rule, e.g. ``{"district": {"min_priority": "high"}}``; a level set to
null gets no rule-based alerts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from geoops.errors import ConfigurationError

PRIORITIES = ("low", "medium", "high", "critical")
URGENT = ("high", "critical")


def priority_rank(priority: str) -> int:
    return PRIORITIES.index(priority) if priority in PRIORITIES else 0


@dataclass(frozen=True)
class LevelRule:
    statuses: frozenset[str] = frozenset({"confirmed"})
    min_priority: str = "low"
    near_settlement_km: float | None = None  # ... or closer than this to a settlement
    merges_min_ha: float | None = None  # merges into a fire at least this large, whatever its priority
    escalations: bool = True  # receives escalations from the level below


@dataclass(frozen=True)
class IncidentFacts:
    """What rules look at: the incident as it stands now."""

    status: str
    priority: str
    area_ha: float
    settlement_km: float | None  # distance to the nearest settlement
    sources: frozenset[str] = field(default_factory=frozenset)


DEFAULT_RULES: dict[str, LevelRule] = {
    "municipality": LevelRule(),
    "forestry": LevelRule(),
    "district": LevelRule(min_priority="medium", near_settlement_km=5.0),
    "region": LevelRule(min_priority="high", merges_min_ha=200.0),
}


def rules_from_settings(overrides: Mapping[str, Any]) -> dict[str, LevelRule]:
    """The default rules with each level in ``overrides`` replaced (None removes it)."""
    rules = dict(DEFAULT_RULES)
    for level, spec in overrides.items():
        if spec is None:
            rules.pop(level, None)
            continue
        if not isinstance(spec, Mapping):
            raise ConfigurationError(f"alert rule for {level!r} must be an object, got {spec!r}")
        rules[level] = _rule(level, spec)
    return rules


def _rule(level: str, spec: Mapping[str, Any]) -> LevelRule:
    known = {"statuses", "min_priority", "near_settlement_km", "merges_min_ha", "escalations"}
    unknown = set(spec) - known
    if unknown:
        raise ConfigurationError(
            f"alert rule for {level!r}: unknown keys {sorted(unknown)}; known {sorted(known)}"
        )
    rule = LevelRule()
    if "min_priority" in spec:
        if spec["min_priority"] not in PRIORITIES:
            raise ConfigurationError(f"alert rule for {level!r}: min_priority must be one of {PRIORITIES}")
        rule = replace(rule, min_priority=spec["min_priority"])
    if "statuses" in spec:
        rule = replace(rule, statuses=frozenset(str(s) for s in spec["statuses"]))
    if spec.get("near_settlement_km") is not None:
        rule = replace(rule, near_settlement_km=float(spec["near_settlement_km"]))
    if spec.get("merges_min_ha") is not None:
        rule = replace(rule, merges_min_ha=float(spec["merges_min_ha"]))
    if "escalations" in spec:
        rule = replace(rule, escalations=bool(spec["escalations"]))
    return rule


def level_wants(rule: LevelRule, facts: IncidentFacts) -> bool:
    """The level is told about the incident (a first alert, or updates on it)."""
    if facts.status not in rule.statuses:
        return False
    if priority_rank(facts.priority) >= priority_rank(rule.min_priority):
        return True
    near = rule.near_settlement_km
    return near is not None and facts.settlement_km is not None and facts.settlement_km <= near


def wants_merge(rule: LevelRule, facts: IncidentFacts) -> bool:
    """The level is told of a merge even if the fire was not its concern before."""
    return (
        rule.merges_min_ha is not None
        and facts.area_ha >= rule.merges_min_ha
        and facts.status in rule.statuses
    )
