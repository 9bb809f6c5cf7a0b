"""The shape of a NASA FIRMS active-fire CSV: which column holds which field, and its rows.

Columns are matched by name, never by position:
- VIIRS NRT: ``bright_ti4``/``bright_ti5``, confidence ``l/n/h`` or ``low/nominal/high``;
- MODIS: ``brightness``/``bright_t31``, confidence 0-100;
- archive / standard processing: VIIRS values under the MODIS names plus ``instrument``
  and ``type``;
- area API: ``acq_time`` as an unpadded integer (``41`` = 00:41 UTC).
Only the header is read here; the rows are validated and converted set-based in SQL
(``sql/firms_parse.sql``), which is what keeps ingest near COPY speed.
"""

from __future__ import annotations

import csv
import io
import zlib
from dataclasses import dataclass, field

from geoops.domain import RowError
from geoops.errors import UnusableInput

REQUIRED = ("latitude", "longitude", "acq_date", "acq_time", "satellite")
# Field -> header names that carry it, first match wins.
FIELDS: dict[str, tuple[str, ...]] = {
    "latitude": ("latitude",),
    "longitude": ("longitude",),
    "acq_date": ("acq_date",),
    "acq_time": ("acq_time",),
    "satellite": ("satellite",),
    "instrument": ("instrument",),
    "confidence": ("confidence",),
    "version": ("version",),
    "frp": ("frp",),
    "brightness": ("bright_ti4", "brightness"),
    "brightness_2": ("bright_ti5", "bright_t31"),
    "scan": ("scan",),
    "track": ("track",),
    "daynight": ("daynight",),
    "type": ("type",),
}
MAX_BYTES = 2 * 1024**3  # a decompressed file larger than this is refused
PLAIN = ","
SAFE = "\x1f"  # field separator of rows re-written from quoted CSV (ASCII unit separator)


@dataclass(frozen=True)
class FirmsFile:
    """A FIRMS CSV ready for SQL: a field's 1-based position, and one record per line."""

    columns: dict[str, int]
    width: int
    instrument: str
    body: bytes
    delimiter: str = PLAIN
    errors: list[RowError] = field(default_factory=list)


def read_firms_file(data: bytes) -> FirmsFile:
    """Check the file and map its header; an unusable file raises UnusableInput."""
    data = _decompressed(data).removeprefix(b"\xef\xbb\xbf")
    if not data.strip():
        raise UnusableInput("empty file: no FIRMS header")
    head, _, body = data.partition(b"\n")
    header = [h.strip().lower() for h in _text(head, 1).split(",")]
    if head.lstrip()[:1] == b"<" or b"<html" in data[:300].lower():
        raise UnusableInput("an HTML page, not a FIRMS CSV (the FIRMS API answers so on a bad key)")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise UnusableInput(f"not a FIRMS CSV: missing column(s) {', '.join(missing)}")
    doubled = sorted({h for h in header if header.count(h) > 1})
    if doubled:
        raise UnusableInput(f"column(s) named twice in the header: {', '.join(doubled)}")
    columns = {
        name: header.index(found) + 1
        for name, names in FIELDS.items()
        for found in [next((n for n in names if n in header), None)]
        if found is not None
    }
    instrument = "VIIRS" if "bright_ti4" in header else "MODIS"
    _text(body, 2)
    if b"\r" in body:
        body = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if any(marker in body for marker in (b'"', b"\x00", b"\x01", b"\x02", b"\\.")):
        return _rewritten(columns, len(header), instrument, body)
    return FirmsFile(columns, len(header), instrument, body)


def _decompressed(data: bytes) -> bytes:
    if data[:2] != b"\x1f\x8b":
        return data
    inflate = zlib.decompressobj(wbits=31)
    try:
        out = inflate.decompress(data, MAX_BYTES)
    except zlib.error as exc:
        raise UnusableInput(f"a broken gzip file: {exc}") from exc
    if inflate.unconsumed_tail:
        raise UnusableInput(f"decompresses to more than {MAX_BYTES // 1024**3} GiB")
    if not inflate.eof:
        raise UnusableInput("a truncated gzip file")
    return out


def _text(data: bytes, first_line: int) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = first_line + data.count(b"\n", 0, exc.start)
        raise UnusableInput(f"not UTF-8 text (line {line}): not a FIRMS CSV") from exc


def _rewritten(columns: dict[str, int], width: int, instrument: str, body: bytes) -> FirmsFile:
    """The rare file with quotes or control bytes: parse it with the csv module and write
    one SAFE-separated record per physical line, so SQL's line numbers stay true."""
    reader = csv.reader(io.StringIO(body.decode("utf-8"), newline=""))
    out: list[str] = []
    errors: list[RowError] = []
    try:
        for row in reader:
            start = len(out) + 2  # the header is line 1
            if any("\x00" in cell for cell in row):
                errors.append(RowError(start, "contains a NUL byte"))
                row = []
            cells = [c.replace(SAFE, " ").replace("\x01", " ").replace("\x02", " ") for c in row]
            out.append(SAFE.join(cells) if cells != ["\\."] else "")
            out += [""] * (reader.line_num - len(out))  # a record spanning lines
    except csv.Error as exc:  # e.g. an unbalanced quote swallowing the rest of the file
        raise UnusableInput(f"malformed CSV near line {reader.line_num + 1}: {exc}") from exc
    return FirmsFile(columns, width, instrument, ("\n".join(out) + "\n").encode(), SAFE, errors)
