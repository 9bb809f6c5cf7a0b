"""Large array parameters sent to the server in the binary format.

Where the placeholder leaves the format to psycopg (SQLAlchemy's do), a Python list goes
in the text format: a list of bytes then travels hex-escaped and the server parses it
back. For the 320 perimeters of a late detection pass (1.7 kB each) that took 35 ms; as a
binary array, 2.5 ms. Wrap such a list in :class:`BinaryArray`; the SQL casts it as usual
(``CAST(:shapes AS bytea[])``).

Numbers go the same way from numpy: :func:`int8_array` and :func:`float8_array` pack a
whole column into PostgreSQL's binary array layout with a few vectorised numpy calls,
where a text literal formats every number in Python and the server parses it back (for
the 5,000 rows a pass attaches, 11 ms of ``str`` and ``join`` per pass).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import psycopg
from numpy.typing import ArrayLike
from psycopg.adapt import Dumper
from psycopg.pq import Format
from psycopg.types.array import ListBinaryDumper

INT8_ARRAY_OID, FLOAT8_ARRAY_OID = 1016, 1022
_INT8_OID, _FLOAT8_OID = 20, 701


class BinaryArray(list[bytes | None]):
    """A list of bytes (or ``None``) that psycopg sends as a binary ``bytea[]``."""


psycopg.adapters.register_dumper(BinaryArray, ListBinaryDumper)


class PackedArray:
    """A one-dimensional ``bigint[]`` or ``float8[]`` already in the binary wire format."""

    __slots__ = ("data", "oid")

    def __init__(self, data: bytes, oid: int) -> None:
        self.data = data
        self.oid = oid

    def values(self) -> list[int | float | None]:
        """The elements again (``None`` for NULL): what the server reads."""
        if len(self.data) <= 12:
            return []
        kind = ">i8" if self.oid == INT8_ARRAY_OID else ">f8"
        out: list[int | float | None] = []
        at = 20
        while at < len(self.data):
            length = int(np.frombuffer(self.data, ">i4", 1, at)[0])
            out.append(None if length < 0 else np.frombuffer(self.data, kind, 1, at + 4)[0].item())
            at += 4 + max(length, 0)
        return out


class Int8Array(PackedArray):
    """A packed ``bigint[]`` (:func:`int8_array`)."""


class Float8Array(PackedArray):
    """A packed ``float8[]`` (:func:`float8_array`)."""


def int8_array(values: ArrayLike | Sequence[int]) -> Int8Array:
    """Integers as a binary ``bigint[]`` (no NULLs)."""
    column = np.asarray(values, dtype=np.int64).reshape(-1)
    return Int8Array(_packed(column.astype(">i8"), None, _INT8_OID), INT8_ARRAY_OID)


def float8_array(values: ArrayLike | Sequence[float | None]) -> Float8Array:
    """Floats as a binary ``float8[]``; NaN or ``None`` (no value) goes as NULL."""
    column = np.asarray(values, dtype=np.float64).reshape(-1)
    return Float8Array(_packed(column.astype(">f8"), np.isnan(column), _FLOAT8_OID), FLOAT8_ARRAY_OID)


def _packed(values: np.ndarray, null: np.ndarray | None, element_oid: int) -> bytes:
    """The binary array layout: dimensions, NULL flag and element type, the size and lower
    bound of the one dimension, then each element as its length (-1 for NULL) and its 8
    bytes (none for NULL)."""
    count = len(values)
    has_null = null is not None and bool(null.any())
    if not count:
        return np.array([0, 0, element_oid], dtype=">i4").tobytes()
    header = np.array([1, int(has_null), element_oid, count, 1], dtype=">i4").tobytes()
    records = np.empty(count, dtype=[("length", ">i4"), ("value", values.dtype)])
    records["length"], records["value"] = 8, values
    if not has_null:
        return header + records.tobytes()
    assert null is not None
    records["length"][null] = -1
    keep = np.ones((count, 12), dtype=bool)
    keep[null, 4:] = False  # a NULL element is its length alone
    return header + records.view(np.uint8).reshape(count, 12)[keep].tobytes()


class _Int8ArrayDumper(Dumper):
    format = Format.BINARY
    oid = INT8_ARRAY_OID

    def dump(self, obj: PackedArray) -> bytes:
        return obj.data


class _Float8ArrayDumper(_Int8ArrayDumper):
    oid = FLOAT8_ARRAY_OID


psycopg.adapters.register_dumper(Int8Array, _Int8ArrayDumper)
psycopg.adapters.register_dumper(Float8Array, _Float8ArrayDumper)
