"""What lets a process keep a registry layer in memory safely: a version of its features
that changes with any import or edit (count, highest id, newest row version), checked
with one small query a pass, and the database a cache entry belongs to."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

Version = tuple[tuple[int, int, int, int], ...]


def layer_version(layer_ids: list[int], *, session: Session) -> Version:
    rows = session.execute(
        sa.text(
            "SELECT layer_id, count(*), max(id), max(xmin::text::bigint) FROM layer_features "
            "WHERE layer_id = ANY(:ids) GROUP BY layer_id ORDER BY layer_id"
        ),
        {"ids": layer_ids},
    ).all()
    return tuple((int(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows)


def database_key(session: Session) -> str:
    bind = session.get_bind()
    url = bind.engine.url if isinstance(bind, sa.Connection) else bind.url
    return url.render_as_string()
