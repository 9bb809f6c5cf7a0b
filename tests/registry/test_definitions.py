"""Layer definitions: the bundled open-data layers load and are readable without a login."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from geoops.api.app import create_app
from geoops.registry.definitions import read_definitions
from geoops.registry.layer_import import import_definition
from geoops.settings import PROJECT_ROOT, Settings
from geoops.store.engine import transaction


def test_bundled_layers_load_and_are_public(engine: Engine, settings: Settings) -> None:
    specs = {spec.name: spec for spec in read_definitions(PROJECT_ROOT / "layers")}
    assert set(specs) == {"lakes", "regions", "settlements"} and all(spec.public for spec in specs.values())
    with transaction(engine) as session:
        counts = {name: import_definition(spec, session=session).inserted for name, spec in specs.items()}
    assert counts == {"lakes": 405, "regions": 83, "settlements": 1117}  # NE lakes, 83 subjects, hflabs

    with TestClient(create_app(settings)) as anonymous:
        listed = anonymous.get("/api/v1/layers").json()
        regions = anonymous.get("/api/v1/layers/regions").json()
    assert sorted(layer["name"] for layer in listed) == ["lakes", "regions", "settlements"]
    assert len(regions["features"]) == 83
