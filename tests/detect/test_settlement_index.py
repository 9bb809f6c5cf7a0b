"""Nearest settlements from memory agree with PostGIS measuring every settlement on the
ellipsoid: the same nearest three, distances within 0.1 % or 10 m, and a changed layer is
reloaded."""

from __future__ import annotations

import numpy as np
import shapely
import sqlalchemy as sa
from sqlalchemy import Engine

from geoops.detect.settlement_index import settlement_index
from geoops.registry.definitions import read_definitions
from geoops.registry.layer_import import import_definition
from geoops.settings import PROJECT_ROOT
from geoops.store.engine import transaction

HULLS = [
    "POLYGON((129.6 61.95, 129.8 61.95, 129.8 62.1, 129.6 62.1, 129.6 61.95))",  # around Yakutsk
    "POLYGON((129.70 62.00, 129.90 62.00, 129.90 62.10, 129.70 62.00))",  # 0.9 km from it
    "POLYGON((37.0 55.0, 37.3 55.0, 37.3 55.2, 37.0 55.2, 37.0 55.0))",  # south of Moscow
    "POLYGON((100.0 60.0, 100.5 60.0, 100.2 60.4, 100.0 60.0))",  # far from any town
    "POINT(44.0 56.3)",  # a report near Nizhny Novgorod
]


def settlements(engine: Engine) -> int:
    spec = next(d for d in read_definitions(PROJECT_ROOT / "layers") if d.name == "settlements")
    with transaction(engine) as session:
        import_definition(spec, session=session)
        return int(session.execute(sa.text("SELECT id FROM layers WHERE name = 'settlements'")).scalar_one())


def postgis_nearest(engine: Engine, layer: int, hull: str) -> list[tuple[str, float]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT properties->>'name', ST_Distance(ST_GeomFromText(:h, 4326)::geography, geom::geography) AS d "
                "FROM layer_features WHERE layer_id = :l ORDER BY d LIMIT 3"
            ),
            {"h": hull, "l": layer},
        ).all()
    return [(r[0], float(r[1])) for r in rows]


def test_the_nearest_settlements_match_postgis(engine: Engine) -> None:
    layer = settlements(engine)
    hulls = [shapely.from_wkt(h) for h in HULLS]
    centres = [(float(p.x), float(p.y)) for p in shapely.centroid(hulls)]
    with transaction(engine) as session:
        found = settlement_index(layer, session=session).nearby(hulls, centres, 20, bearings=3)
    for wkt, nearby in zip(HULLS, found, strict=True):
        expected = postgis_nearest(engine, layer, wkt)
        assert [n["name"] for n in nearby[:3]] == [name for name, _ in expected], wkt
        ours = np.array([n["distance_m"] for n in nearby[:3]])
        theirs = np.array([d for _, d in expected])
        # PostGIS takes a hull's edges as great-circle arcs, geoops as the lon/lat lines its
        # perimeters are drawn with: a few metres apart on a 10 km edge at 62N
        assert np.allclose(ours, theirs, rtol=1e-3, atol=10.0), (wkt, ours, theirs)
    yakutsk = found[0][0]
    assert yakutsk["distance_m"] == 0.0 and yakutsk["name"] and yakutsk["population"]
    assert all(0 <= n["bearing_deg"] < 360 for items in found for n in items[:3])
    assert all(n["bearing_deg"] is None for items in found for n in items[3:])  # only the listed ones


def test_weighed_candidates_are_the_listed_ones_and_the_heaviest(engine: Engine) -> None:
    layer = settlements(engine)
    hulls = [shapely.from_wkt(h) for h in HULLS]
    centres = [(float(p.x), float(p.y)) for p in shapely.centroid(hulls)]

    def weigh(metres: np.ndarray, population: np.ndarray) -> np.ndarray:
        return np.nan_to_num(population) - metres  # people count more than metres

    with transaction(engine) as session:
        index = settlement_index(layer, session=session)
        every = index.nearby(hulls, centres, 20, bearings=3)
        weighed = index.nearby(hulls, centres, 20, bearings=3, weigh=weigh)
    for all_of_them, few in zip(every, weighed, strict=True):
        people = [float(n["population"] or 0) for n in all_of_them]
        heaviest = max(range(20), key=lambda i: people[i] - all_of_them[i]["distance_m"])
        assert few == [all_of_them[i] for i in sorted({0, 1, 2, heaviest})]
    assert any(len(few) == 4 for few in weighed)  # somewhere the heaviest is not among the nearest three


def test_a_changed_layer_is_reloaded(engine: Engine) -> None:
    layer = settlements(engine)
    hull, centre = shapely.from_wkt(HULLS[3]), (100.2, 60.1)
    with transaction(engine) as session:
        before = settlement_index(layer, session=session).nearby([hull], [centre], 3, bearings=1)[0][0]
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO layer_features (layer_id, properties, geom) VALUES "
                '(:l, \'{"name": "New Camp", "population": 50}\', ST_SetSRID(ST_MakePoint(100.2, 60.5), 4326))'
            ),
            {"l": layer},
        )
    with transaction(engine) as session:
        after = settlement_index(layer, session=session).nearby([hull], [centre], 3, bearings=1)[0][0]
    assert before["name"] != "New Camp" and after["name"] == "New Camp"
    assert after["distance_m"] < before["distance_m"]
