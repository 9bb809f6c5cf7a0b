"""Status of the FIRMS sources that are polled, and of the inbox folder."""

from __future__ import annotations

from fastapi import APIRouter

from geoops.api.deps import SessionDep, UserDep
from geoops.store.sources import SourceStatus, list_sources

router = APIRouter(prefix="/api/v1/sources", tags=["sources"])


@router.get(
    "",
    summary="Every polled FIRMS source and the inbox: last check, success, error, rows, backoff",
)
def get_sources(session: SessionDep, user: UserDep) -> list[SourceStatus]:
    return list_sources(session=session)
