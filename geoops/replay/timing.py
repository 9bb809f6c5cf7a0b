"""Grouping rows into replay steps by time, and renumbering a step's errors into its file's numbers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from geoops.domain import IngestSummary, RowError

T = TypeVar("T")
S = TypeVar("S", bound=IngestSummary)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def group_by_time(
    items: Sequence[T], times: Sequence[datetime | None], slot: timedelta | None
) -> list[tuple[datetime | None, list[T]]]:
    """Items in time steps, oldest first, each in file order. With ``slot``, one step per
    slot-long window of UTC time (e.g. 10:00-10:10), timed at its latest item; without, one
    per distinct time. Items without a time join the first step (or make one untimed step)."""
    members: dict[datetime, list[int]] = defaultdict(list)
    latest: dict[datetime, datetime] = {}
    untimed: list[int] = []
    for index, when in enumerate(times):
        if when is None:
            untimed.append(index)
            continue
        key = when if slot is None else EPOCH + (when - EPOCH) // slot * slot
        members[key].append(index)
        latest[key] = max(latest.get(key, when), when)
    keys = sorted(members)
    if not keys:
        return [(None, list(items))] if items else []
    members[keys[0]] = sorted(untimed + members[keys[0]])
    return [(latest[key], [items[i] for i in members[key]]) for key in keys]


def renumbered(summary: S, numbers: Sequence[int], first: int) -> S:
    """The summary with each error's number in the step (``first`` for its first row) replaced
    by that row's number in the file."""
    errors = [
        RowError(numbers[e.line - first] if 0 <= e.line - first < len(numbers) else e.line, e.reason)
        for e in summary.errors
    ]
    return replace(summary, errors=errors)


def with_errors(summary: S, errors: Sequence[RowError]) -> S:
    """The summary with rows refused before the ingest (counted as read and rejected)."""
    if not errors:
        return summary
    return replace(
        summary,
        read=summary.read + len(errors),
        rejected=summary.rejected + len(errors),
        errors=sorted([*errors, *summary.errors], key=lambda e: e.line),
    )
