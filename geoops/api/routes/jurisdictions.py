"""Management levels: the jurisdiction tree and one jurisdiction with its incident counts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from geoops.api.deps import SessionDep, UserDep
from geoops.store.jurisdiction_reads import jurisdiction_detail, jurisdiction_tree

router = APIRouter(prefix="/api/v1/jurisdictions", tags=["jurisdictions"])


@router.get("", summary="The jurisdictions as a tree (region → district → municipality …)")
def get_jurisdictions(session: SessionDep, user: UserDep) -> list[dict[str, Any]]:
    return jurisdiction_tree(session=session, scope=user.scope)


@router.get(
    "/{jurisdiction_id}",
    summary="One jurisdiction: parent, children, outline and current incident counts by status",
)
def get_jurisdiction(
    session: SessionDep, user: UserDep, jurisdiction_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> dict[str, Any]:
    return jurisdiction_detail(jurisdiction_id, session=session, scope=user.scope)
