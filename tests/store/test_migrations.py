"""Alembic migrations: upgrade to head builds the schema, downgrade to base removes it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from geoops.store import migrate
from geoops.store.cluster import EmbeddedCluster
from geoops.store.tables import metadata

TABLES = {"hotspots", "incidents", "incident_evidence", "events", "layers", "layer_features"}
# Hotspots are an append-only series with BRIN indexes (cheap bulk ingest, 0002);
# the other geometry tables are searched with GiST.
GIST_INDEXES = {
    ("hotspots", "hotspots_geom_brin"),
    ("incidents", "incidents_geom_gist"),
    ("layer_features", "layer_features_geom_gist"),
}


@pytest.fixture
def bare_engine(pg_cluster: EmbeddedCluster) -> Iterator[Engine]:
    """A fresh database with PostGIS but no schema (not from the migrated template)."""
    name = f"geoops_bare_{uuid.uuid4().hex[:12]}"
    pg_cluster.create_database(name)
    engine = sa.create_engine(pg_cluster.url(name))
    yield engine
    engine.dispose()
    pg_cluster.drop_database(name)


def _tables(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
        return set(rows) & TABLES


def _rows(engine: Engine, sql: str) -> list[sa.Row[Any]]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql)).all())


def _gist_indexes(engine: Engine) -> set[tuple[str, str]]:
    rows = _rows(
        engine,
        "SELECT tablename, indexname FROM pg_indexes "
        "WHERE schemaname = 'public' AND (indexdef ILIKE '%USING gist%' OR indexdef ILIKE '%USING brin%')",
    )
    return {(r.tablename, r.indexname) for r in rows}


def test_fresh_database_has_no_revision(bare_engine: Engine) -> None:
    assert migrate.current_revision(bare_engine) is None
    assert _tables(bare_engine) == set()


def test_upgrade_downgrade_upgrade(bare_engine: Engine) -> None:
    migrate.upgrade(bare_engine)
    assert migrate.current_revision(bare_engine) == migrate.head_revision()
    assert _tables(bare_engine) == TABLES
    assert _gist_indexes(bare_engine) >= GIST_INDEXES

    migrate.downgrade(bare_engine)
    assert migrate.current_revision(bare_engine) is None
    assert _tables(bare_engine) == set()
    assert _gist_indexes(bare_engine) & GIST_INDEXES == set()

    migrate.upgrade(bare_engine)
    assert migrate.current_revision(bare_engine) == migrate.head_revision()
    assert _tables(bare_engine) == TABLES
    assert _gist_indexes(bare_engine) >= GIST_INDEXES


def test_upgrade_at_head_is_a_no_op(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO events (kind, payload) VALUES ('test', '{}')"))
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one() == 1
    assert migrate.current_revision(engine) == migrate.head_revision()


def test_geometry_columns_are_registered_in_4326(engine: Engine) -> None:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT f_table_name, f_geometry_column, srid, type FROM geometry_columns")
        ).all()
    found = {(r.f_table_name, r.f_geometry_column): (r.srid, r.type) for r in rows}
    assert found[("hotspots", "geom")] == (4326, "POINT")
    assert found[("hotspots", "footprint")] == (4326, "POLYGON")
    assert found[("incidents", "geom")] == (4326, "GEOMETRY")
    assert found[("layer_features", "geom")] == (4326, "GEOMETRY")


def test_migrated_schema_matches_the_table_definitions(engine: Engine) -> None:
    def compared(obj: object, name: str | None, kind: str, reflected: bool, other: object) -> bool:
        # PostGIS' own table, and an expression index alembic cannot compare.
        return name not in ("spatial_ref_sys", "events_incident")

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": compared})
        assert compare_metadata(context, metadata) == []


def test_perimeters_are_compressed_with_lz4(engine: Engine) -> None:
    methods = _rows(
        engine,
        "SELECT attrelid::regclass::text, attcompression FROM pg_attribute WHERE attname = 'geom' "
        "AND attrelid = ANY('{incidents,incident_perimeters,incident_shapes}'::regclass[])",
    )
    assert sorted(tuple(m) for m in methods) == [
        ("incident_perimeters", "l"),
        ("incident_shapes", "l"),
        ("incidents", "l"),
    ]
