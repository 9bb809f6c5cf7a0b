"""Benchmark: from an ingest that creates an incident to its alert on N live pages and a webhook.

One run, end to end, on a throwaway embedded PostGIS (default durability,
``track_commit_timestamp`` on so each stage's commit can be timed) with the bundled layers,
a region, district and municipality (boxes), three users (an admin, a dispatcher and a
viewer of the municipality) and, through the HTTP API, a webhook standing order of the
municipality pointing at a receiver on 127.0.0.1 that checks the signature.

- ``geoops serve`` runs as a subprocess (uvicorn, one process, detector and alerting beside
  the API) with ``GEOOPS_WEBHOOK_ALLOW_PRIVATE=1``.
- ``--clients`` (1,000) SSE streams (``GET /api/v1/alerts/stream``, the three users' tokens
  in turn) on raw asyncio connections, each timestamping an ``alert`` frame when its last
  byte arrives. A warm-up fire that reaches every stream is the barrier.
- ``--rounds`` (5): t0, then ``POST /api/v1/hotspots`` of four high-confidence VIIRS pixels
  at a new place in the municipality; each stream's first alert about the incident there
  (matched by its centroid) and the webhook's delivery are timed from t0.

Reported: p50/p95/p99 of receipt - t0 over clients x rounds (SSE) and over rounds
(webhook); the fan-out itself (last - first stream per round; receipt - the alert's
``created_at``); each stage's median, from commit timestamps, transaction start times and the
alert NOTIFY as a listener in the bench hears it. Baselines, same run:
``GET /healthz`` through the same server (p50, streams open) and, for the fan-out, a bare
asyncio broadcast (one pre-encoded frame written to as many sockets by a separate
process, the same clients reading).

Target (issue): p95 <= 1 s to all 1,000; goal 100 ms for the fan-out itself.

Run: ``.venv/bin/python bench/alerts.py [--clients 1000] [--rounds 5] [--json PATH]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import sqlalchemy as sa
from pydantic import SecretStr
from rich.console import Console
from rich.progress import Progress

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.alert_clients import (  # noqa: E402
    HOST,
    ROUND_TIMEOUT_S,
    Frame,
    Hook,
    SseStream,
    WebhookReceiver,
    floor_rounds,
    free_port,
    open_streams,
)
from geoops.access.accounts import add_user, issue_token  # noqa: E402
from geoops.access.jurisdiction_load import load_jurisdiction_file  # noqa: E402
from geoops.registry.definitions import read_definitions  # noqa: E402
from geoops.registry.layer_import import import_definition  # noqa: E402
from geoops.settings import PROJECT_ROOT, Settings  # noqa: E402
from geoops.store import migrate  # noqa: E402
from geoops.store.alert_records import ALERTS_CHANNEL  # noqa: E402
from geoops.store.cluster import EmbeddedCluster  # noqa: E402
from geoops.store.engine import transaction  # noqa: E402

GEOOPS = Path(sys.executable).parent / "geoops"
Box = tuple[float, float, float, float]
PLACES: dict[str, Box] = {
    "region": (125.0, 60.0, 135.0, 64.0),
    "district": (127.0, 61.0, 131.0, 63.0),
    "municipality": (129.0, 61.5, 131.0, 62.5),
}
USERS = (("bench-admin", "admin"), ("bench-dispatcher", "dispatcher"), ("bench-viewer", "viewer"))
FIRMS_HEADER = "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,confidence,version,bright_ti5,frp,daynight"
PIXELS, PIXEL_STEP = 4, 0.007  # neighbouring VIIRS pixels eastwards, ~365 m apart at 62N
NEAR_DEG = 0.03  # an alert whose centroid is this close to a round's fire is about it
HEALTH_SAMPLES = 30
console = Console(stderr=True)


# -- the installation -----------------------------------------------------------------------
@dataclass(frozen=True)
class Installation:
    url: str
    conninfo: str
    municipality: int
    tokens: list[str]  # one per user of USERS, the admin's first


def install(cluster: EmbeddedCluster, name: str, secret: str, work: Path) -> Installation:
    cluster.create_database(name)
    engine = sa.create_engine(cluster.url(name))
    migrate.upgrade(engine)
    settings = Settings(_env_file=None, database_url=cluster.url(name), secret_key=SecretStr(secret))
    with transaction(engine) as session:
        for spec in read_definitions(PROJECT_ROOT / "layers"):
            import_definition(spec, session=session)
        for level, box in PLACES.items():
            path = work / f"{level}.geojson"
            path.write_text(json.dumps(_box_feature(f"Bench {level}", f"BN-{level[0].upper()}", box)))
            load_jurisdiction_file(path, level=level, levels=settings.levels, session=session)
        municipality = int(
            session.execute(sa.text("SELECT id FROM jurisdictions WHERE level = 'municipality'")).scalar_one()
        )
        tokens = []
        for user, role in USERS:
            places = [] if role == "admin" else [municipality]
            add_user(user, role=role, password=None, jurisdiction_ids=places, actor="bench", session=session)
            tokens.append(issue_token(user, settings=settings, session=session)[0])
    engine.dispose()
    return Installation(cluster.url(name), cluster.conninfo(name), municipality, tokens)


def _box_feature(name: str, code: str, box: Box) -> dict[str, Any]:
    x0, y0, x1, y1 = box
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    geometry = {"type": "Polygon", "coordinates": [ring]}
    feature = {"type": "Feature", "properties": {"name": name, "code": code}, "geometry": geometry}
    return {"type": "FeatureCollection", "features": [feature]}


def fire_place(k: int) -> tuple[float, float]:
    """Round k's fire, west end: ~5 km from every other round's, inside the municipality."""
    return 130.25 + 0.1 * (k % 7), 61.6 + 0.1 * (k // 7)


def fire_csv(lon: float, lat: float) -> bytes:
    when = datetime.now(UTC) - timedelta(minutes=30)
    rows = [
        f"{lat:.5f},{lon + i * PIXEL_STEP:.5f},360.5,0.39,0.36,{when:%Y-%m-%d},{when:%H%M},N,high,2.0NRT,290.1,25.0,D"
        for i in range(PIXELS)
    ]
    return "\n".join([FIRMS_HEADER, *rows, ""]).encode()


@contextmanager
def geoops_server(db: Installation, secret: str, work: Path) -> Iterator[str]:
    """``geoops serve`` in a subprocess of its own; its base URL while it runs."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOOPS_")}
    env.update(GEOOPS_DATABASE_URL=db.url, GEOOPS_SECRET_KEY=secret, GEOOPS_WEBHOOK_ALLOW_PRIVATE="1",
               GEOOPS_PUBLIC_URL=f"http://{HOST}:{port}", GEOOPS_LOG_LEVEL="WARNING",
               GEOOPS_DATA_DIR=str(work / "data"))  # fmt: skip
    log = work / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(GEOOPS), "serve", "--host", HOST, "--port", str(port)],
            env=env, cwd=work, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _answers(base + "/healthz"):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"geoops serve did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.returncode not in (0, -15):
            console.print(f"[yellow]geoops serve exited {server.returncode}:\n{log.read_text()[-2000:]}")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


