"""Engines and sessions; which database a Settings object points at."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from geoops.errors import DatabaseUnavailable
from geoops.settings import Settings
from geoops.store.cluster import EmbeddedCluster


def database_url(settings: Settings) -> str:
    """``GEOOPS_DATABASE_URL`` when set, else the embedded cluster's socket URL."""
    if settings.database_url:
        url = make_url(settings.database_url)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    return EmbeddedCluster(settings.cluster_dir).url()


def libpq_conninfo(url: str) -> str:
    """The same database as a plain libpq URI, for raw psycopg connections (COPY, LISTEN)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_engine(settings: Settings) -> Engine:
    # JIT costs more than it saves on geoops' short, index-driven statements.
    return sa.create_engine(
        database_url(settings), pool_pre_ping=True, pool_size=10, connect_args={"options": "-c jit=off"}
    )


def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error. Callers own this, not store."""
    with sessions(engine).begin() as session:
        yield session


def check_ready(engine: Engine) -> str:
    """PostGIS version if the database answers; DatabaseUnavailable otherwise."""
    try:
        with engine.connect() as conn:
            version = conn.execute(sa.text("SELECT postgis_lib_version()")).scalar_one()
    except OperationalError as exc:
        raise DatabaseUnavailable(_first_line(exc)) from exc
    return str(version)


def _first_line(exc: OperationalError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
