"""What a detection pass takes on: the hotspots, reports and sensor alarms no pass has seen."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from geoops.detect.static_areas import StaticAreas, static_areas
from geoops.store.binary_arrays import int8_array
from geoops.store.sqlfiles import load_sql

HOTSPOT, REPORT, ALARM = "h", "r", "a"


@dataclass(frozen=True)
class Evidence:
    """The fire evidence of a pass as columns: kind (``h``, ``r``, ``a``), id, observation
    time (epoch seconds) and the box of its shape in degrees (a point for ground evidence).
    Pixel footprints are lon/lat envelopes, so the box is the shape itself."""

    kinds: NDArray[np.str_]
    ids: NDArray[np.int64]
    times: NDArray[np.float64]  # exact to the microsecond: SQL takes them back with to_timestamp
    boxes: NDArray[np.float64]  # (n, 4): xmin, ymin, xmax, ymax

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def of(cls, rows: Sequence[tuple[str, int, float, float, float, float, float]]) -> Evidence:
        """From ``(kind, id, epoch seconds, xmin, ymin, xmax, ymax)`` rows."""
        kinds = np.array([r[0] for r in rows], dtype="<U1")
        ids = np.array([r[1] for r in rows], dtype=np.int64)
        numbers = np.array([r[2:] for r in rows], dtype=np.float64).reshape(len(rows), 5)
        return cls(kinds, ids, numbers[:, 0], numbers[:, 1:])


@dataclass(frozen=True)
class Facts:
    """What the refresh sums up of each fire evidence row (in the rows' order): when it was
    ingested (epoch seconds), FRP and confidence (NaN when none: ground evidence), and its
    point (a hotspot's pixel centre, a report's or alarm's place)."""

    ingested: NDArray[np.float64]
    frp: NDArray[np.float64]
    confidence: NDArray[np.float64]
    points: NDArray[np.float64]  # (n, 2): lon, lat


@dataclass(frozen=True)
class Seen:
    """What marks the claimed hotspots seen: the watermark up to which ids are claimed
    (None only in the empty default), and the static ones with their reason (a FIRMS type
    not written yet, a heat source or water found in memory)."""

    watermark: int | None = None
    static_ids: list[int] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Claimed:
    """Ids claimed by this pass (reports and alarms marked seen, hotspots to mark with
    :func:`marking_seen`), and the fire evidence among them."""

    hotspots: list[int]
    reports: list[int]
    alarms: list[int]
    evidence: Evidence
    facts: Facts
    seen: Seen = field(default_factory=Seen)

    @property
    def nothing(self) -> bool:
        return not (self.hotspots or self.reports or self.alarms)


def claim_new_evidence(
    *,
    limit: int,
    heat_layer: str,
    heat_radius_m: float,
    water_layers: tuple[str, ...],
    fire_categories: tuple[str, ...],
    session: Session,
) -> Claimed:
    """Take up to ``limit`` unseen rows of each kind: reports and alarms are marked seen
    here (non-fire reports only that), hotspots read above the watermark (up to the
    highest id no running insert can still precede: see migration 0018), with the reason
    each static one is not a fire (FIRMS type, heat sources and water, found in memory),
    for :func:`marking_seen` to write while the pass links them."""
    layers: dict[str, int] = dict(
        session.execute(
            sa.text("SELECT name, id FROM layers WHERE name = ANY(:names)"),
            {"names": [heat_layer, *water_layers]},
        ).all()
    )
    top = session.execute(sa.text("SELECT hotspots_settled_top()")).scalar_one()
    hotspots = _packed_columns(
        session.execute(sa.text(load_sql("geoops.detect", "claim_hotspots")), {"limit": limit, "top": top})
    )
    areas = static_areas(
        layers.get(heat_layer, -1), [layers[name] for name in water_layers if name in layers], session=session
    )
    full = len(hotspots["id"]) >= limit  # more may wait below the top: up to the last one taken
    watermark = int(hotspots["id"][-1]) if full else int(top)
    static, static_ids, reasons = _static(hotspots, areas, heat_radius_m)
    hotspots["fire"] = ~static
    reports_sql, alarms_sql = load_sql("geoops.detect", "claim_ground").split(";")
    ground = {"limit": limit, "fire_categories": list(fire_categories)}
    reports = _columns(session.execute(sa.text(reports_sql), ground))
    alarms = _columns(session.execute(sa.text(alarms_sql), ground))
    parts = [(c, c["fire"].astype(bool)) for c in (hotspots, reports, alarms)]  # the same columns

    def fire_rows(name: str) -> NDArray[np.float64]:
        return np.concatenate([_floats(c[name][f]) for c, f in parts])

    return Claimed(
        hotspots=hotspots["id"].tolist(),
        reports=reports["id"].tolist(),
        alarms=alarms["id"].tolist(),
        evidence=Evidence(
            np.repeat(np.array([HOTSPOT, REPORT, ALARM], dtype="<U1"), [int(f.sum()) for _, f in parts]),
            np.concatenate([c["id"][f] for c, f in parts]).astype(np.int64),
            fire_rows("epoch"),
            np.column_stack([fire_rows(name) for name in ("x0", "y0", "x1", "y1")]),
        ),
        facts=Facts(
            ingested=fire_rows("ingested"),
            frp=fire_rows("frp"),
            confidence=fire_rows("confidence"),
            points=np.column_stack([fire_rows("lon"), fire_rows("lat")]),
        ),
        seen=Seen(watermark, static_ids, reasons),
    )


def mark_seen(seen: Seen, *, session: Session) -> None:
    """Mark the claimed hotspots seen (:func:`marking_seen`), with nothing to do meanwhile."""
    with marking_seen(seen, session=session):
        pass


@contextmanager
def marking_seen(seen: Seen, *, session: Session) -> Iterator[None]:
    """Mark the claimed hotspots seen (``sql/mark_seen.sql``: the watermark moved, the
    static ones given their reason) while the caller computes: the statements go to the
    server at once in a psycopg pipeline and are awaited on leaving. The caller must not
    use ``session`` inside."""
    if seen.watermark is None:
        yield
        return
    move, mark_static = load_sql("geoops.detect", "mark_seen").split(";")
    raw: Any = session.connection().connection.driver_connection  # this transaction's
    with raw.pipeline():
        raw.execute(move, {"watermark": seen.watermark})
        if seen.static_ids:
            values = {"static_ids": int8_array(seen.static_ids), "reasons": seen.reasons}
            raw.execute(mark_static, values)
        yield


def _columns(result: sa.Result[Any]) -> dict[str, NDArray[Any]]:
    """A result as one array per column, rows in id order (``UPDATE ... RETURNING`` keeps
    none). Rows are turned into plain tuples first: numpy probing a SQLAlchemy row for the
    array protocol raises and catches an exception per row."""
    names = list(result.keys())
    rows = sorted(tuple(row) for row in result.all())
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return {name: np.array(values) for name, values in zip(names, columns, strict=True)}


def _packed_columns(result: sa.Result[Any]) -> dict[str, NDArray[Any]]:
    """The one row of ``sql/claim_hotspots.sql`` as arrays: ``id`` big-endian 8-byte
    integers, the other columns 8-byte floats (NaN for NULL), rows in id order."""
    row = result.mappings().one()
    columns = {
        name: np.frombuffer(bytes(packed or b""), ">i8" if name == "id" else ">f8").astype(
            np.int64 if name == "id" else np.float64
        )
        for name, packed in row.items()
    }
    order = np.argsort(columns["id"], kind="stable")  # already so: the claim sorts them
    return {name: values[order] for name, values in columns.items()}


def _floats(values: NDArray[Any]) -> NDArray[np.float64]:
    """A column as floats, NULL as NaN (numpy turns None into NaN on the cast); the packed
    hotspot columns are floats already."""
    if values.dtype == np.float64:
        return values
    return np.asarray(values, dtype=object).astype(np.float64)


def _static(
    hotspots: dict[str, NDArray[Any]], areas: StaticAreas, heat_radius_m: float
) -> tuple[NDArray[np.bool_], list[int], list[str]]:
    """Which claimed hotspots are not fires: static already (a reason written before), a
    FIRMS type 1 volcano, 2 other static land source or 3 offshore, and the heat-source
    and water ones found here; and the ids and reasons marking them seen writes."""
    reasoned = hotspots["reasoned"] != 0
    firms = np.isin(hotspots["fire_type"], (1.0, 2.0, 3.0))
    static = reasoned | firms
    open_rows = np.flatnonzero(~static)
    reasons = np.array(
        areas.reasons(hotspots["lon"][open_rows], hotspots["lat"][open_rows], heat_radius_m), dtype=object
    )
    found = reasons.astype(bool)  # None: a fire as far as these layers know
    static[open_rows[found]] = True
    typed = np.flatnonzero(firms & ~reasoned)
    ids = hotspots["id"]
    return (
        static,
        [*ids[typed].tolist(), *ids[open_rows[found]].tolist()],
        [*(f"firms_type_{int(t)}" for t in hotspots["fire_type"][typed]), *reasons[found].tolist()],
    )
