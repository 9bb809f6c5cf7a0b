"""Lists of bytes go to the server as binary arrays, whole and in order."""

from __future__ import annotations

import numpy as np
import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from geoops.store.binary_arrays import BinaryArray, float8_array, int8_array

BLOBS = [bytes(range(256)) * 3, b"", None, b"\x00{,}\\\"'"]  # what a text literal would escape


def test_a_binary_array_arrives_whole_through_sqlalchemy(engine: Engine) -> None:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT b FROM unnest(CAST(:blobs AS bytea[])) WITH ORDINALITY AS u(b, n) ORDER BY n"),
            {"blobs": BinaryArray(BLOBS)},
        ).scalars()
        assert [None if b is None else bytes(b) for b in rows] == BLOBS
        assert (
            conn.execute(sa.text("SELECT cardinality(CAST(:b AS bytea[]))"), {"b": BinaryArray()}).scalar()
            == 0
        )


def test_it_is_sent_in_the_binary_format() -> None:
    dumper = psycopg.adapters.get_dumper(BinaryArray, psycopg.adapt.PyFormat.AUTO)
    assert dumper.format == psycopg.pq.Format.BINARY


def test_numbers_arrive_whole_as_binary_arrays(engine: Engine) -> None:
    floats = np.array([1.5, np.nan, -2.0e-300, 1.7976931348623157e308, 0.1 + 0.2, np.nan])
    ints = np.array([0, -1, 2**62, -(2**63), 42], dtype=np.int64)
    with engine.connect() as conn:
        got = conn.execute(
            sa.text(
                "SELECT CAST(:f AS float8[]), CAST(:i AS bigint[]), CAST(:e AS float8[]), CAST(:n AS bigint[])"
            ),
            {"f": float8_array(floats), "i": int8_array(ints), "e": float8_array([]), "n": int8_array([])},
        ).one()
    assert got[0] == [None if np.isnan(v) else v for v in floats.tolist()]  # NaN goes as NULL, bits kept
    assert got[1] == ints.tolist()
    assert got[2] == [] and got[3] == []


def test_packed_arrays_read_back_as_what_was_packed() -> None:
    assert float8_array([2.5, np.nan, 3.0]).values() == [2.5, None, 3.0]
    assert float8_array([None, 1.0]).values() == [None, 1.0]
    assert int8_array([7, -7]).values() == [7, -7]
    assert int8_array([]).values() == []
    for packed in (float8_array([1.0]), int8_array([1])):
        dumper = psycopg.adapters.get_dumper(type(packed), psycopg.adapt.PyFormat.AUTO)
        assert dumper.format == psycopg.pq.Format.BINARY
