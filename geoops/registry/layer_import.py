"""Import a GeoJSON / GeoPackage / Shapefile (anything pyogrio reads) into a named layer."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
from sqlalchemy.orm import Session

from geoops.domain import EventKind, RowError
from geoops.errors import InvalidInput
from geoops.registry.definitions import LayerDefinition
from geoops.store.audit import record_audit
from geoops.store.events import append_event
from geoops.store.layers import replace_layer_features, upsert_layer
from geoops.vector_files import read_vector_file

LAYER_NAME = r"^[a-z][a-z0-9_]*$"


@dataclass
class LayerImportSummary:
    layer: str
    read: int
    inserted: int
    rejected: int
    repaired: int
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def import_definition(spec: LayerDefinition, *, session: Session) -> LayerImportSummary:
    """Import the layer a ``layers/*.yaml`` definition describes."""
    return import_layer(
        spec.name, spec.file, session=session, title=spec.title,
        description=spec.description, attribution=spec.attribution, public=spec.public,
    )  # fmt: skip


def import_layer(
    name: str,
    path: Path,
    *,
    session: Session,
    title: str | None = None,
    description: str | None = None,
    attribution: str | None = None,
    actor: str = "system",
    public: bool = False,
) -> LayerImportSummary:
    """Replace layer ``name`` with the features of ``path``; bad geometries are reported.
    The import is audited in the name of ``actor``."""
    if not re.match(LAYER_NAME, name):
        raise InvalidInput(f"layer name {name!r} must match {LAYER_NAME}")
    frame = read_vector_file(path)
    geoms = frame.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    invalid = ~missing & ~shapely.is_valid(geoms)
    geoms[invalid] = shapely.make_valid(geoms[invalid])
    errors = [RowError(int(i) + 1, "feature has no geometry") for i in missing.nonzero()[0]]
    kept = frame.loc[~missing]
    properties = pd.DataFrame(kept.drop(columns=kept.geometry.name))
    records = (  # a frame without columns serialises to no records at all, not to empty ones
        json.loads(properties.to_json(orient="records", date_format="iso", force_ascii=False))
        if len(properties.columns)
        else [{} for _ in range(len(properties))]
    )
    rows = pd.DataFrame(
        {
            "properties": [json.dumps(r, ensure_ascii=False) for r in records],
            "geom": shapely.to_wkb(shapely.set_srid(geoms[~missing], 4326), hex=True, include_srid=True),
        }
    )
    layer_id = upsert_layer(
        name,
        session=session,
        title=title or name.replace("_", " ").capitalize(),
        description=description,
        attribution=attribution,
        source=path.name,
        public=public,
    )
    inserted = replace_layer_features(layer_id, rows, session=session)
    append_event(EventKind.LAYER_IMPORTED, {"layer": name, "features": inserted}, session=session)
    after = {"file": path.name, "features": inserted, "rejected": len(errors)}
    record_audit("layer.import", "layer", name, user_id=None, user_name=actor, after=after, session=session)
    return LayerImportSummary(name, len(frame), inserted, len(errors), int(invalid.sum()), errors)