# -- the rounds -------------------------------------------------------------------------------
@dataclass
class Round:
    place: tuple[float, float]
    t0: float
    post_s: float
    sse: list[Frame]  # each stream's first alert about this round's fire
    missing: int
    hook: Hook | None

    @property
    def alert_id(self) -> int:
        return min(f.alert_id for f in self.sse)


def about(data: bytes, place: tuple[float, float]) -> bool:
    incident = json.loads(data).get("incident") or {}
    lon, lat = incident.get("longitude"), incident.get("latitude")
    centre = place[0] + PIXEL_STEP * (PIXELS - 1) / 2, place[1]
    if lon is None or lat is None:
        return False
    return abs(float(lon) - centre[0]) < NEAR_DEG and abs(float(lat) - centre[1]) < NEAR_DEG


async def fire_round(
    http: httpx.AsyncClient, streams: list[SseStream], receiver: WebhookReceiver, k: int
) -> Round:
    """Ingest round k's fire; wait until every stream and the webhook have its alert (or time out)."""
    place = fire_place(k)
    marks, hooked = [len(s.frames) for s in streams], len(receiver.received)
    body = fire_csv(*place)
    t0 = time.time()
    answer = await http.post("/api/v1/hotspots", params={"source": f"bench-round-{k}"}, content=body,
                             headers={"Content-Type": "text/csv"})  # fmt: skip
    post_s = time.time() - t0
    answer.raise_for_status()
    assert answer.json()["inserted"] == PIXELS, answer.text
    deadline = time.monotonic() + ROUND_TIMEOUT_S
    first: dict[int, Frame] = {}
    pending = set(range(len(streams)))
    hook: Hook | None = None
    while (pending or hook is None) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
        if any(len(streams[i].frames) == marks[i] for i in pending):
            continue  # JSON is read only once every waiting stream has something new
        for i in list(pending):
            found = next((f for f in streams[i].frames[marks[i] :] if about(f.data, place)), None)
            marks[i] = len(streams[i].frames)
            if found is not None:
                first[i] = found
                pending.discard(i)
        hook = hook or next((h for h in receiver.received[hooked:] if about(h.body, place)), None)
        hooked = len(receiver.received)
    return Round(place, t0, post_s, list(first.values()), len(streams) - len(first), hook)


