"""Load a boundary file as one management level, then relink every incident to it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from geoops.domain import EventKind
from geoops.errors import InvalidInput
from geoops.store.events import append_event
from geoops.store.jurisdictions import (
    LoadSummary,
    level_rank,
    load_jurisdictions,
    recompute_incident_jurisdictions,
)
from geoops.vector_files import read_vector_file

# Tried in order, ignoring case: plain names, geoBoundaries, Natural Earth, GADM.
NAME_FIELDS = ("name", "shapeName", "name_en", "name_long", "NAME_1", "NAME_2", "NAME_3")
CODE_FIELDS = ("shapeISO", "code", "iso", "iso_3166_2", "iso_a2", "ref", "HASC_1", "HASC_2", "GID_1")


def load_jurisdiction_file(
    path: Path,
    *,
    level: str,
    levels: list[str],
    name_field: str | None = None,
    code_field: str | None = None,
    parent_level: str | None = None,
    session: Session,
) -> LoadSummary:
    """Upsert the features of ``path`` as ``level`` jurisdictions, nest them under their
    parents, relink all incidents and record a ``jurisdictions.loaded`` event."""
    level_rank(level, levels)  # an unknown level fails before the file is read
    frame = read_vector_file(path)
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    name_field = name_field or _detect(NAME_FIELDS, columns)
    if name_field is None:
        raise InvalidInput(f"no name column found: pass --name-field; the columns are {', '.join(columns)}")
    summary = load_jurisdictions(
        frame,
        level=level,
        levels=levels,
        name_field=name_field,
        code_field=code_field or _detect(CODE_FIELDS, columns),
        parent_level=parent_level,
        session=session,
    )
    added, removed = recompute_incident_jurisdictions(session=session)
    summary.incident_links_added, summary.incident_links_removed = added, removed
    payload = summary.as_dict()
    payload["file"] = path.name
    payload["errors"] = payload["errors"][:20]  # the CLI prints them all; an event stays small
    append_event(EventKind.JURISDICTIONS_LOADED, payload, session=session)
    return summary


def _detect(candidates: tuple[str, ...], columns: list[str]) -> str | None:
    """The first candidate among ``columns``, ignoring case."""
    by_lower = {c.lower(): c for c in reversed(columns)}
    return next((by_lower[c.lower()] for c in candidates if c.lower() in by_lower), None)
