"""Benchmark: MQTT readings stored per second by geoops, against what the broker delivers.

In one run, on a private Mosquitto (free port, loopback, QoS 1 throughout) and a throwaway
embedded PostGIS with default durability, with 1,000 registered stations, the same
``--messages`` PM2.5 readings (one station topic each) go to two subscribers in turn:
``mosquitto_sub`` (C, prints nothing: the baseline) and the geoops subscriber (``MqttFeed``
as ``geoops serve`` runs it: default batching, anomaly rules on, every reading committed).

- ``live``: a paho client (its own process) publishes as fast as it can while the
  subscriber listens; seconds from the first publish to the last message received (the
  broker's delivery rate) or the last reading committed (geoops' stored rate);
- ``backlog``: the readings are published while the subscriber is away and queued for its
  persistent session; seconds to drain them. This is each subscriber's own capacity,
  free of the publisher's pace.

The ratio is broker seconds / geoops seconds (1.0 = geoops keeps up with mosquitto_sub).
The broker is told not to drop QoS 1 messages for a slow subscriber (``max_queued_messages
0``), so falling behind shows up as time, never as loss; the run fails if any reading
is missing, rejected or stored twice.

Run: ``.venv/bin/python bench/mqtt_observations.py [--messages N]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geoops.detect.sensor_rules import SensorRules  # noqa: E402
from geoops.ingest.mqtt_feed import MqttConfig, MqttFeed  # noqa: E402
from geoops.ingest.sensors import ingest_stations  # noqa: E402
from geoops.sensor_workers import store_observation_batch  # noqa: E402
from geoops.store import migrate  # noqa: E402
from geoops.store.cluster import EmbeddedCluster  # noqa: E402
from geoops.store.engine import transaction  # noqa: E402

STATIONS = 1000
UNACKED_MAX = 20_000
TOPIC = "geoops/stations/st-{:04d}/observations"
FILTER = "geoops/stations/+/observations"
RULES = SensorRules()  # the defaults: every PM2.5 reading is checked against three rules
BROKER_CONF = "listener {port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\npersistence false\n"


def publish(port: int, messages: int, seed: int = 11) -> None:
    """(Run in a child process) publish ``messages`` 10-minute PM2.5 readings, QoS 1, as
    fast as paho goes; print the seconds it took until the broker acknowledged the last."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    rng = random.Random(seed)
    start_at = datetime.now(UTC) - timedelta(minutes=10 * (messages // STATIONS + 1))
    payloads = []
    for i in range(messages):
        when = (start_at + timedelta(minutes=10 * (i // STATIONS))).isoformat()
        value = 400.0 if rng.random() < 0.001 else round(rng.uniform(3, 60), 1)  # a few spikes
        payloads.append((TOPIC.format(i % STATIONS), json.dumps(
            {"observed_at": when, "property": "pm25", "value": value, "unit": "ug/m3"}
        )))  # fmt: skip
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{port}")
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    started_at, started = time.time(), time.perf_counter()
    unacked: deque[mqtt.MQTTMessageInfo] = deque()
    for topic, payload in payloads:
        unacked.append(client.publish(topic, payload, qos=1))
        if len(unacked) > UNACKED_MAX:  # message ids are 16 bits: keep well below 65,535 unacked
            unacked.popleft().wait_for_publish()
    for info in unacked:
        info.wait_for_publish()
    print(json.dumps({"started_at": started_at, "publish_s": time.perf_counter() - started}), flush=True)
    client.disconnect()
    client.loop_stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_publisher(port: int, messages: int) -> subprocess.Popen[str]:
    command = [sys.executable, __file__, "--publish-to", str(port), "--messages", str(messages)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def publisher_report(publisher: subprocess.Popen[str]) -> dict[str, float]:
    """When the first message went out (unix time) and how long publishing took."""
    out, _ = publisher.communicate(timeout=600)
    if publisher.returncode:
        sys.exit("the publisher failed")
    return dict(json.loads(out))


def mosquitto_sub(port: int, *options: str) -> list[str]:
    return ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-q", "1", "-t", FILTER, *options]


def broker_live(port: int, messages: int) -> float:
    """Seconds from the first publish to the last message mosquitto_sub receives."""
    sub = subprocess.Popen(mosquitto_sub(port, "-C", str(messages)), stdout=subprocess.DEVNULL)
    time.sleep(1.0)  # mosquitto_sub has no "subscribed" signal; a second is ample on loopback
    publisher = start_publisher(port, messages)
    deadline = time.time() + 600
    while sub.poll() is None:
        if time.time() > deadline or publisher.poll():  # too slow, or the publisher failed
            sub.kill()
            sys.exit("mosquitto_sub did not receive every message")
        time.sleep(0.001)
    return time.time() - publisher_report(publisher)["started_at"]


def broker_backlog(port: int, messages: int) -> float:
    """Seconds mosquitto_sub takes to drain ``messages`` queued for its persistent session."""
    session = ("-c", "-i", "bench-sub")
    subprocess.run(mosquitto_sub(port, *session, "-W", "1"), capture_output=True, check=False)
    publisher_report(start_publisher(port, messages))
    started = time.time()
    subprocess.run(mosquitto_sub(port, *session, "-C", str(messages)), stdout=subprocess.DEVNULL, timeout=600)
    return time.time() - started


async def geoops_live(port: int, messages: int, engine: sa.Engine) -> float:
    """Seconds from the first publish to the last reading committed by the subscriber."""
    feed, task = await start_feed(port, engine)
    publisher = start_publisher(port, messages)
    await stored(feed, messages)
    done_at = time.time()
    task.cancel()
    return done_at - (await asyncio.to_thread(publisher_report, publisher))["started_at"]


async def geoops_backlog(port: int, messages: int, engine: sa.Engine) -> float:
    """Seconds the subscriber takes to store ``messages`` queued for its persistent session."""
    feed, task = await start_feed(port, engine, "bench-geoops")
    task.cancel()  # the session stays: the broker keeps what comes while geoops is away
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await asyncio.to_thread(publisher_report, start_publisher(port, messages))
    started = time.time()
    feed, task = await start_feed(port, engine, "bench-geoops")
    await stored(feed, messages)
    task.cancel()
    return time.time() - started


async def start_feed(port: int, engine: sa.Engine, client_id: str | None = None) -> tuple[MqttFeed, Any]:
    feed = MqttFeed(
        MqttConfig("127.0.0.1", port, client_id=client_id), store_observation_batch(engine, RULES)
    )
    task = asyncio.create_task(feed.run())
    while not feed.status().connected:  # noqa: ASYNC110 - the feed has no event to wait on
        await asyncio.sleep(0.001)
    return feed, task


async def stored(feed: MqttFeed, messages: int) -> None:
    async with asyncio.timeout(600):
        while feed.status().stored < messages:
            if feed.status().rejected or feed.status().malformed or feed.status().duplicates:
                sys.exit(f"readings lost: {feed.status()}")
            await asyncio.sleep(0.002)


def prepare_database(cluster: EmbeddedCluster) -> sa.Engine:
    cluster.create_database("bench")
    engine = sa.create_engine(cluster.url("bench"), pool_size=4)
    migrate.upgrade(engine)
    rows = [
        {"station_id": f"st-{i:04d}", "lon": 100 + i % 40, "lat": 55 + i // 40 * 0.5} for i in range(STATIONS)
    ]
    with transaction(engine) as session:
        assert ingest_stations(rows, session=session).inserted == STATIONS
    return engine


def empty(engine: sa.Engine, messages: int) -> int:
    """Check every reading is stored once, then clear them for the next run; the alarms made."""
    with engine.begin() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM observations")).scalar_one() == messages
        alarms = int(conn.execute(sa.text("SELECT count(*) FROM sensor_alarms")).scalar_one())
        conn.execute(sa.text("TRUNCATE observations, sensor_alarms, events"))
        conn.execute(sa.text("UPDATE stations SET last_seen_at = NULL"))
    return alarms


def measure(port: int, messages: int, engine: sa.Engine) -> dict[str, Any]:
    live = (broker_live(port, messages), asyncio.run(geoops_live(port, messages, engine)))
    alarms = empty(engine, messages)
    backlog = (broker_backlog(port, messages), asyncio.run(geoops_backlog(port, messages, engine)))
    empty(engine, messages)
    result: dict[str, Any] = {"messages": messages, "stations": STATIONS, "alarms_per_run": alarms}
    for name, (broker_s, geoops_s) in (("live", live), ("backlog", backlog)):
        result[name] = {
            "broker_messages_per_s": round(messages / broker_s),
            "geoops_stored_per_s": round(messages / geoops_s),
            "ratio": round(broker_s / geoops_s, 2),
        }
    return result | {"target_stored_per_s": 5000}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--publish-to", type=int, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.publish_to:
        publish(args.publish_to, args.messages)
        return
    work = Path(tempfile.mkdtemp(prefix="geoops-bench-", dir="/tmp"))
    work.chmod(0o755)
    port = free_port()
    (work / "mosquitto.conf").write_text(BROKER_CONF.format(port=port))
    broker = subprocess.Popen(["mosquitto", "-c", str(work / "mosquitto.conf")], stderr=subprocess.DEVNULL)
    cluster = EmbeddedCluster(work / "pg")
    try:
        cluster.up()
        engine = prepare_database(cluster)
        print(json.dumps(measure(port, args.messages, engine), indent=2))
        engine.dispose()
    finally:
        broker.kill()
        broker.wait()
        cluster.destroy()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
