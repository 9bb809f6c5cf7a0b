"""Score incidents (``geoops incidents export``, or the naive baseline) against a scenario's
ground truth (``bench/scenario.py``).

Definitions:

- **Matching**: an incident matches a fire when its geometry meets the fire's final burned
  polygon buffered by 1 km (``match_buffer_m``); an incident that is only a Point (opened
  by a sensor or a report) matches within 3 km (``ground_buffer_m``, geoops' default
  fusion distance: a station smells smoke, a citizen sees it, from a distance).
- **Counted incidents**: those whose status is neither ``suspected`` nor ``dismissed``:
  what a dispatcher is asked to act on.
- **recall**: detectable fires (truth: at least two pieces of evidence, each satellite
  detection, alarmed station and report counting one) matched by at least one counted
  incident, over all detectable fires.
- **precision**: counted incidents matching at least one fire, over all counted incidents.
- **fragmentation**: counted incidents per fire, averaged over the fires matched by at
  least one (1.0 is one incident per fire).
- **merged**: counted incidents matching two fires or more (fires lie 5 km or more apart).
- **median IoU**: per matched fire, the union of its counted incidents' perimeters against
  its *observable* area (the truth's union of the footprints of every pixel that met the
  fire's burning zone in a cloud-free overpass: what a detector without misses would
  outline), as intersection over union in an equal-area projection; the median over
  matched fires. ``median_iou_burned`` is the same against the true burned polygon, which
  pixel-based perimeters overshoot by up to a pixel, so it is lower for small fires.
- **earliness**: per fire, the earliest sensor or report time and the earliest satellite
  time among the incidents matching it (any status but dismissed; from each incident's
  ``first_observed_by_source``); for the fires where the ground came first, the hours
  between them; the median (null when no incident carries ``first_observed_by_source``).
  ``earliness_truth_h`` is what the scenario offered: the same from the truth's times.

Areas are measured in a Lambert azimuthal equal-area projection centred on the scenario
(pyproj); matching uses a shapely STRtree.

Run: ``.venv/bin/python bench/score.py incidents.geojson truth.json`` (prints JSON).
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import shape
from shapely.strtree import STRtree

NOT_COUNTED = ("suspected", "dismissed")
Project = Callable[[Any], Any]


@dataclass(frozen=True)
class Incident:
    id: Any
    status: str
    geom: Any  # projected, metres
    firsts: Mapping[str, Any] | None  # first_observed_by_source, when exported

    @property
    def counted(self) -> bool:
        return self.status not in NOT_COUNTED

    @property
    def point(self) -> bool:
        return self.geom.geom_type in ("Point", "MultiPoint")


def score(
    incidents: Mapping[str, Any], truth: Mapping[str, Any], *, match_buffer_m: float = 1000.0,
    ground_buffer_m: float = 3000.0,
) -> dict[str, Any]:  # fmt: skip
    """The metrics of the module docstring for a FeatureCollection of incidents."""
    fires = list(truth["fires"])
    project = projection(truth)
    burned = [project(shape(f["burned"])) for f in fires]
    trees = {False: STRtree([b.buffer(match_buffer_m) for b in burned]),
             True: STRtree([b.buffer(ground_buffer_m) for b in burned])}  # fmt: skip
    found = [_incident(feature, project) for feature in incidents.get("features", [])]
    matches = [sorted(int(k) for k in trees[i.point].query(i.geom, predicate="intersects")) for i in found]
    per_fire: dict[int, list[int]] = defaultdict(list)  # fire -> its counted incidents
    for n, incident in enumerate(found):
        for k in matches[n] if incident.counted else []:
            per_fire[k].append(n)
    counted = [n for n, i in enumerate(found) if i.counted]
    detectable = [k for k, f in enumerate(fires) if f.get("detectable", True)]
    matched = sorted(per_fire)
    observable = [project(shape(f["observable"])) if f.get("observable") else None for f in fires]
    return {
        "fires": len(fires),
        "detectable_fires": len(detectable),
        "incidents": len(found),
        "counted_incidents": len(counted),
        "suspected_incidents": sum(i.status == "suspected" for i in found),
        "dismissed_incidents": sum(i.status == "dismissed" for i in found),
        "recall": _ratio(sum(1 for k in detectable if per_fire[k]), len(detectable)),
        "precision": _ratio(sum(1 for n in counted if matches[n]), len(counted)),
        "fragmentation": _mean(len(per_fire[k]) for k in matched),
        "merged": sum(1 for n in counted if len(matches[n]) >= 2),
        "median_iou": _median(
            iou(_union(found, per_fire[k]), observable[k]) for k in matched if observable[k] is not None
        ),
        "median_iou_burned": _median(iou(_union(found, per_fire[k]), burned[k]) for k in matched),
        **_earliness(fires, found, matches),
        "missed_fires": [fires[k]["id"] for k in detectable if not per_fire[k]],
        "split_fires": [fires[k]["id"] for k in matched if len(per_fire[k]) > 1],
        "false_incidents": [found[n].id for n in counted if not matches[n]],
    }


def projection(truth: Mapping[str, Any]) -> Project:
    """Lon/lat geometries into metres of an equal-area projection centred on the scenario."""
    west, south, east, north = truth.get("scenario", {}).get("bbox") or _bounds(truth["fires"])
    laea = f"+proj=laea +lat_0={(south + north) / 2} +lon_0={(west + east) / 2} +ellps=WGS84 +units=m"
    forward = Transformer.from_crs("EPSG:4326", laea, always_xy=True)
    return lambda geom: shapely.transform(
        geom, lambda c: np.column_stack(forward.transform(c[:, 0], c[:, 1]))
    )


def iou(a: Any, b: Any) -> float:
    if a is None or b is None or a.is_empty or b.is_empty:
        return 0.0
    union = a.union(b).area
    return float(a.intersection(b).area / union) if union else 0.0


def _incident(feature: Mapping[str, Any], project: Project) -> Incident:
    props = feature.get("properties") or {}
    geom = shapely.make_valid(project(shape(feature["geometry"])))
    return Incident(
        props.get("id", feature.get("id")),
        str(props.get("status")),
        geom,
        props.get("first_observed_by_source"),
    )


def _union(found: list[Incident], members: list[int]) -> Any:
    areas = [found[n].geom for n in members if not found[n].point]
    return shapely.union_all(areas) if areas else None


def _earliness(
    fires: list[Mapping[str, Any]], found: list[Incident], matches: list[list[int]]
) -> dict[str, Any]:
    per_fire: dict[int, list[Incident]] = defaultdict(list)
    for incident, ks in zip(found, matches, strict=True):
        for k in ks if incident.status != "dismissed" else []:
            per_fire[k].append(incident)
    gains = []
    for members in per_fire.values():
        ground = _earliest(i.firsts.get(s) for i in members if i.firsts for s in ("sensor", "report"))
        satellite = _earliest(i.firsts.get("satellite") for i in members if i.firsts)
        if ground and satellite and ground < satellite:
            gains.append((satellite - ground).total_seconds() / 3600)
    offered = []
    for fire in fires:
        ground, satellite = (
            _earliest([fire.get("first_ground_at")]),
            _earliest([fire.get("first_detected_at")]),
        )
        if ground and satellite and ground < satellite:
            offered.append((satellite - ground).total_seconds() / 3600)
    exported = any(i.firsts is not None for i in found)
    return {
        "earliness_h": _median(gains) if exported else None,
        "ground_first_fires": len(gains) if exported else None,
        "earliness_truth_h": _median(offered),
        "ground_first_fires_truth": len(offered),
    }


def _earliest(values: Iterable[Any]) -> datetime | None:
    times = [datetime.fromisoformat(str(v).replace("Z", "+00:00")) for v in values if v]
    return min(times) if times else None


def _bounds(fires: list[Mapping[str, Any]]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = shapely.union_all([shape(f["burned"]) for f in fires]).bounds
    return x0, y0, x1, y1


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(values: Iterable[float]) -> float | None:
    items = list(values)
    return round(statistics.fmean(items), 4) if items else None


def _median(values: Iterable[float]) -> float | None:
    items = list(values)
    return round(statistics.median(items), 4) if items else None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("incidents", type=Path, help="GeoJSON FeatureCollection of incidents")
    parser.add_argument("truth", type=Path, help="truth.json of the scenario")
    args = parser.parse_args()
    result = score(json.loads(args.incidents.read_text()), json.loads(args.truth.read_text()))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
