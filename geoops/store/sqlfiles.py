"""SQL that is really SQL lives in ``.sql`` files next to the stage that runs it."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load_sql(package: str, name: str) -> str:
    """The text of ``<package>/sql/<name>.sql``, read once."""
    return resources.files(package).joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")
