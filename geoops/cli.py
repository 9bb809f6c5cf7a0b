"""The ``geoops`` command: parses, calls one service function, renders. Errors exit 2.

Each group lives in ``geoops/commands/``; this module only assembles them.
"""

from __future__ import annotations

import typer

from geoops.commands.access import jurisdictions_app, tokens_app, users_app
from geoops.commands.alerts import alerts_app, crews_app
from geoops.commands.db import db_app
from geoops.commands.heat_sources import heat_sources_app
from geoops.commands.ingest import ingest_app
from geoops.commands.layers import layers_app
from geoops.commands.running import incidents_app, running_app

app = typer.Typer(help="geoops: wildfire and incident monitoring on PostGIS.", no_args_is_help=True)
app.add_typer(running_app)
for sub, name in (
    (db_app, "db"),
    (ingest_app, "ingest"),
    (layers_app, "layers"),
    (heat_sources_app, "heat-sources"),
    (incidents_app, "incidents"),
    (users_app, "users"),
    (jurisdictions_app, "jurisdictions"),
    (tokens_app, "tokens"),
    (alerts_app, "alerts"),
    (crews_app, "crews"),
):
    app.add_typer(sub, name=name)


def main() -> None:
    app()
