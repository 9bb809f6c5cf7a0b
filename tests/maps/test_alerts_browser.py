"""Alerts in a real Chromium: on the dispatcher map and on the crew's phone page, an alert
inserted with SQL while the page is open appears without a reload and is acknowledged with
one button; the row records who. On the map the dispatcher also gets crew suggestions for
the alert's incident and assigns one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from geoops.access.accounts import add_user
from geoops.alerts.message import AlertMessage, Reason, message_record
from geoops.api.app import create_app
from geoops.settings import Settings
from geoops.store.crews import upsert_crew
from geoops.store.engine import transaction
from tests.access.districts import add_jurisdiction
from tests.alerts.places import burn
from tests.live_server import serve
from tests.maps.test_live_map_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

PASSWORD = "a long test password"
YAKUTSK = (129.7326, 62.0281)  # lon, lat
LIVE_WITHIN_MS = 20_000  # from the INSERT to the page: the hub reads on NOTIFY, or every 2 s at worst
SCREENSHOT_MAP = Path("/tmp/geoops-alerts-map.png")
SCREENSHOT_CREW = Path("/tmp/geoops-alerts-crew.png")


@pytest.fixture
def base_url(settings: Settings) -> Iterator[str]:
    with serve(create_app(settings)) as url:
        yield url


@pytest.fixture
def district(engine: Engine) -> int:
    return add_jurisdiction(engine, "District around Yakutsk", "district", 2, (129.0, 61.5, 131.0, 62.5))


def add_person(engine: Engine, name: str, role: str, jurisdiction: int) -> int:
    """A user who logs in with PASSWORD; their id."""
    with transaction(engine) as session:
        return add_user(name, role=role, password=PASSWORD, jurisdiction_ids=[jurisdiction], actor="test",
                        session=session)  # fmt: skip


def insert_alert(
    engine: Engine, message: AlertMessage, *, jurisdiction_id: int | None = None, user_id: int | None = None
) -> int:
    """Store ``message`` as the alert pipeline would, then wake the live hub; the alert id."""
    values: dict[str, Any] = {
        "dedup_key": f"browser-test:{message.recipient}:{message.title}",
        "reason": message.reason.value,
        "recipient": message.recipient,
        "priority": message.priority,
        "message": json.dumps(message_record(message)),
        "level": message.level,
        "incident_id": message.incident_id,
        "jurisdiction_id": jurisdiction_id,
        "user_id": user_id,
    }
    sql = (
        "INSERT INTO alerts (dedup_key, reason, recipient, priority, message, level, incident_id, "
        "jurisdiction_id, user_id) VALUES (:dedup_key, :reason, :recipient, :priority, CAST(:message AS jsonb), "
        ":level, :incident_id, :jurisdiction_id, :user_id) RETURNING id"
    )
    with engine.begin() as conn:
        alert_id = int(conn.execute(sa.text(sql), values).scalar_one())
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_notify('geoops_alerts', '')"))
    return alert_id


def alert_row(engine: Engine, alert_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT * FROM alerts WHERE id = :id"), {"id": alert_id}).mappings().one()


def message(title: str, recipient: str, **more: Any) -> AlertMessage:
    return AlertMessage(
        id=0,
        reason=more.pop("reason", Reason.NEW),
        created_at=datetime.now(UTC),
        title=title,
        text="Подтверждён лесной пожар: 12.5 ha, 3 hotspots.",  # non-ASCII on purpose
        priority=more.pop("priority", "critical"),
        recipient=recipient,
        recipient_name=more.pop("recipient_name", "District around Yakutsk"),
        **more,
    )


class Browser:
    """Console errors, page errors and requested URLs of every page it opens."""

    def __init__(self, playwright: Any) -> None:
        self.browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        self.problems: list[str] = []
        self.requests: list[str] = []

    def page(self, **context: Any) -> Any:
        page = self.browser.new_context(**context).new_page()
        page.set_default_timeout(30_000)
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("pageerror", lambda error: self.problems.append(str(error)))
        page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        return page

    def offsite(self, base_url: str) -> list[str]:
        origin = urlsplit(base_url).netloc
        return [
            u for u in self.requests if not u.startswith(("data:", "blob:")) and urlsplit(u).netloc != origin
        ]


def log_in(page: Any, base_url: str, path: str, name: str) -> None:
    """Open ``path`` anonymously: the login form comes first, then the page itself."""
    from playwright.sync_api import expect

    page.goto(f"{base_url}{path}")
    expect(page).to_have_url(f"{base_url}/login?next={path}")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base_url}{path}")
    expect(page.locator("#alerts-live")).to_have_text("live")


@pytest.fixture
def chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: scripts/setup installs Debian's chromium for browser tests")


@pytest.mark.usefixtures("chromium")
def test_dispatcher_sees_acknowledges_and_assigns_from_the_map(
    base_url: str, engine: Engine, settings: Settings, district: int
) -> None:
    from playwright.sync_api import expect, sync_playwright

    dispatcher = "map-dispatcher"
    add_person(engine, dispatcher, "dispatcher", district)
    crew_user = add_person(engine, "crew-lena", "crew", district)
    incident = burn(engine, settings, *YAKUTSK)
    with engine.connect() as conn:
        number = conn.execute(
            sa.text("SELECT number FROM incidents WHERE id = :i"), {"i": incident}
        ).scalar_one()
    with transaction(engine) as session:
        crew = upsert_crew({"name": "Crew Lena", "longitude": 129.6, "latitude": 62.1, "user_id": crew_user,
                            "jurisdiction_id": district}, session=session)  # fmt: skip

    with sync_playwright() as p:
        browser = Browser(p)
        try:
            page = browser.page(viewport={"width": 1280, "height": 800})
            log_in(page, base_url, "/map", dispatcher)
            expect(page).to_have_title("geoops — live map")
            expect(page.locator("#alerts-list li")).to_have_count(0)
            expect(page.locator("#alerts-empty")).to_be_visible()

            # The alert pipeline stores an alert for the dispatcher's district: it shows up live.
            title = f"Wildfire {number} confirmed near Yakutsk"
            alert_id = insert_alert(
                engine,
                message(title, f"jurisdiction:{district}", level="district", incident_id=incident,
                        incident_number=number, incident_status="confirmed", centroid=YAKUTSK),
                jurisdiction_id=district,
            )  # fmt: skip
            item = page.locator(f"#alert-{alert_id}")
            expect(item).to_contain_text(title, timeout=LIVE_WITHIN_MS)
            expect(item).to_have_class("alert alert-critical")
            expect(item.locator(".alert-priority")).to_have_text("critical")
            expect(page.locator("#alerts-unacked")).to_have_text("1")
            expect(page.locator("#alerts-empty")).to_be_hidden()
            cap = item.get_by_role("link", name=f"CAP XML of alert {alert_id}")
            expect(cap).to_have_attribute("href", f"/api/v1/alerts/{alert_id}.cap")
            answer = page.request.get(f"{base_url}/api/v1/alerts/{alert_id}.cap")
            assert answer.ok and "<alert" in answer.text()

            item.get_by_role("button", name="Acknowledge").click()
            expect(item.locator(".alert-acked")).to_contain_text(f"acknowledged by {dispatcher} at ")
            expect(item.get_by_role("button", name="Acknowledge")).to_have_count(0)
            expect(page.locator("#alerts-unacked")).to_have_text("0")

            # Selecting the alert zooms the map to the incident and offers crews for it.
            item.get_by_role("button", name=title).click()
            page.wait_for_function("geoopsMap.map.getZoom() >= 10")
            centre = page.evaluate(
                "(() => { const c = geoopsMap.map.getCenter(); return [c.lng, c.lat]; })()"
            )
            assert centre == pytest.approx(YAKUTSK, abs=0.01)
            item.get_by_role("button", name=f"Suggest crews for incident {number}").click()
            suggestion = item.locator(".alert-suggestion")
            expect(suggestion).to_have_count(1)
            expect(suggestion).to_contain_text("Crew Lena")
            expect(suggestion).to_contain_text("km · workload 0")
            suggestion.get_by_role("button", name="Assign Crew Lena").click()
            expect(item.locator(".alert-result")).to_contain_text(f"Crew Lena assigned to incident {number}")
            expect(suggestion.get_by_role("button", name="Assign Crew Lena")).to_have_text("Assigned")
            assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # never reloaded
            page.screenshot(path=str(SCREENSHOT_MAP))
        finally:
            browser.browser.close()

    row = alert_row(engine, alert_id)
    assert row["acked_at"] is not None and row["acked_by"] == dispatcher
    with engine.connect() as conn:
        assigned = conn.execute(
            sa.text("SELECT crew_id, assigned_by FROM crew_assignments WHERE incident_id = :i"),
            {"i": incident},
        ).all()
        crew_alerts = conn.execute(
            sa.text("SELECT reason FROM alerts WHERE user_id = :u"), {"u": crew_user}
        ).scalars().all()  # fmt: skip
    assert assigned == [(crew["id"], dispatcher)]
    assert crew_alerts == ["assignment"]
    assert browser.offsite(base_url) == [], "the map must work offline: it asked other hosts"
    assert any("/static/geoops/alerts.js" in u for u in browser.requests)
    assert any("/api/v1/alerts/stream" in u for u in browser.requests)
    assert browser.problems == []


@pytest.mark.usefixtures("chromium")
def test_crew_sees_and_acknowledges_on_a_phone(base_url: str, engine: Engine, district: int) -> None:
    from playwright.sync_api import expect, sync_playwright

    crew = "crew-lena"
    crew_id = add_person(engine, crew, "crew", district)
    other = add_person(engine, "crew-other", "crew", district)

    with sync_playwright() as p:
        browser = Browser(p)
        try:
            page = browser.page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
            log_in(page, base_url, "/crew", crew)
            expect(page).to_have_title("geoops — crew alerts")
            expect(page.locator(".crew-user")).to_have_text(crew)
            expect(page.locator("#alerts-list li")).to_have_count(0)

            # One alert for another crew, then one for this crew's member: only the second shows.
            insert_alert(engine, message("Not for you", "crew:2", level="crew", reason=Reason.ASSIGNMENT),
                         user_id=other)  # fmt: skip
            title = "Crew Lena: assigned to wildfire 14-2026-0042"
            alert_id = insert_alert(
                engine,
                message(title, "crew:1", level="crew", reason=Reason.ASSIGNMENT, priority="high",
                        recipient_name="Crew Lena"),
                user_id=crew_id,
            )  # fmt: skip
            item = page.locator(f"#alert-{alert_id}")
            expect(item).to_contain_text(title, timeout=LIVE_WITHIN_MS)
            expect(item).to_contain_text("Подтверждён лесной пожар")
            expect(page.locator("#alerts-list li")).to_have_count(1)
            expect(page.locator("#alerts-unacked")).to_have_text("1")

            ack = item.get_by_role("button", name="Acknowledge")
            box = ack.bounding_box()
            assert box is not None and box["height"] >= 44 and box["width"] >= 300  # a thumb-sized target
            ack.tap()
            expect(item.locator(".alert-acked")).to_contain_text(f"acknowledged by {crew} at ")
            expect(page.locator("#alerts-unacked")).to_have_text("0")
            assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
            page.screenshot(path=str(SCREENSHOT_CREW), full_page=True)

            # After a reload the acknowledgement comes back from the list.
            page.reload()
            expect(page.locator(f"#alert-{alert_id} .alert-acked")).to_contain_text(f"acknowledged by {crew}")
        finally:
            browser.browser.close()

    row = alert_row(engine, alert_id)
    assert row["acked_at"] is not None and row["acked_by"] == crew
    assert browser.offsite(base_url) == [], "the crew page must work offline: it asked other hosts"
    assert browser.problems == []
