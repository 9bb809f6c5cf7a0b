"""Reading vector files (GeoJSON, GeoPackage, Shapefile… anything pyogrio opens).

Shared foundation: registry layers and jurisdiction boundaries both load such files.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from geoops.errors import UnusableInput


def read_vector_file(path: Path) -> gpd.GeoDataFrame:
    """Features in EPSG:4326; a file pyogrio cannot open is unusable input."""
    if not path.exists():
        raise UnusableInput(f"no such file: {path}")
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several unrelated types for unreadable data
        raise UnusableInput(f"cannot read {path.name} as vector data: {exc}") from exc
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    return frame
