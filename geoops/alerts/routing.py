"""Who is told what about an incident event: recipients by rule and subscription, and
the reason (new, update, merged, status) each one gets, with throttling of updates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from geoops.alerts.message import Reason
from geoops.alerts.rules import IncidentFacts, LevelRule, level_wants, priority_rank, wants_merge
from geoops.store.alert_inputs import IncidentRow, SubscriptionRow, Told

GROWTH_WORTH_TELLING = 0.10  # an update needs the area to grow by a tenth, or the priority to change


@dataclass(frozen=True)
class Recipient:
    key: str  # "jurisdiction:12", "subscription:5"
    name: str
    level: str | None
    jurisdiction_id: int | None = None
    subscription: SubscriptionRow | None = None
    wants: bool = False  # the rule or subscription covers the incident as it is now
    wants_merge: bool = False  # told of a merge even if not before


def recipients(
    incident: IncidentRow,
    facts: IncidentFacts,
    rules: dict[str, LevelRule],
    subscribed: list[SubscriptionRow],
) -> list[Recipient]:
    found = [
        Recipient(
            f"jurisdiction:{p.id}",
            p.name,
            p.level,
            jurisdiction_id=p.id,
            wants=level_wants(rules[p.level], facts),
            wants_merge=wants_merge(rules[p.level], facts),
        )
        for p in incident.places
        if p.level in rules
    ]
    for s in subscribed:
        level = "crew" if s.crew_id is not None else "personal"
        found.append(
            Recipient(f"subscription:{s.id}", s.name, level, subscription=s, wants=_subscribed(s, facts))
        )
    return found


def _level(jurisdiction_id: int, name: str, level: str, rule: LevelRule, facts: IncidentFacts) -> Recipient:
    return Recipient(
        f"jurisdiction:{jurisdiction_id}",
        name,
        level,
        jurisdiction_id=jurisdiction_id,
        wants=level_wants(rule, facts),
        wants_merge=wants_merge(rule, facts),
    )


def _subscribed(s: SubscriptionRow, facts: IncidentFacts) -> bool:
    return (
        facts.status in s.statuses
        and priority_rank(facts.priority) >= priority_rank(s.min_priority)
        and (not s.categories or bool(s.categories & facts.sources))
    )


def reason_for(
    kind: str,
    recipient: Recipient,
    facts: IncidentFacts,
    told: Told | None,
    at: datetime,
    update_every: timedelta,
) -> Reason | None:
    """The alert this event earns this recipient, or None. ``at``: the event's time."""
    if kind == "merged":
        return Reason.MERGED if (told is not None or recipient.wants or recipient.wants_merge) else None
    if kind == "status":
        if told is not None:  # told already of this status (the pass's own update): nothing new
            return Reason.STATUS if told.status != facts.status else None
        return Reason.NEW if recipient.wants else None
    if not recipient.wants:
        return None
    if told is None:
        return Reason.NEW
    if priority_rank(facts.priority) > priority_rank(told.priority):
        return Reason.UPDATE  # a rise in priority is never held back
    changed = facts.priority != told.priority or facts.area_ha > told.area_ha * (1 + GROWTH_WORTH_TELLING)
    return Reason.UPDATE if changed and at - told.last_at >= update_every else None
