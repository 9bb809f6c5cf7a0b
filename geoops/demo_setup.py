"""What the demo puts in the database: layers, the regions as jurisdictions, a dispatcher."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from rich.console import Console
from sqlalchemy import Engine

from geoops.access.accounts import add_user
from geoops.access.credentials import hash_password, new_password
from geoops.access.jurisdiction_load import load_jurisdiction_file
from geoops.registry.definitions import read_definitions
from geoops.registry.layer_import import import_definition
from geoops.settings import PROJECT_ROOT, Settings
from geoops.store.engine import transaction
from geoops.store.users import find_user, set_password

DEMO_TABLES = "incident_evidence, incidents, hotspots, events"
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
    return DemoLogin(DISPATCHER, password)
