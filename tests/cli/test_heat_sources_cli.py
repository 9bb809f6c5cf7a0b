"""``geoops heat-sources``: candidates listed as JSON, accepted and rejected from the shell."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import Engine
from typer.testing import CliRunner

from geoops.commands.heat_sources import heat_sources_app
from tests.detect.test_heat_candidates import burn, query


@pytest.fixture
def heat_sources(database_url: str, tmp_path: Path) -> Callable[..., Result]:
    """Run ``geoops heat-sources ARGS...`` in-process against the test database."""
    env = {"GEOOPS_DATABASE_URL": database_url, "GEOOPS_DATA_DIR": str(tmp_path / "data")}
    return lambda *args: CliRunner().invoke(heat_sources_app, list(args), env=env)


def output(result: Result) -> Any:
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}"
    return json.loads(result.stdout)


def test_list_accept_reject(heat_sources: Callable[..., Result], engine: Engine) -> None:
    proposed = [c for lon in (129.7, 130.7) for day in range(3) for c in burn(engine, day, 0.0, lon=lon)[1]]
    first, second = proposed

    assert [f["id"] for f in output(heat_sources("list"))["features"]] == [second, first]
    accepted = output(heat_sources("accept", str(first), "--note", "flare"))
    rejected = output(heat_sources("reject", str(second)))

    assert (accepted["properties"]["status"], accepted["properties"]["note"]) == ("accepted", "flare")
    assert accepted["properties"]["decided_by"].startswith("cli:")
    assert rejected["properties"]["status"] == "rejected"
    assert [f["id"] for f in output(heat_sources("list", "--status", "rejected"))["features"]] == [second]
    assert output(heat_sources("list"))["features"] == []
    assert query(engine, "SELECT count(*) AS n FROM layer_features")[0].n == 1

    again = heat_sources("accept", str(first))
    assert again.exit_code == 2 and "already accepted" in again.stderr
    assert heat_sources("list", "--status", "maybe").exit_code == 2
