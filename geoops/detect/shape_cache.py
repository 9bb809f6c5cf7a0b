"""The incidents' linking shapes (``incident_shapes``) held in memory between passes.

Probing the shapes' GiST index once per new hotspot was the costliest statement of a pass
after the perimeter refresh. Only detection passes write these shapes, one at a time under
their advisory lock, and each pass counts itself in ``detection_state.generation``, so a
process can keep the shapes in memory and know when they are still what the database holds:

- at the start of a pass (its generation G, the committed state G - 1): what this process's
  previous pass changed (:class:`Changes`, staged with that pass's generation) is applied if
  that pass committed (its generation is G - 1) and dropped if it rolled back; a cache of
  any other generation (another process ran passes, or this is the first) is reloaded;
- at the end of a pass, what it changed is staged: its new pieces (ids above the highest
  before it), the incidents whose pieces were re-cut, the incidents merged away.

The cache holds the pieces of incidents that were not merged and were last observed after a
floor: evidence of time t links only to incidents last observed after t minus the
inactivity time, so a batch older than the floor reloads with a lower one, and a newer
batch prunes what fell below it. Caches are kept per database (its cluster's system
identifier and its oid, so a copy or a re-created database is another one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlalchemy.orm import Session

PRUNE_STEP_S = 86_400.0  # raise the floor a day at a time, not every pass


@dataclass
class Changes:
    """What one pass changed in ``incident_shapes``."""

    generation: int
    merged: dict[int, int] = field(default_factory=dict)  # absorbed -> survivor
    recut: set[int] = field(default_factory=set)  # incidents whose 'p' and 'n' pieces were replaced
    last_seen: dict[int, float] = field(default_factory=dict)  # touched incidents' last observation
    ids: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    incidents: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    kinds: NDArray[np.str_] = field(default_factory=lambda: np.empty(0, dtype="<U1"))
    geoms: NDArray[np.object_] = field(default_factory=lambda: np.empty(0, dtype=object))


@dataclass
class ShapeCache:
    token: str
    generation: int
    floor: float  # epoch seconds: incidents last observed before it are left out
    max_id: int
    ids: NDArray[np.int64]
    incidents: NDArray[np.int64]
    kinds: NDArray[np.str_]
    geoms: NDArray[np.object_]
    last_seen: dict[int, float]
    staged: Changes | None = None
    _tree: shapely.STRtree | None = None
    _bounds: NDArray[np.float64] | None = None

    @property
    def tree(self) -> shapely.STRtree:
        if self._tree is None:
            self._tree = shapely.STRtree(self.geoms)
        return self._tree

    @property
    def bounds(self) -> NDArray[np.float64]:
        """(n, 4) boxes of the pieces."""
        if self._bounds is None:
            self._bounds = np.asarray(shapely.bounds(self.geoms), dtype=np.float64).reshape(-1, 4)
        return self._bounds

    def apply(self, changes: Changes) -> None:
        # merges first: a survivor re-cut in the same pass lost the pieces it took over too
        incidents = _owners(self.incidents, changes.merged)
        keep = ~(np.isin(incidents, list(changes.recut)) & (self.kinds != "g"))
        self.ids = np.concatenate([self.ids[keep], changes.ids])
        self.incidents = np.concatenate([incidents[keep], changes.incidents])
        self.kinds = np.concatenate([self.kinds[keep], changes.kinds])
        self.geoms = np.concatenate([self.geoms[keep], changes.geoms])
        self.max_id = max(self.max_id, int(changes.ids.max(initial=0)))
        for absorbed_id in changes.merged:
            self.last_seen.pop(absorbed_id, None)
        self.last_seen.update(changes.last_seen)
        self.generation = changes.generation
        self._tree = self._bounds = None

    def piece_counts(self, survivor_of: dict[int, int]) -> dict[int, tuple[int, int]]:
        """The new ('n') and cut ('p') pieces each incident holds, an incident that absorbed
        others in this pass (``survivor_of``: absorbed -> survivor) with theirs."""
        owner = _owners(self.incidents, survivor_of)
        new, cut = _counts(owner[self.kinds == "n"]), _counts(owner[self.kinds == "p"])
        return {i: (new.get(i, 0), cut.get(i, 0)) for i in new.keys() | cut.keys()}

    def prune(self, floor: float) -> None:
        """Leave out incidents last observed before ``floor``."""
        stale = [i for i, seen in self.last_seen.items() if seen < floor]
        if stale:
            keep = ~np.isin(self.incidents, stale)
            self.ids, self.incidents = self.ids[keep], self.incidents[keep]
            self.kinds, self.geoms = self.kinds[keep], self.geoms[keep]
            for incident in stale:
                del self.last_seen[incident]
            self._tree = self._bounds = None
        self.floor = floor


def _owners(incidents: NDArray[np.int64], survivor_of: dict[int, int]) -> NDArray[np.int64]:
    """Each piece's incident, those of incidents merged away (``survivor_of``: absorbed ->
    survivor) their survivor's."""
    if not survivor_of:
        return incidents
    absorbed = np.fromiter(survivor_of, dtype=np.int64, count=len(survivor_of))
    order = np.argsort(absorbed)
    absorbed = absorbed[order]
    survivors = np.fromiter(survivor_of.values(), dtype=np.int64, count=len(survivor_of))[order]
    at = np.minimum(np.searchsorted(absorbed, incidents), len(absorbed) - 1)
    moved = absorbed[at] == incidents
    return np.where(moved, survivors[at], incidents)


