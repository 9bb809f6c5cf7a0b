"""The inbox folder: complete CSV files are ingested once, then filed under done/ or failed/."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from geoops.ingest.inbox import INBOX_SOURCE, Inbox
from geoops.store.sources import exclusive
from tests.ingest.http_fixture import HTML_ERROR

VIIRS = "viirs_snpp_nrt_russia_asia_24h_2021-09-29.csv"
VIIRS_ROWS = 6226


@pytest.fixture
def inbox(tmp_path: Path, engine: Engine) -> Inbox:
    inbox = Inbox(tmp_path / "inbox", settle_s=0.0)  # every file counts as complete at once
    inbox.register(engine=engine)
    return inbox


def _status(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM firms_sources WHERE name = :n"), {"n": INBOX_SOURCE})
        return dict(row.mappings().one())


def _hotspots(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM hotspots")).scalar_one())


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_dropped_file_is_ingested_and_moved_to_done(
    inbox: Inbox, engine: Engine, sample_path: Callable[[str], Path]
) -> None:
    shutil.copy(sample_path(VIIRS), inbox.folder / "viirs.csv")
    (result,) = inbox.scan(engine=engine)
    assert result.summary is not None and result.summary.inserted == VIIRS_ROWS
    assert result.moved_to == inbox.folder / "done" / "viirs.csv"
    assert _names(inbox.folder) == ["done", "failed"]
    assert _names(inbox.folder / "done") == ["viirs.csv"]
    assert _hotspots(engine) == VIIRS_ROWS
    status = _status(engine)
    assert (status["kind"], status["url"]) == ("inbox", str(inbox.folder))
    assert (status["last_rows_read"], status["last_rows_inserted"]) == (VIIRS_ROWS, VIIRS_ROWS)
    assert status["last_success_at"] is not None and status["last_error"] is None
    with engine.connect() as conn:
        sources = conn.execute(sa.text("SELECT DISTINCT source FROM hotspots")).scalars().all()
    assert sources == ["viirs.csv"]
    assert inbox.scan(engine=engine) == []


def test_an_html_file_goes_to_failed_with_the_reason(inbox: Inbox, engine: Engine) -> None:
    (inbox.folder / "firms.csv").write_bytes(HTML_ERROR)
    (result,) = inbox.scan(engine=engine)
    assert result.summary is None and result.error and "HTML" in result.error
    assert _names(inbox.folder / "failed") == ["firms.csv", "firms.csv.error.txt"]
    reason = (inbox.folder / "failed" / "firms.csv.error.txt").read_text()
    assert "HTML" in reason and reason.endswith("\n")
    status = _status(engine)
    assert status["last_error"].startswith("firms.csv: ") and status["consecutive_failures"] == 1
    assert _hotspots(engine) == 0


def test_the_same_file_dropped_again_inserts_nothing(
    inbox: Inbox, engine: Engine, sample_path: Callable[[str], Path]
) -> None:
    for _ in range(2):
        shutil.copy(sample_path(VIIRS), inbox.folder / "viirs.csv")
        inbox.scan(engine=engine)
    assert _names(inbox.folder / "done") == ["viirs.1.csv", "viirs.csv"]
    assert _hotspots(engine) == VIIRS_ROWS
    status = _status(engine)
    assert (status["last_rows_read"], status["last_rows_inserted"]) == (VIIRS_ROWS, 0)


def test_a_file_being_written_waits_until_it_is_complete(
    tmp_path: Path, engine: Engine, sample_path: Callable[[str], Path]
) -> None:
    inbox = Inbox(tmp_path / "inbox", settle_s=60.0)  # only "unchanged across two looks" counts
    inbox.register(engine=engine)
    data = sample_path(VIIRS).read_bytes()
    target = inbox.folder / "viirs.csv"
    target.write_bytes(data[: len(data) // 2])  # cut mid-line
    assert inbox.scan(engine=engine) == []
    with target.open("ab") as f:
        f.write(data[len(data) // 2 :])
    assert inbox.scan(engine=engine) == []  # it grew since the last look
    assert _hotspots(engine) == 0
    (result,) = inbox.scan(engine=engine)  # unchanged since the last look
    assert result.summary is not None
    assert (result.summary.inserted, result.summary.rejected) == (VIIRS_ROWS, 0)


def test_a_settled_file_needs_only_one_look(
    tmp_path: Path, engine: Engine, sample_path: Callable[[str], Path]
) -> None:
    inbox = Inbox(tmp_path / "inbox", settle_s=1.0)
    inbox.register(engine=engine)
    shutil.copy2(sample_path(VIIRS), inbox.folder / "old.csv")  # keeps the old mtime
    (result,) = inbox.scan(engine=engine)
    assert result.summary is not None and result.summary.inserted == VIIRS_ROWS


def test_other_files_are_left_alone(inbox: Inbox, engine: Engine) -> None:
    (inbox.folder / "notes.txt").write_text("not for us")
    (inbox.folder / ".upload.csv").write_bytes(HTML_ERROR)  # hidden: still being uploaded
    assert inbox.scan(engine=engine) == []
    assert _names(inbox.folder) == [".upload.csv", "done", "failed", "notes.txt"]


def test_one_process_at_a_time_scans_a_folder(
    inbox: Inbox, engine: Engine, sample_path: Callable[[str], Path]
) -> None:
    shutil.copy(sample_path(VIIRS), inbox.folder / "viirs.csv")
    with exclusive(inbox.lock_name, engine=engine) as held:  # as another process would
        assert held
        assert inbox.scan(engine=engine) == []
    assert len(inbox.scan(engine=engine)) == 1