async def hear_alerts(conninfo: str, heard: list[tuple[float, int]]) -> None:
    """LISTEN as the server's hub does: when each alert commit's NOTIFY arrives, and its last id."""
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
        await conn.execute(f"LISTEN {ALERTS_CHANNEL}")
        async for note in conn.notifies():
            heard.append((time.time(), int(note.payload)))


async def health_latency(http: httpx.AsyncClient) -> list[float]:
    timings = []
    for _ in range(HEALTH_SAMPLES):
        start = time.perf_counter()
        (await http.get("/healthz")).raise_for_status()
        timings.append(time.perf_counter() - start)
    return timings


async def subscribe_webhook(http: httpx.AsyncClient, municipality: int, url: str) -> str:
    new = {"name": "bench webhook", "jurisdiction_id": municipality, "channel": "webhook", "target": url}
    answer = await http.post("/api/v1/subscriptions", json=new)
    answer.raise_for_status()
    return str(answer.json()["secret"])


async def geoops_rounds(
    base: str, db: Installation, clients: int, rounds: int, progress: Progress
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    receiver = WebhookReceiver()
    server = await loop.create_server(receiver.connection, HOST, 0)
    hook_port = server.sockets[0].getsockname()[1]
    auth = {"Authorization": f"Bearer {db.tokens[0]}"}
    notices: list[tuple[float, int]] = []
    listening = asyncio.create_task(hear_alerts(db.conninfo, notices))
    async with httpx.AsyncClient(base_url=base, headers=auth, timeout=60) as http:
        receiver.secret = await subscribe_webhook(http, db.municipality, f"http://{HOST}:{hook_port}/hook")
        start = time.perf_counter()
        streams = await open_streams(int(base.rsplit(":", 1)[1]), "/api/v1/alerts/stream", db.tokens,
                                     clients, progress)  # fmt: skip
        connect_s = time.perf_counter() - start
        warm = await fire_round(http, streams, receiver, 0)  # the barrier: every page subscribed
        if warm.missing or warm.hook is None:
            raise RuntimeError(f"warm-up alert missed {warm.missing} streams, webhook: {warm.hook}")
        health = await health_latency(http)
        task = progress.add_task("rounds", total=rounds)
        done = []
        for k in range(1, rounds + 1):
            done.append(await fire_round(http, streams, receiver, k))
            progress.advance(task)
            await asyncio.sleep(0.5)
        progress.remove_task(task)
    listening.cancel()
    for stream in streams:
        stream.close()
    server.close()
    frame_bytes = int(statistics.median(len(f.data) for f in warm.sse))
    return {"connect_s": connect_s, "health": health, "rounds": done, "frame_bytes": frame_bytes,
            "notices": notices}  # fmt: skip


# -- figures ----------------------------------------------------------------------------------
def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    cuts = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else [values[0]] * 99
    return {"p50_ms": ms(cuts[49]), "p95_ms": ms(cuts[94]), "p99_ms": ms(cuts[98]), "max_ms": ms(max(values))}


STAGES_SQL = """
SELECT extract(epoch FROM (SELECT pg_xact_commit_timestamp(i.xmin) FROM events AS i
         WHERE i.kind = 'hotspots.ingested' AND i.payload->>'source' = %(source)s)) AS ingest_commit,
       extract(epoch FROM e.created_at) AS detect_start,
       extract(epoch FROM pg_xact_commit_timestamp(e.xmin)) AS detect_commit,
       extract(epoch FROM a.created_at) AS match_start,
       extract(epoch FROM a.live_delivered_at) AS hub_marked,
       extract(epoch FROM d.delivered_at) AS delivery_recorded
FROM alerts AS a JOIN events AS e ON e.id = a.event_id
LEFT JOIN deliveries AS d ON d.alert_id = a.id AND d.channel = 'webhook'
WHERE a.id = %(alert)s
"""


STAGES = {  # name: (from, to), times as named in stages()
    "t0 -> ingest committed": ("t0", "ingest"),
    "ingest committed -> detection pass starts": ("ingest", "detect_start"),
    "detection pass (start -> commit)": ("detect_start", "detect"),
    "detection committed -> matcher starts": ("detect", "match_start"),
    "matcher (start -> alert NOTIFY heard)": ("match_start", "alert"),
    "alert NOTIFY heard -> hub has queued it (mark starts)": ("alert", "hub"),
    "alert NOTIFY heard -> first stream": ("alert", "first"),
    "alert NOTIFY heard -> last stream": ("alert", "last"),
    "alert NOTIFY heard -> webhook received": ("alert", "hook"),
    "alert NOTIFY heard -> delivery recorded": ("alert", "recorded"),
}


def stages(
    conninfo: str, rounds: list[Round], alert_notices: list[tuple[float, int]]
) -> dict[str, dict[str, float]]:
    """Each stage's time (from commit timestamps and receipts), median and max over rounds."""
    found: dict[str, list[float]] = {}
    t: dict[str, float | None]
    with psycopg.connect(conninfo) as conn:
        for k, r in enumerate(rounds, start=1):
            if not r.sse:
                continue
            row = conn.execute(STAGES_SQL, {"source": f"bench-round-{k}", "alert": r.alert_id}).fetchone()
            assert row is not None
            t = dict(zip(("ingest", "detect_start", "detect", "match_start", "hub", "recorded"),
                         (float(v) if v is not None else None for v in row), strict=True))  # fmt: skip
            # The hub's UPDATE gives the alert row a new xmin: its commit is when its NOTIFY is heard.
            t["alert"] = next((at for at, alert in alert_notices if alert >= r.alert_id), None)
            t.update(t0=r.t0, first=min(f.at for f in r.sse), last=max(f.at for f in r.sse),
                     hook=r.hook.at if r.hook else None)  # fmt: skip
            for name, (a, b) in STAGES.items():
                start, end = t[a], t[b]
                if start is not None and end is not None:
                    found.setdefault(name, []).append(end - start)
    return {k: {"median_ms": ms(statistics.median(v)), "max_ms": ms(max(v))} for k, v in found.items()}


def summarise(clients: int, measured: dict[str, Any], floor: list[list[Frame]] | None,
              stage_times: dict[str, dict[str, float]]) -> dict[str, Any]:  # fmt: skip
    rounds: list[Round] = measured["rounds"]
    health = statistics.median(measured["health"])
    post = statistics.median(r.post_s for r in rounds)
    sse = [f.at - r.t0 for r in rounds for f in r.sse]
    hooks = [r.hook.at - r.t0 for r in rounds if r.hook]
    spreads = [max(f.at for f in r.sse) - min(f.at for f in r.sse) for r in rounds if r.sse]
    after_created = [f.at - datetime.fromisoformat(json.loads(f.data)["created_at"]).timestamp()
                     for r in rounds for f in r.sse]  # fmt: skip
    summary: dict[str, Any] = {
        "clients": clients, "rounds": len(rounds), "connect_s": round(measured["connect_s"], 2),
        "frame_bytes": measured["frame_bytes"],
        "baseline": {"healthz_p50_ms": ms(health), "ingest_post_p50_ms": ms(post)},
        "sse": {"received": len(sse), "expected": clients * len(rounds), **percentiles(sse)},
        "webhook": {"received": len(hooks), "expected": len(rounds), "signed": all(r.hook and r.hook.signed for r in rounds),
                    **percentiles(hooks)},
        "fanout": {"spread": percentiles(spreads), "receipt_after_created": percentiles(after_created)},
        "stages": stage_times,
        "per_round": [per_round(r) for r in rounds],
    }  # fmt: skip
    summary["ratios"] = {
        "sse_p95_vs_healthz": round(percentiles(sse)["p95_ms"] / ms(health), 1) if sse else None,
        "webhook_p95_vs_healthz": round(percentiles(hooks)["p95_ms"] / ms(health), 1) if hooks else None,
    }
    if floor:
        floor_spreads = [max(f.at for f in fs) - min(f.at for f in fs) for fs in floor]
        floor_latency = [f.at - json.loads(f.data)["sent_at"] for fs in floor for f in fs]
        summary["floor"] = {
            "spread": percentiles(floor_spreads),
            "receipt_after_sent": percentiles(floor_latency),
        }
        summary["ratios"]["spread_p50_vs_floor"] = round(
            statistics.median(spreads) / statistics.median(floor_spreads), 1
        )
    summary["targets"] = {
        "p95_le_1s_sse": bool(sse) and summary["sse"]["p95_ms"] <= 1000 and len(sse) == clients * len(rounds),
        "p95_le_1s_webhook": bool(hooks) and summary["webhook"]["p95_ms"] <= 1000,
        "fanout_spread_le_100ms": bool(spreads) and max(spreads) <= 0.1,
    }  # fmt: skip
    return summary


def per_round(r: Round) -> dict[str, Any]:
    """One round's figures from t0: its ingest answer, first and last stream, the webhook."""
    receipts = [f.at - r.t0 for f in r.sse]
    return {
        "place": r.place, "alert_id": r.alert_id if r.sse else None, "missing": r.missing, "post_ms": ms(r.post_s),
        "first_ms": ms(min(receipts)) if receipts else None, "last_ms": ms(max(receipts)) if receipts else None,
        "webhook_ms": ms(r.hook.at - r.t0) if r.hook else None,
    }  # fmt: skip


def markdown(s: dict[str, Any]) -> str:
    def trio(p: dict[str, float]) -> str:
        return f"{p['p50_ms']:,} / {p['p95_ms']:,} / {p['p99_ms']:,} ms" if p else "-"

    health = s["baseline"]["healthz_p50_ms"]
    ratio: Callable[[dict[str, float], float], str] = lambda p, b: f"{p['p95_ms'] / b:,.1f}x" if p else "-"  # noqa: E731
    lines = [
        f"{s['clients']:,} streams x {s['rounds']} rounds ({s['sse']['received']:,}/{s['sse']['expected']:,} "
        f"alerts received; webhook {s['webhook']['received']}/{s['webhook']['expected']}, signed: {s['webhook']['signed']})",
        "",
        "| measure | baseline | geoops p50 / p95 / p99 | p95 ratio |",
        "|---|---|---:|---:|",
        f"| SSE: receipt - t0 (ingest POST sent) | `GET /healthz` p50 {health} ms | {trio(s['sse'])} | {ratio(s['sse'], health)} |",
        f"| webhook: receipt - t0 | `GET /healthz` p50 {health} ms | {trio(s['webhook'])} | {ratio(s['webhook'], health)} |",
        f"| ingest POST answered | `GET /healthz` p50 {health} ms | {s['baseline']['ingest_post_p50_ms']} ms (p50) | "
        f"{s['baseline']['ingest_post_p50_ms'] / health:,.1f}x |",
    ]  # fmt: skip
    fanout, floor = s["fanout"], s.get("floor")
    if floor:
        fs, fl = floor["spread"], floor["receipt_after_sent"]
        lines += [
            f"| fan-out: last - first stream, per round | bare asyncio broadcast {trio(fs)} | {trio(fanout['spread'])} | "
            f"{fanout['spread']['p95_ms'] / max(fs['p95_ms'], 0.1):,.1f}x |",
            f"| fan-out: receipt - alert `created_at` | broadcast: receipt - send {trio(fl)} | "
            f"{trio(fanout['receipt_after_created'])} | {fanout['receipt_after_created']['p95_ms'] / max(fl['p95_ms'], 0.1):,.1f}x |",
        ]  # fmt: skip
    lines += ["", "| stage (commits, transaction starts, NOTIFY) | median | max |", "|---|---:|---:|"]
    lines += [f"| {name} | {v['median_ms']:,} ms | {v['max_ms']:,} ms |" for name, v in s["stages"].items()]
    return "\n".join(lines)


# -- the run ----------------------------------------------------------------------------------
def allow_open_files(clients: int) -> None:
    """Room for every stream twice (both ends may be ours) plus the floor; the server inherits it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 2 * clients + 512
    if soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            raise RuntimeError(f"RLIMIT_NOFILE hard limit {hard} < {want}: raise it (ulimit -Hn)")
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def run(clients: int = 1000, rounds: int = 5, *, floor: bool = True) -> dict[str, Any]:
    allow_open_files(clients)
    work = Path(tempfile.mkdtemp(prefix="geoops-bench-", dir="/tmp"))
    work.chmod(0o755)
    secret = secrets.token_urlsafe(32)
    cluster = EmbeddedCluster(work / "pg")
    try:
        with console.status("starting a throwaway PostGIS, loading layers and places…"):
            cluster.up()
            with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
                conn.execute("ALTER SYSTEM SET track_commit_timestamp = on")  # times each stage's commit
            cluster.down()
            cluster.up()
            db = install(cluster, "bench_alerts", secret, work)
        with Progress(console=console, transient=True) as progress, geoops_server(db, secret, work) as base:
            measured = asyncio.run(geoops_rounds(base, db, clients, rounds, progress))
            bare = (
                asyncio.run(floor_rounds(clients, rounds, measured["frame_bytes"], progress))
                if floor
                else None
            )
        return summarise(
            clients, measured, bare, stages(db.conninfo, measured["rounds"], measured["notices"])
        )
    finally:
        cluster.destroy()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=1000, help="concurrent SSE streams")
    parser.add_argument("--rounds", type=int, default=5, help="timed fires (after one warm-up)")
    parser.add_argument("--json", type=Path, help="also write the summary here")
    args = parser.parse_args()
    summary = run(args.clients, args.rounds)
    print(json.dumps(summary, indent=2))
    print()
    print(markdown(summary))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
