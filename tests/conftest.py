"""Shared fixtures: one embedded PostGIS cluster per session, one fresh database per test."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy import Engine

from geoops.settings import Settings
from geoops.store import migrate
from geoops.store.cluster import EmbeddedCluster

FIXTURES = Path(__file__).parent / "fixtures"
TEST_SECRET = "test-secret-key-not-for-production"
TEMPLATE = "geoops_template"


def sample(name: str) -> Path:
    """A file under tests/fixtures (real data with provenance in its README)."""
    return FIXTURES / name


def _tempdir() -> Path:
    """A new directory under /tmp that the ``postgres`` user can traverse.

    Not pytest's tmp_path: as root the server runs as ``postgres``, and tmp_path's parents
    are root-only (0700); mkdtemp is 0700 too, hence the chmod.
    """
    path = Path(tempfile.mkdtemp(prefix="geoops-test-", dir="/tmp"))
    path.chmod(0o711)
    return path


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[EmbeddedCluster]:
    """A private cluster with a migrated template database that each test copies."""
    cluster = EmbeddedCluster(_tempdir())
    try:
        cluster.up(fast=True)
        cluster.create_database(TEMPLATE)
        template_engine = sa.create_engine(cluster.url(TEMPLATE))
        migrate.upgrade(template_engine)
        template_engine.dispose()  # CREATE DATABASE ... TEMPLATE needs it unconnected
        yield cluster
    finally:
        # Set GEOOPS_TEST_KEEP_CLUSTER to leave the cluster running in /tmp/geoops-test-*
        # after the run, for inspection with psql -h <that dir> -U geoops.
        if not os.environ.get("GEOOPS_TEST_KEEP_CLUSTER"):
            cluster.destroy()


@pytest.fixture
def database_url(pg_cluster: EmbeddedCluster) -> Iterator[str]:
    """A fresh database copied from the migrated template, dropped after the test."""
    name = f"geoops_test_{uuid.uuid4().hex[:12]}"
    pg_cluster.create_database(name, template=TEMPLATE)
    try:
        yield pg_cluster.url(name)
    finally:
        pg_cluster.drop_database(name)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = sa.create_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def settings(database_url: str) -> Iterator[Settings]:
    data_dir = _tempdir()
    try:
        yield Settings(database_url=database_url, data_dir=data_dir, secret_key=SecretStr(TEST_SECRET))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def sample_path() -> Callable[[str], Path]:
    """``sample_path("name.csv")`` is ``tests/fixtures/name.csv``."""
    return sample


def make_user(
    engine: Engine, settings: Settings, name: str, role: str = "admin", jurisdictions: list[int] | None = None
) -> str:
    """Create a user (admin by default) and return a fresh API token for it."""
    from geoops.access.accounts import add_user, issue_token
    from geoops.store.engine import transaction

    with transaction(engine) as session:
        add_user(
            name,
            role=role,
            password=None,
            jurisdiction_ids=jurisdictions or [],
            actor="test",
            session=session,
        )
        token, _ = issue_token(name, settings=settings, session=session)
    return token


@pytest.fixture
def admin_token(engine: Engine, settings: Settings) -> str:
    """An API token of an administrator (sees and may do everything)."""
    return make_user(engine, settings, "test-admin")


@pytest.fixture
def admin_headers(admin_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {admin_token}"}
