"""The fire-weather index (FWI) of a place, read with rasterio from a GeoTIFF.

The raster is read once per file (its first band into memory; the bundled grid is
640 x 320 float32) and then sampled by inverse geotransform. A nodata cell (the oceans of
the GEFF-ERA5 grid), a point outside the grid or an unreadable file give ``None``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from pyproj import CRS, Transformer
from rasterio.errors import RasterioError

log = logging.getLogger(__name__)

# EFFIS fire danger classes: the upper bound of each class (the last has none).
FWI_CLASSES: tuple[tuple[str, float], ...] = (
    ("very_low", 5.2),
    ("low", 11.2),
    ("moderate", 21.3),
    ("high", 38.0),
    ("very_high", 50.0),
    ("extreme", float("inf")),
)


def fwi_class(value: float) -> str:
    """The EFFIS danger class of an FWI value (``very_low`` … ``extreme``)."""
    return next(name for name, upper in FWI_CLASSES if value < upper)


@dataclass(frozen=True)
class FwiGrid:
    values: np.ndarray  # float64, NaN where the raster has no data
    inverse: Affine  # map coordinates -> (col, row)
    to_grid: Transformer | None  # WGS84 lon/lat -> the raster's CRS, when it is another one
    wraps: bool  # a global lon/lat grid: longitudes may be shifted by 360°


def sample_fwi(path: Path | None, points: Sequence[tuple[float, float] | None]) -> list[float | None] | None:
    """FWI at each WGS84 ``(lon, lat)`` (``None`` for no point, nodata or outside the grid);
    ``None`` as a whole when there is no usable raster at ``path``."""
    grid = _grid(path.resolve(), path.stat().st_mtime_ns) if path is not None and path.is_file() else None
    if grid is None:
        return None
    return [None if p is None else _sample(grid, *p) for p in points]


def _sample(grid: FwiGrid, lon: float, lat: float) -> float | None:
    x, y = grid.to_grid.transform(lon, lat) if grid.to_grid else (lon, lat)
    rows, cols = grid.values.shape
    for shift in (0.0, 360.0, -360.0) if grid.wraps else (0.0,):
        col, row = grid.inverse @ (x + shift, y)
        if 0 <= row < rows and 0 <= col < cols:
            value = float(grid.values[int(row), int(col)])
            return None if np.isnan(value) else value
    return None


@cache
def _grid(path: Path, mtime_ns: int) -> FwiGrid | None:
    """The raster at ``path`` as it was at ``mtime_ns`` (a replaced file is read again)."""
    try:
        with rasterio.open(path) as dataset:
            band = dataset.read(1, masked=True).astype("float64").filled(np.nan)
            crs = CRS.from_user_input(dataset.crs) if dataset.crs else CRS.from_epsg(4326)
            transform = dataset.transform
    except (RasterioError, OSError) as exc:
        log.warning("FWI raster %s is unreadable, FWI is left out of priorities: %s", path, exc)
        return None
    band[band < -1e30] = np.nan  # a nodata value the file does not declare
    geographic = crs.is_geographic
    to_grid = None if crs.equals(CRS.from_epsg(4326)) else Transformer.from_crs(4326, crs, always_xy=True)
    return FwiGrid(band, ~transform, to_grid, wraps=geographic and transform.a * band.shape[1] >= 359.0)
