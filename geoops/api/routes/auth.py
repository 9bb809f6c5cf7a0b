"""Logging in and out, who am I, and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from geoops.access.accounts import login, logout
from geoops.access.principal import Principal, Role
from geoops.api.deps import SESSION_COOKIE, SessionDep, SettingsDep, UserDep, request_token, require_roles
from geoops.store.audit import audit_entries

router = APIRouter(prefix="/api/v1", tags=["auth"])


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/auth/login", summary="Log in with name and password (form); sets the session cookie")
def post_login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    name: Annotated[str, Form(min_length=1, max_length=64)],
    password: Annotated[str, Form(min_length=1, max_length=256)],
    next_page: Annotated[str | None, Form(alias="next", max_length=200)] = None,
) -> Response:
    token, expires = login(name, password, client=_client(request), settings=settings, session=session)
    target = next_page if next_page and next_page.startswith("/") and not next_page.startswith("//") else None
    response: Response = RedirectResponse(target, status_code=303) if target else Response(status_code=204)
    response.set_cookie(
        SESSION_COOKIE, token, expires=expires, httponly=True, samesite="strict",
        secure=request.url.scheme == "https", path="/",
    )  # fmt: skip
    return response


@router.post("/auth/logout", status_code=204, summary="End this session (revokes its token)")
def post_logout(request: Request, session: SessionDep, settings: SettingsDep, user: UserDep) -> Response:
    logout(request_token(request), settings=settings, session=session)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", summary="The caller: name, role and jurisdictions")
def me(user: UserDep) -> dict[str, Any]:
    return {"name": user.name, "role": user.role.value, "jurisdictions": list(user.jurisdiction_ids)}


@router.get("/audit", summary="The audit log, newest first (administrators)")
def get_audit(
    session: SessionDep,
    user: Annotated[Principal, Depends(require_roles(Role.ADMIN))],
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    before_id: Annotated[int | None, Query(ge=1, description="Page: entries older than this id")] = None,
) -> list[dict[str, Any]]:
    return audit_entries(session=session, limit=limit, before_id=before_id)
