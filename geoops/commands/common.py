"""What every command shares: error reporting, JSON output, a ready database."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine

from geoops.errors import ClusterError, DatabaseUnavailable, GeoopsError
from geoops.settings import Settings
from geoops.store import migrate as migrations
from geoops.store.cluster import EmbeddedCluster
from geoops.store.engine import check_ready, create_engine

P = ParamSpec("P")
R = TypeVar("R")
err = Console(stderr=True, soft_wrap=True)


def reports_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """A GeoopsError becomes one line on stderr and exit code 2."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except GeoopsError as exc:
            err.print(f"[red]error:[/red] {exc.detail}", highlight=False)
            raise typer.Exit(2) from exc

    return wrapper


@contextmanager
def progress_bar(label: str, total: int) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar over the bytes sent, on a terminal and for files over ~3,000 rows."""
    if not err.is_terminal or total < 256 * 1024:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda sent: bar.update(
            task,
            advance=sent,
            description=label
            if bar.tasks[task].completed + sent < total
            else f"{label}: checking and storing",
        )


def emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")


def ready_engine(settings: Settings) -> Engine:
    """An engine on a reachable database whose schema is at the code's head revision."""
    if not settings.database_url and not EmbeddedCluster(settings.cluster_dir).running:
        raise ClusterError(
            f"the embedded database in {settings.cluster_dir} is not running: run `geoops db up`"
        )
    engine = create_engine(settings)
    check_ready(engine)
    current, head = migrations.current_revision(engine), migrations.head_revision()
    if current != head:
        raise DatabaseUnavailable(
            f"schema is at {current or 'nothing'}, code needs {head}: run `geoops db migrate`"
        )
    return engine


def actor_name() -> str:
    import getpass

    return f"cli:{getpass.getuser()}"
