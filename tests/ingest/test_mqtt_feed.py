"""The MQTT subscriber against a real Mosquitto and a real PostGIS.

Each test runs its own broker (``mosquitto -p PORT``, loopback only, no persistence) on
a free port rather than the system broker on 1883: no other subscriber of the shared
group, and no session left behind, can change what a test sees.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.publish as mqtt_publish
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from geoops.api.app import create_app
from geoops.detect.sensor_rules import SensorRules
from geoops.ingest.mqtt_feed import MqttConfig, MqttFeed
from geoops.ingest.sensors import ingest_stations
from geoops.sensor_workers import mqtt_subscriber, store_observation_batch
from geoops.settings import Settings
from geoops.store.cluster import EmbeddedCluster
from geoops.store.engine import transaction
from tests.conftest import TEMPLATE
from tests.local_services import WAIT_S, Broker, free_port, mosquitto_broker, wait_for

if shutil.which("mosquitto") is None:
    pytest.skip("the mosquitto broker is not installed (apt-get install mosquitto)", allow_module_level=True)


@pytest.fixture
def broker() -> Iterator[Broker]:
    yield from mosquitto_broker()


def publish(port: int, station: str, payload: Any) -> None:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    topic = f"geoops/stations/{station}/observations"
    mqtt_publish.multiple([{"topic": topic, "payload": body, "qos": 1}], hostname="127.0.0.1", port=port)


def reading(value: float, prop: str = "pm25") -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    return {"observed_at": now, "property": prop, "value": value, "unit": "µg/m³"}


def count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql)).scalar_one())


def add_station(engine: Engine, station_id: str = "yak-01") -> None:
    with transaction(engine) as session:
        ingest_stations([{"station_id": station_id, "lon": 129.73, "lat": 62.03}], session=session)


def test_published_readings_are_stored_within_a_second_and_spikes_alarm(
    broker: Broker, engine: Engine, settings: Settings, admin_headers: dict[str, str]
) -> None:
    add_station(engine)
    live = settings.model_copy(update={"mqtt_url": f"mqtt://127.0.0.1:{broker.port}"})
    app = create_app(live, workers=(mqtt_subscriber(live),))
    with TestClient(app, headers=admin_headers) as client:
        wait_for(lambda: app.state.mqtt_feed.status().connected, "the subscriber to connect")
        publish(broker.port, "yak-01", reading(12.0))
        took = wait_for(
            lambda: count(engine, "SELECT count(*) FROM observations"), "the reading", timeout=1.0
        )
        assert took < 1.0
        publish(broker.port, "yak-01", [reading(400.0), reading(21.5, "temperature")])  # a PM2.5 spike
        wait_for(lambda: count(engine, "SELECT count(*) FROM sensor_alarms"), "the alarm")
        with engine.connect() as conn:
            rules = set(conn.execute(sa.text("SELECT rule FROM sensor_alarms")).scalars())
        assert rules == {"threshold", "rate"}
        publish(broker.port, "yak-01", b"{not json")  # malformed: counted, logged, the feed goes on
        publish(broker.port, "ghost", reading(1.0))  # unknown station: rejected
        publish(broker.port, "yak-01", reading(3.0, "humidity"))
        wait_for(
            lambda: count(engine, "SELECT count(*) FROM observations WHERE property = 'humidity'"), "next"
        )
        status = client.get("/api/v1/sensors/status").json()
    assert status["mqtt"] | {"last_stored_at": None} == status["mqtt"] | {
        "configured": True, "connected": True, "received": 5, "stored": 4, "duplicates": 0,
        "rejected": 1, "malformed": 1, "pending": 0, "last_stored_at": None,
    }  # fmt: skip
    assert status["stations"] == {"active": 1, "stale": 0, "retired": 0} and status["alarms_24h"] == 2


def test_status_says_not_configured_without_a_broker(
    settings: Settings, admin_headers: dict[str, str]
) -> None:
    with TestClient(create_app(settings), headers=admin_headers) as client:
        body = client.get("/api/v1/sensors/status").json()
    assert body["mqtt"]["configured"] is False and body["mqtt"]["connected"] is False


def test_subscriber_keeps_trying_until_the_broker_comes_and_reconnects_after_it_dies(engine: Engine) -> None:
    add_station(engine)
    port = free_port()
    feed = MqttFeed(
        MqttConfig("127.0.0.1", port, min_backoff=0.05, max_backoff=0.3),
        store_observation_batch(engine, SensorRules()),
    )
    second = Broker(port)

    async def scenario() -> None:
        task = asyncio.create_task(feed.run())
        await asyncio.sleep(1.0)  # nobody listens on the port: the feed keeps trying
        assert not task.done() and not feed.status().connected and "MQTT" in str(feed.status().last_error)
        await asyncio.to_thread(second.start)
        await until(lambda: feed.status().connected)
        await asyncio.to_thread(publish, port, "yak-01", reading(10.0))
        await until(lambda: feed.status().stored == 1)
        second.stop()  # the broker dies, and comes back on the same port
        await until(lambda: not feed.status().connected)
        await asyncio.to_thread(second.start)
        await until(lambda: feed.status().connected)
        await asyncio.to_thread(publish, port, "yak-01", reading(11.0, "pm10"))
        await until(lambda: feed.status().stored == 2)
        assert not task.done() and feed.status().connects == 2
        task.cancel()

    try:
        asyncio.run(scenario())
    finally:
        second.stop()
    assert count(engine, "SELECT count(*) FROM observations") == 2


def test_readings_wait_while_the_database_is_away(broker: Broker, pg_cluster: EmbeddedCluster) -> None:
    """The database does not exist yet: the batch is kept and stored once it does."""
    name, seeded = f"geoops_late_{uuid.uuid4().hex[:8]}", f"geoops_seed_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(pg_cluster.url(name))
    feed = MqttFeed(
        MqttConfig("127.0.0.1", broker.port, min_backoff=0.05, max_backoff=0.2),
        store_observation_batch(engine, SensorRules()),
    )

    async def scenario() -> None:
        task = asyncio.create_task(feed.run())
        await until(lambda: feed.status().connected)
        for value in (1.0, 2.0, 3.0):
            await asyncio.to_thread(publish, broker.port, "yak-01", [reading(value), reading(value, "pm10")])
        await until(lambda: "database" in str(feed.status().last_error))
        assert feed.status().stored == 0 and feed.status().received == 3
        await asyncio.to_thread(_create_database_with_station, pg_cluster, seeded, name)
        await until(lambda: feed.status().stored == 6)  # nothing received is lost
        task.cancel()

    try:
        asyncio.run(scenario())
        assert count(engine, "SELECT count(*) FROM observations") == 6
    finally:
        engine.dispose()
        for database in (name, seeded):
            pg_cluster.drop_database(database)


def _create_database_with_station(cluster: EmbeddedCluster, seeded: str, name: str) -> None:
    cluster.create_database(seeded, template=TEMPLATE)
    seed = sa.create_engine(cluster.url(seeded))
    add_station(seed)
    seed.dispose()
    cluster.create_database(name, template=seeded)  # the station is there from the first moment


async def until(check: Callable[[], bool]) -> None:
    """Poll ``check`` on the running loop until it is true, for at most WAIT_S."""
    async with asyncio.timeout(WAIT_S):
        while not check():  # noqa: ASYNC110 - the feed has no event to wait on; polling is the test
            await asyncio.sleep(0.01)


def test_a_fixed_client_id_gets_what_was_published_while_geoops_was_away(
    broker: Broker, engine: Engine
) -> None:
    add_station(engine)
    config = MqttConfig("127.0.0.1", broker.port, client_id=f"geoops-test-{uuid.uuid4().hex[:8]}")

    async def scenario() -> None:
        away = MqttFeed(config, store_observation_batch(engine, SensorRules()))
        task = asyncio.create_task(away.run())
        await until(lambda: away.status().connected)
        task.cancel()  # geoops stops; its session stays with the broker
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await asyncio.to_thread(publish, broker.port, "yak-01", reading(7.0))
        back = MqttFeed(config, store_observation_batch(engine, SensorRules()))
        task = asyncio.create_task(back.run())
        await until(lambda: back.status().stored == 1)
        task.cancel()

    asyncio.run(scenario())
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT station_id, value FROM observations")).all()
    assert [tuple(r) for r in stored] == [("yak-01", 7.0)]


def test_a_reading_the_database_refuses_is_isolated_and_the_rest_stored(
    broker: Broker, engine: Engine
) -> None:
    add_station(engine)
    with engine.begin() as conn:  # a rule of this database that the checks in Python do not know
        conn.execute(sa.text("ALTER TABLE observations ADD CONSTRAINT not_666 CHECK (value <> 666)"))
    feed = MqttFeed(MqttConfig("127.0.0.1", broker.port), store_observation_batch(engine, SensorRules()))

    async def scenario() -> None:
        task = asyncio.create_task(feed.run())
        await until(lambda: feed.status().connected)
        batch = [reading(v, prop) for v in (1.0, 666.0) for prop in ("pm25", "pm10", "co")]
        await asyncio.to_thread(publish, broker.port, "yak-01", batch)
        await until(lambda: feed.status().stored == 3 and feed.status().rejected == 3)
        assert not task.done()
        task.cancel()

    asyncio.run(scenario())
    assert count(engine, "SELECT count(*) FROM observations") == 3
