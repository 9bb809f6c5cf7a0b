"""Registry layer imports are audited in the name of whoever ran them."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Engine

from geoops.registry.layer_import import import_layer
from geoops.store.engine import transaction


def test_a_layer_import_is_audited(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "flares.geojson"
    feature = {"type": "Feature", "properties": {"kind": "gas flare"},
               "geometry": {"type": "Point", "coordinates": [74.5, 61.2]}}  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))

    with transaction(engine) as session:
        import_layer("heat_sources", path, session=session, actor="cli:clerk")

    with engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT action, object_type, object_id, user_name, after FROM audit_log")
        ).one()
    assert (row.action, row.object_type, row.object_id, row.user_name) == (
        "layer.import", "layer", "heat_sources", "cli:clerk"
    )  # fmt: skip
    assert row.after == {"file": "flares.geojson", "features": 1, "rejected": 0}


def test_features_without_properties_are_imported_with_empty_ones(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "lakes.geojson"
    ring = [[75.0, 61.0], [75.1, 61.0], [75.1, 61.1], [75.0, 61.0]]
    features = [
        {"type": "Feature", "properties": None, "geometry": {"type": "Polygon", "coordinates": [ring]}}
    ] * 2
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with transaction(engine) as session:
        assert import_layer("lakes", path, session=session).inserted == 2
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT properties FROM layer_features")).scalars().all() == [{}, {}]
