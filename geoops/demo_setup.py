"""What the demo puts in the database: layers, the regions as jurisdictions, a dispatcher."""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from geoops.access.accounts import add_user
from geoops.access.credentials import hash_password, new_password
from geoops.access.jurisdiction_load import load_jurisdiction_file
from geoops.registry.definitions import read_definitions
from geoops.registry.layer_import import import_definition
from geoops.settings import PROJECT_ROOT, Settings
from geoops.store.crews import upsert_crew
from geoops.store.engine import transaction
from geoops.store.subscriptions import create_subscription
from geoops.store.users import find_user, set_password

# Alerts, deliveries and assignments go with their incidents (CASCADE); the matcher's cursor
# starts again with the events.
DEMO_TABLES = "incident_evidence, incidents, hotspots, events, event_cursors"
CREW_TOWNS = 15  # a demo crew at each of the largest settlements of the layer
REGIONS = PROJECT_ROOT / "layers" / "data" / "russia_regions.geojson"
DISPATCHER = "dispatcher"


@dataclass(frozen=True)
class DemoLogin:
    name: str
    password: str


def prepare_demo(engine: Engine, settings: Settings, *, keep_data: bool, console: Console) -> DemoLogin:
    """Clean slate (embedded database only), layers, region jurisdictions and a dispatcher
    for every region, whose fresh password is returned to be printed."""
    if not keep_data and not settings.database_url:
        with engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {DEMO_TABLES} RESTART IDENTITY CASCADE"))
    for spec in read_definitions(PROJECT_ROOT / "layers"):
        with transaction(engine) as session:
            summary = import_definition(spec, session=session)
        console.print(f"layer [bold]{spec.name}[/bold]: {summary.inserted} features")
    with transaction(engine) as session:
        loaded = load_jurisdiction_file(REGIONS, level="region", levels=settings.levels, session=session)
        console.print(f"jurisdictions: {loaded.read} regions of Russia")
        regions = [
            int(i)
            for i in session.execute(sa.text("SELECT id FROM jurisdictions WHERE level = 'region'")).scalars()
        ]
        password = new_password()
        if find_user(DISPATCHER, session=session) is None:
            add_user(
                DISPATCHER,
                role="dispatcher",
                password=password,
                jurisdiction_ids=regions,
                actor="demo",
                session=session,
            )
        else:
            set_password(DISPATCHER, hash_password(password), session=session)
        _demo_alerting(session)
    return DemoLogin(DISPATCHER, password)


def _demo_alerting(session: Session) -> None:
    """Crews at the largest towns, and the dispatcher's live subscription to confirmed
    incidents of medium priority or more anywhere in the regions (the region rule alone
    tells only of high and critical ones)."""
    towns = session.execute(
        sa.text(
            "SELECT f.properties->>'name' AS name, ST_X(f.geom) AS lon, ST_Y(f.geom) AS lat FROM layer_features AS f "
            "JOIN layers AS l ON l.id = f.layer_id WHERE l.name = 'settlements' "
            "ORDER BY (f.properties->>'population')::float8 DESC NULLS LAST LIMIT :n"
        ),
        {"n": CREW_TOWNS},
    ).all()
    for town in towns:
        upsert_crew(
            {"name": f"Crew {town.name}", "longitude": town.lon, "latitude": town.lat}, session=session
        )
    user = find_user(DISPATCHER, session=session)
    assert user is not None
    if not session.execute(sa.text("SELECT 1 FROM subscriptions WHERE user_id = :u"), {"u": user.id}).first():
        extent = session.execute(
            sa.text(
                "SELECT ST_AsGeoJSON(ST_Envelope(ST_Collect(geom))) FROM jurisdictions WHERE level = 'region'"
            )
        ).scalar_one()
        create_subscription(
            {
                "user_id": user.id,
                "name": "Medium and above, all regions",
                "area": json.loads(extent),
                "min_priority": "medium",
                "statuses": ["confirmed"],
                "categories": [],
                "channel": "live",
                "target": None,
                "secret": None,
                "crew_id": None,
                "jurisdiction_id": None,
            },
            session=session,
        )
