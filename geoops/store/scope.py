"""Jurisdiction scoping as SQL clauses: the one place that decides who sees which rows.

``scope`` is the list of jurisdiction ids a caller was given (their subtrees included),
or None for an administrator who sees everything. Every read of incidents, hotspots and
events goes through these clauses. The expressions they embed are column names from
geoops' own code, never user input; the scope itself is a bound parameter.
"""

from __future__ import annotations

from typing import Any

Scope = list[int] | None


def incident_clause(incident_id: str, scope: Scope, params: dict[str, Any]) -> str:
    """``incident_id`` (a SQL expression) names an incident in one of the scope's subtrees."""
    if scope is None:
        return "TRUE"
    params["scope"] = scope
    return (
        "EXISTS (SELECT 1 FROM incident_jurisdictions AS sij "
        "JOIN jurisdictions AS sj ON sj.id = sij.jurisdiction_id "
        f"WHERE sij.incident_id = {incident_id} AND sj.path && CAST(:scope AS integer[]))"
    )


def area_clause(geometry: str, scope: Scope, params: dict[str, Any]) -> str:
    """``geometry`` (a SQL expression) lies in one of the scope's jurisdictions."""
    if scope is None:
        return "TRUE"
    params["scope"] = scope
    return (
        "EXISTS (SELECT 1 FROM jurisdictions AS sj WHERE sj.id = ANY(CAST(:scope AS integer[])) "
        f"AND ST_Intersects(sj.geom, {geometry}))"
    )
