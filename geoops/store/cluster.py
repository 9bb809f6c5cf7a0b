"""The embedded PostgreSQL + PostGIS cluster: a private server under ``.geoops/pg``.

It listens on a Unix socket inside its own data directory only (no TCP port, so no
clashes and no exposure), with trust authentication guarded by the directory's
permissions. PostgreSQL refuses to run as root, so as root the server runs as the
``postgres`` system user that Debian's package creates.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from geoops.errors import ClusterError

SUPERUSER = "geoops"
SOCKET_PORT = 5432
_MAX_SOCKET_PATH = 100  # the kernel limit for a Unix socket path is 107 bytes
_FAST_SETTINGS = "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
_SHARED_BUFFERS_MB = (128, 2048)  # initdb's default, and the most a quarter of memory may give


def shared_buffers_mb() -> int:
    """PostgreSQL's own cache: a quarter of this machine's memory, from initdb's 128 MB to
    2 GB. With initdb's 128 MB a season of hotspots, incidents and their shapes outgrows it
    within days, and every detection pass has to write dirty pages out itself to make room."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    low, high = _SHARED_BUFFERS_MB
    return max(low, min(high, memory // 4 // 2**20))


def find_bindir() -> Path:
    """The newest installed PostgreSQL whose share directory holds the PostGIS extension."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(re.sub(r"\D", "", p.parent.name) or 0),
        reverse=True,
    )
    for bindir in candidates:
        share = Path("/usr/share/postgresql") / bindir.parent.name / "extension"
        if (bindir / "initdb").exists() and (share / "postgis.control").exists():
            return bindir
    if candidates:
        raise ClusterError(
            "PostGIS is not installed for PostgreSQL "
            f"{candidates[0].parent.name}: run scripts/setup "
            f"(apt-get install postgresql-{candidates[0].parent.name}-postgis-3)"
        )
    raise ClusterError("PostgreSQL is not installed: run scripts/setup")


@dataclass(frozen=True)
class ClusterStatus:
    path: Path
    initialized: bool
    running: bool


class EmbeddedCluster:
    """Create, start, stop and connect to a private cluster in ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()

    # -- lifecycle -------------------------------------------------------------------------
    def up(self, *, fast: bool = False) -> None:
        """Initialise if needed and start; ``fast`` trades durability for speed (tests)."""
        if not self.initialized:
            self._initdb(fast=fast)
        if not self.running:
            self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.path / "server.log"))

    def down(self) -> None:
        if self.running:
            self._pg_ctl("stop", "-w", "-t", "60", "-m", "fast")

    def destroy(self) -> None:
        self.down()
        shutil.rmtree(self.path, ignore_errors=True)

    def status(self) -> ClusterStatus:
        return ClusterStatus(self.path, self.initialized, self.running)

    @property
    def initialized(self) -> bool:
        return (self.path / "PG_VERSION").exists()

    @property
    def running(self) -> bool:
        if not self.initialized:
            return False
        done = self._run([str(find_bindir() / "pg_ctl"), "status", "-D", str(self.path)], check=False)
        return done.returncode == 0

    # -- connecting ------------------------------------------------------------------------
    def url(self, database: str = "geoops") -> str:
        """A SQLAlchemy URL (psycopg 3 driver) reaching the cluster through its socket."""
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.path}"

    def conninfo(self, database: str = "postgres") -> str:
        return f"host={self.path} port={SOCKET_PORT} user={SUPERUSER} dbname={database}"

    def create_database(self, name: str, *, template: str | None = None) -> None:
        """Create ``name`` (from ``template`` if given) unless it exists; add PostGIS."""
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                stmt = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
                if template:
                    stmt += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
                conn.execute(stmt)
        with psycopg.connect(self.conninfo(name), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    # -- internals -------------------------------------------------------------------------
    def _initdb(self, *, fast: bool) -> None:
        socket = self.path / f".s.PGSQL.{SOCKET_PORT}"
        if len(str(socket)) > _MAX_SOCKET_PATH:
            raise ClusterError(f"data directory path too long for a Unix socket: {self.path}")
        self.path.mkdir(parents=True, exist_ok=True)
        if any(self.path.iterdir()):
            raise ClusterError(f"{self.path} exists, is not empty and holds no cluster")
        owner = _server_user()
        if owner is not None:
            os.chown(self.path, owner.pw_uid, owner.pw_gid)
        self.path.chmod(0o700)
        self._run(
            [
                str(find_bindir() / "initdb"),
                "-D",
                str(self.path),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
        )
        conf = (
            "\n# geoops embedded cluster\n"
            "listen_addresses = ''\n"
            f"unix_socket_directories = '{self.path}'\n"
            f"port = {SOCKET_PORT}\n"
            "max_connections = 100\n"
            f"shared_buffers = {shared_buffers_mb()}MB\n"
        )
        with (self.path / "postgresql.conf").open("a") as fh:
            fh.write(conf + (_FAST_SETTINGS if fast else ""))

    def _pg_ctl(self, *args: str) -> None:
        self._run([str(find_bindir() / "pg_ctl"), "-D", str(self.path), *args])

    def _run(self, cmd: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        owner = _server_user()
        if owner is not None:
            cmd = ["runuser", "-u", owner.pw_name, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd="/")
        if check and done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise ClusterError(f"{Path(cmd[-1]).name if not tail else ' / '.join(tail)}")
        return done


def _server_user() -> pwd.struct_passwd | None:
    """The user the server runs as when we are root (PostgreSQL refuses root); else None."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError as exc:
        raise ClusterError("running as root needs the 'postgres' system user") from exc
