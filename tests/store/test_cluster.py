"""The embedded cluster: lifecycle, connecting through its socket, databases with PostGIS."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from geoops.errors import ClusterError
from geoops.store.cluster import ClusterStatus, EmbeddedCluster, shared_buffers_mb


@pytest.fixture
def scratch_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="geoops-test-", dir="/tmp"))
    path.chmod(0o711)  # the server runs as `postgres` when we are root
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_lifecycle_up_down_up_keeps_data_and_destroy_removes_it(scratch_dir: Path) -> None:
    cluster = EmbeddedCluster(scratch_dir / "pg")
    assert cluster.status().initialized is False
    assert cluster.status().running is False
    try:
        cluster.up(fast=True)
        assert cluster.status().running is True
        cluster.create_database("keep")
        with psycopg.connect(cluster.conninfo("keep"), autocommit=True) as conn:
            conn.execute("CREATE TABLE t (v int); INSERT INTO t VALUES (42)")

        cluster.down()
        assert cluster.status() == ClusterStatus(cluster.path, initialized=True, running=False)
        cluster.up()  # a second up on an initialised cluster only starts it
        with psycopg.connect(cluster.conninfo("keep")) as conn:
            assert conn.execute("SELECT v FROM t").fetchone() == (42,)
        cluster.up()  # and up on a running cluster does nothing
        assert cluster.running
    finally:
        cluster.destroy()
    assert not cluster.path.exists()
    assert cluster.running is False


def test_listens_on_its_socket_only(pg_cluster: EmbeddedCluster) -> None:
    with psycopg.connect(pg_cluster.conninfo(), autocommit=True) as conn:
        listen = conn.execute("SHOW listen_addresses").fetchone()
        sockets = conn.execute("SHOW unix_socket_directories").fetchone()
    assert listen == ("",)
    assert sockets == (str(pg_cluster.path),)
    assert (pg_cluster.path / ".s.PGSQL.5432").is_socket()


def test_its_cache_is_a_quarter_of_memory_within_bounds(pg_cluster: EmbeddedCluster) -> None:
    with psycopg.connect(pg_cluster.conninfo(), autocommit=True) as conn:
        pages = conn.execute(
            "SELECT setting::bigint FROM pg_settings WHERE name = 'shared_buffers'"
        ).fetchone()
    assert pages is not None
    assert pages[0] * 8 // 1024 == shared_buffers_mb()  # in 8 kB pages
    memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    assert shared_buffers_mb() == max(128, min(2048, memory_mb // 4))


def test_create_database_has_postgis_and_is_idempotent(pg_cluster: EmbeddedCluster) -> None:
    name = f"geoops_test_{uuid.uuid4().hex[:12]}"
    try:
        pg_cluster.create_database(name)
        pg_cluster.create_database(name)  # exists already: no error
        engine = sa.create_engine(pg_cluster.url(name))
        with engine.connect() as conn:
            version = conn.execute(sa.text("SELECT postgis_lib_version()")).scalar_one()
            point = conn.execute(sa.text("SELECT ST_AsText(ST_MakePoint(129.73, 62.03))")).scalar_one()
        engine.dispose()
        assert version.startswith("3.")
        assert point == "POINT(129.73 62.03)"
    finally:
        pg_cluster.drop_database(name)
    with psycopg.connect(pg_cluster.conninfo(), autocommit=True) as conn:
        gone = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    assert gone is None


def test_drop_database_closes_open_connections_and_tolerates_missing(
    pg_cluster: EmbeddedCluster,
) -> None:
    name = f"geoops_test_{uuid.uuid4().hex[:12]}"
    pg_cluster.create_database(name)
    held = psycopg.connect(pg_cluster.conninfo(name))
    try:
        pg_cluster.drop_database(name)
        pg_cluster.drop_database(name)  # already gone: no error
    finally:
        held.close()
    with psycopg.connect(pg_cluster.conninfo()) as conn:
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None


def test_template_database_copies_the_schema(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM hotspots")).scalar_one()
    engine.dispose()
    assert count == 0


def test_refuses_a_non_empty_directory_that_is_no_cluster(scratch_dir: Path) -> None:
    (scratch_dir / "notes.txt").write_text("mine")
    with pytest.raises(ClusterError, match="not empty"):
        EmbeddedCluster(scratch_dir).up(fast=True)
    assert (scratch_dir / "notes.txt").read_text() == "mine"


def test_refuses_a_path_too_long_for_a_unix_socket(scratch_dir: Path) -> None:
    deep = scratch_dir / ("x" * 120)
    with pytest.raises(ClusterError, match="too long"):
        EmbeddedCluster(deep).up(fast=True)
    assert not deep.exists()


def test_url_and_conninfo_point_at_the_socket_directory() -> None:
    cluster = EmbeddedCluster(Path("/tmp/geoops-test-x/pg"))
    assert cluster.url("db1") == "postgresql+psycopg://geoops@/db1?host=/tmp/geoops-test-x/pg"
    assert "host=/tmp/geoops-test-x/pg" in cluster.conninfo("db1")
    assert "dbname=db1" in cluster.conninfo("db1")
