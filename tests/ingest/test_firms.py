"""FIRMS CSV ingest into hotspots: real samples of every header variant, bad rows, bad files."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from geoops.domain import IngestSummary, RowError
from geoops.errors import UnusableInput
from geoops.ingest.firms import ingest_firms
from geoops.store.engine import transaction

VIIRS_NRT = "viirs_snpp_nrt_russia_asia_24h_2021-09-29.csv"
MODIS_NRT = "modis_c6_nrt_russia_asia_24h_2018-10-20.csv"
VIIRS_ARCHIVE = "viirs_snpp_archive_fire_archive_SV-C2_272178.csv"
VIIRS_HEADER = (
    "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,confidence,"
    "version,bright_ti5,frp,daynight"
)


def _ingest(engine: Engine, data: bytes, source: str = "test") -> IngestSummary:
    with transaction(engine) as session:
        return ingest_firms(data, source=source, session=session)


def _rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params).all())


def _count(engine: Engine, table: str) -> int:
    return int(_rows(engine, f"SELECT count(*) FROM {table}")[0][0])


def _viirs(*rows: str) -> bytes:
    return "\n".join([VIIRS_HEADER, *rows, ""]).encode()


def _viirs_row(lat: str = "62.03", lon: str = "129.73", date: str = "2021-07-01") -> str:
    return f"{lat},{lon},330.5,0.4,0.37,{date},0415,N,nominal,2.0NRT,290.1,5.2,D"


def test_viirs_nrt_sample_ingests_once(engine: Engine, sample_path: Callable[[str], Path]) -> None:
    data = sample_path(VIIRS_NRT).read_bytes()

    first = _ingest(engine, data, source="firms:viirs-nrt")
    assert (first.read, first.inserted, first.duplicates, first.rejected) == (6226, 6226, 0, 0)
    assert first.errors == []

    again = _ingest(engine, data, source="firms:viirs-nrt")
    assert (again.read, again.inserted, again.duplicates, again.rejected) == (6226, 0, 6226, 0)

    assert _count(engine, "hotspots") == 6226
    events = _rows(engine, "SELECT kind, payload FROM events")
    assert events == [("hotspots.ingested", {"source": "firms:viirs-nrt", "inserted": 6226})]


@pytest.mark.parametrize(("name", "rows"), [(MODIS_NRT, 1725), (VIIRS_ARCHIVE, 10057)])
def test_other_header_variants_ingest_fully(
    engine: Engine, sample_path: Callable[[str], Path], name: str, rows: int
) -> None:
    summary = _ingest(engine, sample_path(name).read_bytes())
    assert (summary.read, summary.inserted, summary.duplicates, summary.rejected) == (rows, rows, 0, 0)
    assert _count(engine, "hotspots") == rows


def test_observed_at_is_utc_from_acq_date_and_acq_time(
    engine: Engine, sample_path: Callable[[str], Path]
) -> None:
    _ingest(engine, sample_path(VIIRS_NRT).read_bytes())
    # first data row: 57.87394,56.16192,...,2021-09-28,0011,N,nominal,...
    found = _rows(
        engine,
        "SELECT observed_at, instrument, satellite, ST_X(geom), ST_Y(geom) FROM hotspots "
        "WHERE latitude = 57.87394 AND longitude = 56.16192",
    )
    assert len(found) == 1
    observed_at, instrument, satellite, x, y = found[0]
    assert observed_at == datetime(2021, 9, 28, 0, 11, tzinfo=UTC)
    assert observed_at.utcoffset().total_seconds() == 0
    assert (instrument, satellite) == ("VIIRS", "N")
    assert (x, y) == pytest.approx((56.16192, 57.87394))
    span = _rows(engine, "SELECT min(observed_at), max(observed_at) FROM hotspots")[0]
    assert span[0].date().isoformat() == "2021-09-28"
    assert span[1].date().isoformat() == "2021-09-29"


def test_footprint_is_the_pixel_around_the_point(engine: Engine) -> None:
    _ingest(engine, _viirs(_viirs_row()))
    (inside, area_m2) = _rows(
        engine,
        "SELECT ST_Contains(footprint, geom), ST_Area(footprint::geography) FROM hotspots",
    )[0]
    assert inside is True
    assert area_m2 == pytest.approx(400 * 370, rel=0.02)  # scan 0.4 km x track 0.37 km


def test_confidence_words_and_letters_map_to_numbers(
    engine: Engine, sample_path: Callable[[str], Path]
) -> None:
    _ingest(engine, sample_path(VIIRS_NRT).read_bytes(), source="nrt")
    _ingest(engine, sample_path(VIIRS_ARCHIVE).read_bytes(), source="archive")
    _ingest(engine, sample_path(MODIS_NRT).read_bytes(), source="modis")
    counts = _rows(
        engine,
        "SELECT source, confidence_raw, confidence, count(*) FROM hotspots "
        "WHERE source IN ('nrt', 'archive') GROUP BY 1, 2, 3 ORDER BY 1, 2",
    )
    assert [tuple(r) for r in counts] == [
        ("archive", "h", 90, 263),
        ("archive", "l", 15, 164),
        ("archive", "n", 55, 9630),
        ("nrt", "high", 90, 140),
        ("nrt", "low", 15, 399),
        ("nrt", "nominal", 55, 5687),
    ]
    modis = _rows(
        engine,
        "SELECT count(*) FILTER (WHERE confidence = 100), "
        "count(*) FILTER (WHERE confidence::text <> confidence_raw) "
        "FROM hotspots WHERE source = 'modis'",
    )[0]
    assert tuple(modis) == (81, 0)  # MODIS numbers are kept as they are


def test_archive_keeps_instrument_and_fire_type(engine: Engine, sample_path: Callable[[str], Path]) -> None:
    _ingest(engine, sample_path(VIIRS_ARCHIVE).read_bytes())
    types = _rows(engine, "SELECT instrument, fire_type, count(*) FROM hotspots GROUP BY 1, 2 ORDER BY 2")
    assert [tuple(r) for r in types] == [("VIIRS", 0, 7055), ("VIIRS", 2, 1952), ("VIIRS", 3, 1050)]


def test_unpadded_acq_time_from_the_area_api(engine: Engine) -> None:
    header = (
        "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,instrument,"
        "confidence,version,bright_ti5,frp,daynight"
    )
    data = (
        f"{header}\n"
        "62.03,129.73,330.5,0.4,0.37,2021-07-01,41,N,VIIRS,n,2.0NRT,290.1,5.2,N\n"
        "62.13,129.73,330.5,0.4,0.37,2021-07-01,5,N,VIIRS,h,2.0NRT,290.1,5.2,N\n"
        "62.23,129.73,330.5,0.4,0.37,2021-07-01,1204,N,VIIRS,l,2.0NRT,290.1,5.2,D\n"
    ).encode()
    summary = _ingest(engine, data)
    assert (summary.inserted, summary.rejected) == (3, 0)
    times = _rows(engine, "SELECT observed_at FROM hotspots ORDER BY latitude")
    assert [t[0] for t in times] == [
        datetime(2021, 7, 1, 0, 41, tzinfo=UTC),
        datetime(2021, 7, 1, 0, 5, tzinfo=UTC),
        datetime(2021, 7, 1, 12, 4, tzinfo=UTC),
    ]


def test_gzip_compressed_file_is_read_as_its_content(
    engine: Engine, sample_path: Callable[[str], Path]
) -> None:
    summary = _ingest(engine, gzip.compress(sample_path(MODIS_NRT).read_bytes()))
    assert (summary.read, summary.inserted, summary.rejected) == (1725, 1725, 0)


def test_bad_rows_are_reported_by_line_and_the_rest_go_in(engine: Engine) -> None:
    data = _viirs(
        _viirs_row(lat="61.0"),  # line 2
        _viirs_row(lat="abc"),  # line 3
        _viirs_row(lat="95"),  # line 4
        _viirs_row(lat="61.1").rsplit(",", 1)[0],  # line 5: 12 fields
        "",  # line 6: blank, skipped
        _viirs_row(lat="61.2", date="2021-13-45"),  # line 7
        _viirs_row(lat="61.3"),  # line 8
    )
    summary = _ingest(engine, data)
    assert (summary.read, summary.inserted, summary.duplicates, summary.rejected) == (6, 2, 0, 4)
    assert [e.line for e in summary.errors] == [3, 4, 5, 7]
    reasons = [e.reason for e in summary.errors]
    assert "latitude" in reasons[0] and "number" in reasons[0]
    assert "latitude" in reasons[1] and "90" in reasons[1]
    assert "13" in reasons[2] and "12" in reasons[2]
    assert "acq_date" in reasons[3]
    stored = _rows(engine, "SELECT latitude FROM hotspots ORDER BY latitude")
    assert [float(r[0]) for r in stored] == [61.0, 61.3]


def test_summary_serialises_as_the_cli_contract(engine: Engine) -> None:
    summary = _ingest(engine, _viirs(_viirs_row(), _viirs_row(lon="x")))
    assert summary.as_dict() == {
        "read": 2,
        "inserted": 1,
        "duplicates": 0,
        "rejected": 1,
        "errors": [{"line": 3, "reason": summary.errors[0].reason}],
    }
    assert summary.errors == [RowError(3, summary.errors[0].reason)]


def test_bom_and_crlf_line_endings_are_accepted(engine: Engine) -> None:
    data = b"\xef\xbb\xbf" + _viirs(_viirs_row(), _viirs_row(lat="95")).replace(b"\n", b"\r\n")
    summary = _ingest(engine, data)
    assert (summary.read, summary.inserted, summary.rejected) == (2, 1, 1)
    assert summary.errors[0].line == 3


def test_header_only_file_is_usable_and_empty(engine: Engine) -> None:
    summary = _ingest(engine, _viirs())
    assert (summary.read, summary.inserted, summary.rejected) == (0, 0, 0)
    assert _count(engine, "events") == 0


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"  \n\n", id="blank"),
        pytest.param(b"<!DOCTYPE html>\n<html><body>Invalid MAP_KEY.</body></html>\n", id="html"),
        pytest.param(gzip.compress(_viirs(_viirs_row()))[:-8], id="truncated-gzip"),
        pytest.param(b"station_id,lon,lat\nA1,129.7,62.0\n", id="not-firms"),
        pytest.param("latitude,longitude\n1,2\n".encode("utf-16"), id="utf-16"),
    ],
)
def test_unusable_input_raises_and_writes_nothing(engine: Engine, data: bytes) -> None:
    with pytest.raises(UnusableInput):
        _ingest(engine, data)
    assert _count(engine, "hotspots") == 0
    assert _count(engine, "events") == 0


@pytest.mark.parametrize(
    "bad_row",
    [
        pytest.param(
            _viirs_row(lat="61.5").replace("nominal", "40000"),
            id="confidence-beyond-int16",
        ),
        pytest.param(
            _viirs_row(lat="61.5").replace(",N,", ",N\x00,"),
            id="nul-byte",
        ),
        pytest.param(
            _viirs_row(lat="61.5").replace(",N,", f",{'S' * 40},"),
            id="satellite-too-long",
        ),
    ],
)
def test_one_bad_cell_rejects_only_its_row(engine: Engine, bad_row: str) -> None:
    summary = _ingest(engine, _viirs(_viirs_row(), bad_row))
    assert (summary.inserted, summary.rejected) == (1, 1)
    assert summary.errors[0].line == 3


def test_a_non_integer_fire_type_rejects_only_its_row(engine: Engine) -> None:
    data = "\n".join(
        [VIIRS_HEADER + ",type", _viirs_row() + ",0", _viirs_row(lat="61.5") + ",0.5", ""]
    ).encode()
    summary = _ingest(engine, data)
    assert (summary.inserted, summary.rejected) == (1, 1)


def test_a_stray_quote_in_a_large_file_is_unusable_not_a_crash(engine: Engine) -> None:
    rows = [_viirs_row(lat=f"{60 + i / 10_000:.4f}") for i in range(3000)]
    rows.insert(1, '"' + rows[1])  # an unmatched quote swallows the rest of the file
    with pytest.raises(UnusableInput):
        _ingest(engine, _viirs(*rows))


def test_the_careful_path_stores_what_the_fast_path_stores(
    engine: Engine, sample_path: Callable[[str], Path]
) -> None:
    clean = sample_path(VIIRS_NRT).read_bytes()
    assert _ingest(engine, clean).inserted == 6226  # typed COPY takes a clean file whole
    stored = _rows(engine, "SELECT satellite, instrument, observed_at, latitude, longitude, confidence, "
                   "frp, scan, track, ST_AsText(footprint) FROM hotspots ORDER BY 1, 2, 3, 4, 5")  # fmt: skip
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE hotspots CASCADE"))

    # One unreadable line sends the whole file down the line-by-line path.
    summary = _ingest(engine, clean + b"not,a,row\n")

    assert (summary.inserted, summary.rejected) == (6226, 1)
    assert summary.errors == [RowError(6228, "expected 13 fields, found 3")]
    assert _rows(engine, "SELECT satellite, instrument, observed_at, latitude, longitude, confidence, "
                 "frp, scan, track, ST_AsText(footprint) FROM hotspots ORDER BY 1, 2, 3, 4, 5") == stored  # fmt: skip
