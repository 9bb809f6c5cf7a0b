"""Lists of bytes go to the server as binary arrays, whole and in order."""

from __future__ import annotations

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from geoops.store.binary_arrays import BinaryArray

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
