"""The public report form in a real Chromium on a phone-sized screen: locate, describe,
attach a photo, send, get a tracking code; the report is stored where the phone was."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from PIL import Image
from sqlalchemy import Engine

from geoops.api.app import create_app
from geoops.secrets_tokens import token_hash
from geoops.settings import Settings
from tests.live_server import serve
from tests.maps.test_live_map_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

HERE = {"latitude": 62.0281, "longitude": 129.7326, "accuracy": 18}  # Yakutsk
SCREENSHOT = Path("/tmp/geoops-report-form.png")


@pytest.fixture
def base_url(settings: Settings) -> Iterator[str]:
    with serve(create_app(settings)) as url:
        yield url


def small_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (230, 120, 20)).save(out, "PNG")
    return out.getvalue()


def test_report_form_sends_a_located_report_with_a_photo(
    base_url: str, engine: Engine, settings: Settings
) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: scripts/setup installs Debian's chromium for browser tests")
    from playwright.sync_api import expect, sync_playwright

    requests: list[str] = []
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                geolocation=HERE, permissions=["geolocation"], viewport={"width": 390, "height": 844},
                is_mobile=True, has_touch=True,
            )  # fmt: skip
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.on("request", lambda request: requests.append(request.url))
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

            page.goto(f"{base_url}/report")
            expect(page).to_have_title("geoops — report a fire")
            expect(page.locator("#report-map.leaflet-container")).to_be_visible()
            page.click("#locate")
            expect(page.locator("#latitude")).to_have_value("62.028100")
            expect(page.locator("#longitude")).to_have_value("129.732600")
            expect(page.locator(".leaflet-marker-icon")).to_be_visible()
            expect(page.locator("#locate-status")).to_contain_text("within 18 m")
            page.select_option("#category", "open_fire")
            page.fill("#text", "Open flames at the edge of the pine forest, wind from the west")
            page.set_input_files("#photo", files=[{"name": "fire.png", "mimeType": "image/png",
                                                   "buffer": small_png()}])  # fmt: skip
            page.click("#submit")
            token = page.locator("#tracking-token")
            expect(token).to_have_text(re.compile(r"^[A-Za-z0-9_-]{24}$"))
            tracking = token.inner_text()
            expect(page.locator("#result")).to_contain_text("was received")
            page.screenshot(path=str(SCREENSHOT), full_page=True)

            page.click("#tracking-link")
            expect(page.locator("#track-status")).to_contain_text("Received")
            expect(page.locator("img.track-photo")).to_have_count(1)
        finally:
            browser.close()

    with engine.connect() as conn:
        sql = "SELECT *, ST_Y(geom) AS lat, ST_X(geom) AS lon FROM reports"
        (report,) = conn.execute(sa.text(sql)).mappings()
        photos = list(conn.execute(sa.text("SELECT * FROM report_photos")).mappings())
    assert report["tracking_hash"] == token_hash(tracking, settings.secret_key.get_secret_value())
    assert report["category"] == "open_fire" and report["reporter_kind"] == "citizen"
    assert report["text"].startswith("Open flames")
    assert (report["lat"], report["lon"], report["accuracy_m"]) == (62.0281, 129.7326, 18)
    assert len(photos) == 1 and photos[0]["report_id"] == report["id"]
    assert photos[0]["content_type"] == "image/png" and photos[0]["bytes"] == len(small_png())
    assert (settings.data_dir / photos[0]["public_path"]).is_file()

    origin = urlsplit(base_url).netloc
    elsewhere = [u for u in requests if not u.startswith(("data:", "blob:")) and urlsplit(u).netloc != origin]
    assert elsewhere == [], "the form must work offline: it asked other hosts"
    assert any("/static/vendor/leaflet/leaflet.js" in u for u in requests)
    assert problems == []
