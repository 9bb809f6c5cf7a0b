"""``geoops layers``: registry layers from vector files and layer definitions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geoops.commands.common import actor_name, emit, ready_engine, reports_errors
from geoops.settings import PROJECT_ROOT, Settings
from geoops.store.engine import transaction

layers_app = typer.Typer(help="Registry layers.", no_args_is_help=True)


@layers_app.command("import")
@reports_errors
def layers_import(
    name: Annotated[str, typer.Argument(help="Layer name (lowercase, digits, _)")],
    file: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage, Shapefile…")],
    title: Annotated[str | None, typer.Option(help="Human title")] = None,
) -> None:
    """Replace a registry layer with the features of FILE."""
    from geoops.registry.layer_import import import_layer

    with transaction(ready_engine(Settings())) as session:
        emit(import_layer(name, file, session=session, title=title, actor=actor_name()).as_dict())


@layers_app.command("load")
@reports_errors
def layers_load(
    folder: Annotated[Path, typer.Argument(help="Folder of layer *.yaml definitions")] = PROJECT_ROOT
    / "layers",
) -> None:
    """Import every layer defined in FOLDER (default: the bundled demo layers)."""
    from geoops.registry.definitions import read_definitions
    from geoops.registry.layer_import import import_definition

    engine = ready_engine(Settings())
    for spec in read_definitions(folder):
        with transaction(engine) as session:
            emit(import_definition(spec, session=session).as_dict())
