#!/usr/bin/env python3
"""One-off conversion of hflabs/city ``city.csv`` (1,117 Russian towns, CC BY-SA 4.0) into
the GeoJSON of the ``settlements`` layer, ``layers/data/russia_settlements.geojson``.

Usage: ``scripts/make_settlements_layer.py CITY_CSV [OUT_GEOJSON]``. Kept in the repository
so that the bundled file can be rebuilt from the original; geoops itself never runs it.

Each row becomes a Point feature (``geo_lon``, ``geo_lat``) with ``name`` (the ``city``
column; for the rows that have none, the ``settlement``, the town-level ``area`` or the
federal city in ``region``, else the address), ``region`` (with its type, e.g.
"Респ Саха /Якутия/", "Московская обл"), ``population`` (an integer, or
null when blank) and ``okato``. Rows keep the file's order; only the standard library is used.
"""

# The source is Russian: its Cyrillic is meant (RUF001-003 flag letters that look Latin).
# ruff: noqa: RUF001, RUF002, RUF003

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "layers" / "data" / "russia_settlements.geojson"
TOWN = "г"  # the "city" type in the *_type columns
TYPE_FIRST = ("Респ", TOWN)  # "Респ Саха /Якутия/", but "Московская обл"


def settlement_name(row: dict[str, str]) -> str:
    """The town's own name: Moscow-oblast towns sit in ``area``, federal cities in ``region``."""
    if row["city"]:
        return row["city"]
    if row["settlement"]:
        return row["settlement"]
    if row["area_type"] == TOWN and row["area"]:
        return row["area"]
    if row["region_type"] == TOWN and row["region"]:
        return row["region"]
    return row["address"]


def region_name(row: dict[str, str]) -> str:
    """The region with its type, as the addresses write it; a type that is a name is dropped."""
    kind, region = row["region_type"], row["region"]
    if kind in TYPE_FIRST:
        return f"{kind} {region}"
    return f"{region} {kind}" if kind in ("обл", "край", "АО", "Аобл") else region


def feature(row: dict[str, str]) -> dict[str, Any]:
    population = row["population"].strip()
    return {
        "type": "Feature",
        "properties": {
            "name": settlement_name(row),
            "region": region_name(row),
            "population": int(population) if population.isdigit() else None,
            "okato": row["okato"] or None,
        },
        "geometry": {"type": "Point", "coordinates": [float(row["geo_lon"]), float(row["geo_lat"])]},
    }


def main(source: Path, target: Path) -> None:
    with source.open(encoding="utf-8", newline="") as handle:
        features = [feature(row) for row in csv.DictReader(handle)]
    collection = {"type": "FeatureCollection", "features": features}
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    target.write_text(text.replace('{"type":"Feature"', '\n{"type":"Feature"') + "\n", encoding="utf-8")
    print(f"{len(features)} settlements written to {target}")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) == 3 else DEFAULT_OUT)
