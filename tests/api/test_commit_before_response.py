"""A 2xx means stored: the request's transaction commits before the response is sent."""

from __future__ import annotations

import httpx
import sqlalchemy as sa
from sqlalchemy import Engine

from geoops.api.app import create_app
from geoops.settings import Settings
from tests.live_server import serve

HEADER = "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,confidence,version,bright_ti5,frp,daynight"


def test_posted_hotspots_are_committed_when_the_answer_arrives(
    settings: Settings, engine: Engine, admin_headers: dict[str, str]
) -> None:
    with (
        serve(create_app(settings)) as base,
        httpx.Client(base_url=base, headers=admin_headers, timeout=30) as client,
    ):
        for i in range(3):
            row = f"{60 + i / 100:.5f},129.7,330.5,0.39,0.36,2021-07-01,0415,N,nominal,2.0NRT,290.1,5.2,D"
            response = client.post("/api/v1/hotspots", content=f"{HEADER}\n{row}\n".encode())
            assert response.json()["inserted"] == 1
            with engine.connect() as conn:  # read at once, from another connection
                assert conn.execute(sa.text("SELECT count(*) FROM hotspots")).scalar_one() == i + 1
