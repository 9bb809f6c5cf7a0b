"""A FIRMS CSV as replay steps: one satellite pass (the rows of one acquisition time) each."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial

from sqlalchemy.orm import Session

from geoops.domain import IngestSummary, RowError
from geoops.ingest.firms import ingest_firms
from geoops.ingest.firms_csv import read_firms_file
from geoops.replay.files import SourceKind
from geoops.replay.steps import ReplayOptions, Step
from geoops.replay.timing import group_by_time, renumbered, with_errors


def firms_steps(name: str, data: bytes, options: ReplayOptions) -> list[Step]:
    """Each pass is a CSV of the file's header and the pass's rows, ingested as any FIRMS file.
    A row whose time cannot be read goes with the first pass, where the ingest names it."""
    file = read_firms_file(data)
    header = data.removeprefix(b"\xef\xbb\xbf").partition(b"\n")[0].decode("utf-8").rstrip("\r")
    date_at, time_at = file.columns["acq_date"] - 1, file.columns["acq_time"] - 1
    rows: list[tuple[int, list[str]]] = []
    for number, text in enumerate(file.body.decode("utf-8").split("\n"), start=2):
        if text:  # the body holds one record per line, quotes already resolved
            rows.append((number, text.split(file.delimiter)))
    times = [_acquired(row, date_at, time_at) for _, row in rows]
    steps = []
    for index, (when, members) in enumerate(group_by_time(rows, times, None)):
        out = io.StringIO()
        out.write(header + "\n")
        csv.writer(out, lineterminator="\n").writerows(row for _, row in members)
        lines = [number for number, _ in members]
        refused = file.errors if index == 0 else []  # rows the reader already refused (NUL bytes)
        feed = partial(_feed, out.getvalue().encode(), lines, name, refused)
        steps.append(Step(SourceKind.FIRMS, when, name, feed))
    return steps


def _feed(
    data: bytes, lines: Sequence[int], source: str, refused: Sequence[RowError], session: Session
) -> IngestSummary:
    summary = ingest_firms(data, source=source, session=session)
    return with_errors(renumbered(summary, lines, first=2), refused)


def _acquired(row: list[str], date_at: int, time_at: int) -> datetime | None:
    try:
        hhmm = row[time_at].strip().replace(":", "").zfill(4)
        return datetime.strptime(row[date_at].strip() + hhmm, "%Y-%m-%d%H%M").replace(tzinfo=UTC)
    except (IndexError, ValueError):
        return None
