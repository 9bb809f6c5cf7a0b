"""The dispatcher's live map in a real Chromium: it loads offline and grows from the SSE stream."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from geoops.access.accounts import add_user
from geoops.api.app import create_app
from geoops.settings import Settings
from geoops.store.engine import transaction
from geoops.workers import detect_once, detect_params, detector
from tests.live_server import serve

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIIRS = "viirs_snpp_nrt_russia_asia_24h_2021-09-29.csv"
SCREENSHOT = Path("/tmp/geoops-map.png")
GROW_WITHIN_S = 30.0
USER, PASSWORD = "map-admin", "a long test password"


def split_by_time(source: Path, folder: Path) -> tuple[Path, Path, int, int]:
    """The sample as two CSVs with the same header: the earlier half of the rows, then the rest."""
    header, *rows = source.read_text(encoding="utf-8").splitlines()
    columns = header.split(",")
    date, hhmm = columns.index("acq_date"), columns.index("acq_time")
    rows.sort(key=lambda row: (row.split(",")[date], row.split(",")[hhmm].zfill(4)))
    half = len(rows) // 2
    first, rest = folder / "first.csv", folder / "rest.csv"
    first.write_text("\n".join([header, *rows[:half], ""]), encoding="utf-8")
    rest.write_text("\n".join([header, *rows[half:], ""]), encoding="utf-8")
    return first, rest, half, len(rows) - half


def post_csv(base_url: str, path: Path, headers: dict[str, str]) -> int:
    response = httpx.post(
        f"{base_url}/api/v1/hotspots",
        content=path.read_bytes(),
        headers={"Content-Type": "text/csv", **headers},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    inserted: int = response.json()["inserted"]
    return inserted


def current_incidents(engine: Engine) -> int:
    """Incidents on the registry now (merged-away ones are not drawn)."""
    sql = "SELECT count(*) FROM incidents WHERE merged_into_id IS NULL"
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql)).scalar_one())


@pytest.fixture
def base_url(settings: Settings) -> Iterator[str]:
    with serve(create_app(settings, workers=(detector(settings),))) as url:
        yield url


@pytest.fixture
def map_user(engine: Engine) -> str:
    """An administrator who logs in with a password (sees every incident)."""
    with transaction(engine) as session:
        add_user(USER, role="admin", password=PASSWORD, jurisdiction_ids=[], actor="test", session=session)
    return USER


def test_live_map_grows_without_reload(
    base_url: str,
    settings: Settings,
    engine: Engine,
    sample_path: Callable[[str], Path],
    tmp_path: Path,
    admin_headers: dict[str, str],
    map_user: str,
) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: scripts/setup installs Debian's chromium for browser tests")
    from playwright.sync_api import ConsoleMessage, Request, expect, sync_playwright

    first, rest, first_rows, rest_rows = split_by_time(sample_path(VIIRS), tmp_path)
    assert post_csv(base_url, first, admin_headers) == first_rows
    detect_once(engine, detect_params(settings))  # the worker may have run it already; both are fine
    deadline = time.monotonic() + GROW_WITHIN_S
    while current_incidents(engine) == 0:  # bounded: on a loaded machine the worker may still be busy
        assert time.monotonic() < deadline, "no incident within 30 s of the first ingest"
        time.sleep(0.2)
    incidents_before = current_incidents(engine)

    requests: list[str] = []
    console_errors: list[str] = []
    page_errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(message.text)

    def on_request(request: Request) -> None:
        requests.append(request.url)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.on("console", on_console)
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.on("request", on_request)
            page.set_default_timeout(30_000)

            # Not logged in: the map sends the browser to the login form, which comes back.
            page.goto(f"{base_url}/map")
            expect(page).to_have_url(f"{base_url}/login?next=/map")
            page.fill("#name", map_user)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            expect(page).to_have_url(f"{base_url}/map")
            expect(page).to_have_title("geoops — live map")
            expect(page.locator("#geoops-live")).to_have_text("live")
            paths = page.locator("path.geoops-incident")
            expect(paths).to_have_count(incidents_before)
            expect(page.locator("#geoops-hotspot-count")).to_have_text(str(first_rows))
            expect(page.locator("#geoops-incident-count")).to_have_text(str(incidents_before))
            shown_incidents = int(page.locator("#geoops-incident-count").inner_text())
            shown_hotspots = int(page.locator("#geoops-hotspot-count").inner_text())
            paths_before = paths.count()

            # New data arrives over HTTP; the detector worker reacts to the NOTIFY and the
            # page learns of both through the event stream, without a reload.
            assert post_csv(base_url, rest, admin_headers) == rest_rows
            deadline = time.monotonic() + GROW_WITHIN_S
            while int(page.locator("#geoops-hotspot-count").inner_text()) < shown_hotspots + rest_rows:
                assert time.monotonic() < deadline, "the hotspot count did not grow within 30 s"
                page.wait_for_timeout(200)
            while paths.count() <= paths_before:
                assert time.monotonic() < deadline, "no new incident appeared on the map within 30 s"
                page.wait_for_timeout(200)

            # A citizen reports smoke (no login): the report appears on the dispatcher's map.
            reports = page.locator("path.geoops-report")
            expect(reports).to_have_count(0)
            report = {
                "category": "smoke",
                "text": "Smoke over the taiga",
                "latitude": 62.03,
                "longitude": 129.73,
            }
            assert httpx.post(f"{base_url}/api/v1/reports", json=report, timeout=30).status_code == 201
            expect(reports).to_have_count(1)
            # Once the page has caught up it shows exactly what the registry holds.
            incidents_after = current_incidents(engine)
            assert incidents_after > incidents_before
            expect(paths).to_have_count(incidents_after, timeout=int(GROW_WITHIN_S * 1000))
            expect(page.locator("#geoops-incident-count")).to_have_text(str(incidents_after))
            assert int(page.locator("#geoops-incident-count").inner_text()) > shown_incidents
            assert int(page.locator("#geoops-hotspot-count").inner_text()) == first_rows + rest_rows
            expect(page.locator("#geoops-live")).to_have_text("live")
            assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # never reloaded
            expect(page.locator("#geoops-last-event")).to_contain_text("#")
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()

    origin = urlsplit(base_url).netloc
    remote = [urlsplit(u) for u in requests if not u.startswith(("data:", "blob:"))]
    elsewhere = [u.geturl() for u in remote if u.netloc != origin]
    assert elsewhere == [], "the map must work offline: it asked other hosts"
    assert any("/static/vendor/leaflet/leaflet.js" in u for u in requests)
    assert any("/api/v1/events" in u for u in requests)
    assert console_errors == []
    assert page_errors == []
