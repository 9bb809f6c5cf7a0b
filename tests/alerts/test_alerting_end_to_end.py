"""End to end with real PostGIS, Mosquitto, an SMTP server and a webhook receiver: an
incident in municipality M alerts M, its district (by rule) and a subscribed crew on
every channel; CAP validates; acknowledgement, escalation and the metrics."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import xmlschema
from sqlalchemy import Engine

from geoops.alerts.channels.webhook import verify_signature
from geoops.api.app import create_app
from geoops.settings import Settings
from tests.alerts.alerting_setup import LiveStream, MqttInbox, dispatch, match, wait_for
from tests.alerts.conftest import Broker
from tests.alerts.places import Places, build_places, burn
from tests.alerts.receivers import Mailbox, Received, receiver_app, running
from tests.conftest import make_user
from tests.live_server import serve

CAP_XSD = Path(__file__).parent.parent / "fixtures" / "cap" / "CAP-v1.2.xsd"
NEAR_YAKUTSK = (129.76, 62.02)


@dataclass
class World:
    base_url: str
    settings: Settings
    places: Places
    tokens: dict[str, str]
    mailbox: Mailbox
    hooks: list[Received]
    hook_url: str

    def client(self, who: str) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {self.tokens[who]}"})


@pytest.fixture
def world(engine: Engine, settings: Settings, broker: Broker) -> Iterator[World]:
    mailbox = Mailbox()
    hooks: list[Received] = []
    for controller in running(mailbox):
        with serve(receiver_app(hooks)) as hook_base:
            configured = settings.model_copy(
                update={"mqtt_url": f"mqtt://127.0.0.1:{broker.port}", "smtp_url": f"smtp://127.0.0.1:{controller.port}",
                        "webhook_allow_private": True, "alert_escalate_minutes": 10.0}
            )  # fmt: skip
            places = build_places(engine)
            tokens = {
                "admin": make_user(engine, configured, "admin"),
                "m": make_user(engine, configured, "m-dispatcher", "dispatcher", [places.municipality]),
                "d": make_user(engine, configured, "d-dispatcher", "dispatcher", [places.district]),
                "viewer": make_user(engine, configured, "m-viewer", "viewer", [places.municipality]),
                "crew": make_user(engine, configured, "crew-1", "crew", [places.municipality]),
            }
            with serve(create_app(configured)) as base_url:
                yield World(base_url, configured, places, tokens, mailbox, hooks, f"{hook_base}/hook")


def subscribe(world: World, who: str, body: dict[str, object]) -> dict[str, object]:
    with world.client(who) as client:
        response = client.post("/api/v1/subscriptions", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_an_incident_in_m_alerts_m_its_district_and_a_crew_on_every_channel(
    engine: Engine, world: World, broker: Broker
) -> None:
    p = world.places
    with world.client("admin") as admin:
        crew = admin.post(
            "/api/v1/crews", json={"name": "Crew 1", "longitude": 129.6, "latitude": 62.0}
        ).json()
    around = {"point": {"longitude": NEAR_YAKUTSK[0], "latitude": NEAR_YAKUTSK[1], "radius_m": 20_000},
              "crew_id": crew["id"]}  # fmt: skip
    crew_hook = subscribe(
        world, "crew", {"name": "crew hook", **around, "channel": "webhook", "target": world.hook_url}
    )
    subscribe(
        world, "crew", {"name": "crew mail", **around, "channel": "email", "target": "crew-1@example.org"}
    )
    subscribe(world, "crew", {"name": "crew radio", **around, "channel": "mqtt"})
    subscribe(world, "crew", {"name": "crew phone", **around, "channel": "live"})
    m_hook = subscribe(world, "m", {"name": "M duty desk", "jurisdiction_id": p.municipality, "channel": "webhook",
                                    "target": world.hook_url})  # fmt: skip
    subscribe(world, "d", {"name": "D duty desk", "jurisdiction_id": p.district, "channel": "email",
                           "target": "duty@district.example"})  # fmt: skip
    inbox = MqttInbox(broker.port)
    m_page = LiveStream(world.base_url, world.tokens["m"]).start()
    crew_page = LiveStream(world.base_url, world.tokens["crew"]).start()
    try:
        incident = burn(engine, world.settings, *NEAR_YAKUTSK)
        assert match(engine, world.settings) >= 7
        assert dispatch(engine, world.settings) == 8  # 3 MQTT topics, 2 webhooks, 2 e-mails, crew MQTT
        wait_for(lambda: len(inbox.messages) >= 4, "four MQTT alerts")
    finally:
        inbox.stop()
    with engine.connect() as conn:
        recipients = set(conn.execute(sa.text("SELECT recipient FROM alerts WHERE reason = 'new'")).scalars())
        statuses = set(conn.execute(sa.text("SELECT status FROM deliveries")).scalars())
    jurisdictions = {f"jurisdiction:{j}" for j in (p.municipality, p.district, p.forestry)}
    assert jurisdictions <= recipients and f"jurisdiction:{p.municipality_2}" not in recipients
    assert statuses == {"delivered"}
    # MQTT: each jurisdiction's topic and the crew's
    assert inbox.topics() == {f"geoops/alerts/{j}" for j in (p.municipality, p.district, p.forestry)} | {
        f"geoops/alerts/crews/{crew['id']}"
    }
    assert all(m["incident"]["id"] == incident for _, m in inbox.messages)
    # webhook: M's duty desk and the crew, each signed with its subscription's own secret
    assert len(world.hooks) == 2
    secrets = {str(crew_hook["secret"]), str(m_hook["secret"])}
    for hook in world.hooks:
        stamp, signature = hook.headers["x-geoops-timestamp"], hook.headers["x-geoops-signature"]
        assert any(verify_signature(s, stamp, hook.body, signature, now=time.time()) for s in secrets)
        assert hook.headers["idempotency-key"]
    # e-mail: the district's duty desk and the crew
    assert sorted(str(m["To"]) for m in world.mailbox.messages()) == [
        "crew-1@example.org",
        "duty@district.example",
    ]
    # live: M's dispatcher sees M's alert; the crew member (of M) its crew's and M's; neither D's
    wait_for(lambda: bool(m_page.frames) and len(crew_page.frames) >= 5, "live alerts on both pages")
    assert {f.data["recipient"] for f in m_page.frames} == {f"jurisdiction:{p.municipality}"}
    crew_seen = {f.data["recipient"] for f in crew_page.frames}
    assert len({r for r in crew_seen if r.startswith("subscription:")}) == 4
    assert f"jurisdiction:{p.district}" not in crew_seen
    # CAP 1.2 of every alert validates against the OASIS schema
    schema = xmlschema.XMLSchema(CAP_XSD)
    with world.client("admin") as admin:
        for alert in admin.get("/api/v1/alerts").json()["alerts"]:
            cap = admin.get(f"/api/v1/alerts/{alert['id']}.cap")
            assert cap.headers["content-type"].startswith("application/cap+xml")
            schema.validate(cap.content)
        feed = admin.get("/api/v1/alerts/feed.atom")
        assert feed.status_code == 200 and b".cap" in feed.content
        # time to deliver, per level and channel: live as soon as a page had it
        wait_for(lambda: ("municipality", "live") in delivered_by(admin), "the live delivery times")
        assert {("municipality", "mqtt"), ("municipality", "webhook"), ("district", "email"),
                ("crew", "webhook"), ("crew", "email")} <= delivered_by(admin)  # fmt: skip


def delivered_by(admin: httpx.Client) -> set[tuple[str, str]]:
    rows = admin.get("/api/v1/metrics/alerts").json()["deliver"]
    assert all(r["n"] >= 1 and 0 <= r["p50"] <= r["p95"] for r in rows)
    return {(r["level"], r["channel"]) for r in rows}


def test_only_a_recipient_may_acknowledge_and_the_times_are_measured(engine: Engine, world: World) -> None:
    burn(engine, world.settings, *NEAR_YAKUTSK)
    match(engine, world.settings)
    with world.client("m") as m:
        alert = m.get("/api/v1/alerts").json()["alerts"][0]
    with world.client("d") as d:
        assert d.post(f"/api/v1/alerts/{alert['id']}/ack").status_code == 404  # not addressed to D
        assert alert["id"] not in {a["id"] for a in d.get("/api/v1/alerts").json()["alerts"]}
    with world.client("viewer") as viewer:
        refused = viewer.post(f"/api/v1/alerts/{alert['id']}/ack")
        assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    with world.client("m") as m:
        first = m.post(f"/api/v1/alerts/{alert['id']}/ack").json()
        again = m.post(f"/api/v1/alerts/{alert['id']}/ack").json()
        assert first["acked_by"] == "m-dispatcher" and again["acked_at"] == first["acked_at"]
        timeline = m.get(f"/api/v1/incidents/{alert['incident']['id']}").json()["properties"]["timeline"]
        assert any(e["kind"] == "alert.acknowledged" for e in timeline)
        metrics = m.get("/api/v1/metrics/alerts").json()
    assert [r["level"] for r in metrics["acknowledge"]] == ["municipality"]
    assert metrics["acknowledge"][0]["p50"] >= 0


def test_an_unacknowledged_urgent_alert_escalates_a_level_up(engine: Engine, world: World) -> None:
    from geoops.alerts.matcher import MatchConfig
    from geoops.alerts.worker import check_once

    p = world.places
    incident = burn(engine, world.settings, 130.8, 61.6)  # far from settlements: M and F only
    match(engine, world.settings)
    with world.client("admin") as admin:
        crew = admin.post("/api/v1/crews", json={"name": "Crew 2", "longitude": 130.7, "latitude": 61.6,
                                                 "jurisdiction_id": p.municipality}).json()  # fmt: skip
        assert (
            admin.post(f"/api/v1/incidents/{incident}/crews", json={"crew_id": crew["id"]}).status_code == 201
        )
    with engine.begin() as conn:  # the alerts said critical and have waited 20 minutes
        conn.execute(
            sa.text("UPDATE alerts SET priority = 'critical', created_at = now() - interval '20 minutes'")
        )
        conn.execute(sa.text("UPDATE alerts SET acked_at = now(), acked_by = 'forester' WHERE recipient = :f"),
                     {"f": f"jurisdiction:{p.forestry}"})  # fmt: skip
    check_once(engine, MatchConfig.from_settings(world.settings), world.settings)
    check_once(engine, MatchConfig.from_settings(world.settings), world.settings)  # nothing twice
    with engine.connect() as conn:
        escalations = conn.execute(
            sa.text(
                "SELECT recipient, previous_alert_id, message->>'title' AS title FROM alerts WHERE reason = 'escalation'"
            )
        ).all()
    # M's alert went to D, the crew's to its own jurisdiction M; F had acknowledged
    assert sorted(e.recipient for e in escalations) == sorted(
        f"jurisdiction:{j}" for j in (p.district, p.municipality)
    )
    assert all("Not acknowledged for 20 min" in e.title for e in escalations)
    with world.client("d") as d:
        timeline = d.get(f"/api/v1/incidents/{incident}").json()["properties"]["timeline"]
        assert any(e["kind"] == "incident.escalated" and e["payload"]["to"] == "District D" for e in timeline)
        assert [a["reason"] for a in d.get("/api/v1/alerts").json()["alerts"]] == ["escalation"]
    with world.client("m") as m:
        escalated = [a for a in m.get("/api/v1/alerts").json()["alerts"] if a["reason"] == "escalation"]
        assert [a["previous_alert_id"] is not None for a in escalated] == [True]
