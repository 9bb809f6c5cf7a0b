"""What a replay input file is, recognised by its content (a header or a JSON shape), not its name."""

from __future__ import annotations

import csv
import gzip
import zlib
from enum import StrEnum

from geoops.errors import UnusableInput
from geoops.ingest.firms_csv import REQUIRED as FIRMS_COLUMNS
from geoops.ingest.sensors import OBSERVATION_COLUMNS, STATION_COLUMNS

NOT_A_SOURCE = (
    "not a FIRMS CSV, a stations CSV (station_id,lon,lat), an observations CSV "
    "(station_id,observed_at,property,value,unit) or a GeoJSON FeatureCollection of reports"
)


class SourceKind(StrEnum):
    STATIONS = "stations"
    FIRMS = "firms"
    OBSERVATIONS = "observations"
    REPORTS = "reports"


CSV_KINDS = (
    (SourceKind.FIRMS, FIRMS_COLUMNS),
    (SourceKind.OBSERVATIONS, OBSERVATION_COLUMNS),
    (SourceKind.STATIONS, STATION_COLUMNS),
)


def unpacked(data: bytes) -> bytes:
    """The bytes, decompressed when they are gzip."""
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise UnusableInput(f"a broken gzip file: {exc}") from exc


def recognise(data: bytes) -> SourceKind:
    """The kind of source: JSON is reports; a CSV by the columns its header names."""
    if data.lstrip()[:1] in (b"{", b"["):
        return SourceKind.REPORTS
    try:
        head = data.partition(b"\n")[0].decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnusableInput(f"{NOT_A_SOURCE}: not UTF-8 text") from None
    names = {name.strip().lower() for name in next(csv.reader([head]), [])}
    for kind, columns in CSV_KINDS:
        if names.issuperset(columns):
            return kind
    shown = head.strip()[:60] or "an empty first line"
    raise UnusableInput(f"{NOT_A_SOURCE} (it starts with {shown!r})")