def _counts(ids: NDArray[np.int64]) -> dict[int, int]:
    values, counts = np.unique(ids, return_counts=True)
    return dict(zip(values.tolist(), counts.tolist(), strict=True))


_CACHES: dict[str, ShapeCache] = {}

Added = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.str_], NDArray[np.object_]]
"""Shapes added to the table: their ids, incidents, kinds and shapes."""


def begin_pass(*, session: Session) -> int:
    """Count this pass (call under the detection lock); returns its generation."""
    return int(
        session.execute(
            sa.text("UPDATE detection_state SET generation = generation + 1 RETURNING generation")
        ).scalar_one()
    )


def shapes_for(generation: int, floor: float, *, session: Session) -> ShapeCache:
    """The shapes as the last committed pass left them, for evidence no older than ``floor``
    plus the inactivity time (see the module's text)."""
    token = database_token(session=session)
    cache = _CACHES.get(token)
    if cache is not None and cache.staged is not None:
        if cache.staged.generation == generation - 1:
            cache.apply(cache.staged)
        cache.staged = None
    if cache is None or cache.generation != generation - 1 or floor < cache.floor:
        cache = _load(token, generation - 1, floor, session=session)
        _CACHES[token] = cache
    elif floor > cache.floor + PRUNE_STEP_S:
        cache.prune(floor)
    return cache


def database_token(*, session: Session) -> str:
    """This database among all a process may use: its cluster and its oid."""
    return str(
        session.execute(
            sa.text(
                "SELECT (SELECT system_identifier FROM pg_control_system()) || ':' || oid "
                "FROM pg_database WHERE datname = current_database()"
            )
        ).scalar_one()
    )


def new_ground_points(cache: ShapeCache, *, session: Session) -> Added:
    """The shapes added since the cache's: before the pass stores its pieces, the points of
    the ground evidence it attached ('g')."""
    rows = session.execute(
        sa.text("SELECT id, incident_id, kind, ST_AsBinary(geom) FROM incident_shapes WHERE id > :since"),
        {"since": cache.max_id},
    ).all()
    return _pieces(rows)


def stage_changes(cache: ShapeCache, changes: Changes, *added: Added) -> None:
    """Remember what this pass changed, with the shapes it added (ids, incidents, kinds,
    shapes), for the next pass here."""
    changes.ids = np.concatenate([a[0] for a in added]).astype(np.int64)
    changes.incidents = np.concatenate([a[1] for a in added]).astype(np.int64)
    changes.kinds = np.concatenate([a[2] for a in added]).astype("<U1")
    changes.geoms = np.concatenate([a[3] for a in added]).astype(object)
    cache.staged = changes


def _load(token: str, generation: int, floor: float, *, session: Session) -> ShapeCache:
    incidents = session.execute(
        sa.text(
            "SELECT id, extract(epoch FROM last_observed_at)::float8 FROM incidents "
            "WHERE merged_into_id IS NULL AND last_observed_at >= to_timestamp(:floor)"
        ),
        {"floor": floor},
    ).all()
    rows = session.execute(
        sa.text(
            "SELECT s.id, s.incident_id, s.kind, ST_AsBinary(s.geom) FROM incident_shapes AS s "
            "WHERE s.incident_id = ANY(:ids)"
        ),
        {"ids": [r[0] for r in incidents]},
    ).all()
    max_id = session.execute(sa.text("SELECT coalesce(max(id), 0) FROM incident_shapes")).scalar_one()
    ids, incident_ids, kinds, geoms = _pieces(rows)
    return ShapeCache(token=token, generation=generation, floor=floor, max_id=int(max_id), ids=ids,
                      incidents=incident_ids, kinds=kinds, geoms=geoms,
                      last_seen={int(r[0]): float(r[1]) for r in incidents})  # fmt: skip


def _pieces(rows: Sequence[Sequence[Any]]) -> Added:
    """``(id, incident_id, kind, WKB)`` rows as the cache's columns."""
    return (
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([r[1] for r in rows], dtype=np.int64),
        np.array([r[2] for r in rows], dtype="<U1"),
        np.asarray(shapely.from_wkb([bytes(r[3]) for r in rows]), dtype=object),
    )
