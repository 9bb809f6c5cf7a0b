"""Registry layers held in memory by a process, safely: an entry is keyed by the database
and what it was built from, and rebuilt when the version of its layers' features changes
(count, highest id, newest row version: any import or edit), checked with one small query
a pass."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

T = TypeVar("T")
Version = tuple[tuple[int, int, int, int], ...]
_CACHE: dict[tuple[str, Hashable], tuple[Version, Any]] = {}


def layer_version(layer_ids: list[int], *, session: Session) -> Version:
    rows = session.execute(
        sa.text(
            "SELECT layer_id, count(*), max(id), max(xmin::text::bigint) FROM layer_features "
            "WHERE layer_id = ANY(:ids) GROUP BY layer_id ORDER BY layer_id"
        ),
        {"ids": layer_ids},
    ).all()
    return tuple((int(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows)


def cached_layers(key: Hashable, layer_ids: list[int], build: Callable[[], T], *, session: Session) -> T:
    """What ``build`` makes of these layers, from memory while their features are unchanged."""
    bind = session.get_bind()
    url = bind.engine.url if isinstance(bind, sa.Connection) else bind.url
    entry = (url.render_as_string(), key)
    version = layer_version(layer_ids, session=session)
    found = _CACHE.get(entry)
    if found is not None and found[0] == version:
        return found[1]  # type: ignore[no-any-return]
    built = build()
    _CACHE[entry] = (version, built)
    return built
