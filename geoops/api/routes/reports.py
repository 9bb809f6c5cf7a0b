"""Reports: anyone files one (JSON, or multipart with photos) and follows it by its tracking
token; staff read the reports in their territory, answer them and change their status."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from geoops.access.principal import Principal, Role
from geoops.api.audit import audit_write
from geoops.api.deps import MaybeUserDep, SessionDep, SettingsDep, UserDep, require_roles
from geoops.api.routes.geojson import GeoJSONResponse
from geoops.domain import EventKind
from geoops.errors import GeoopsError, InvalidInput, NotFound
from geoops.ingest.report_checks import Reporter, ReportFields, ReportRules
from geoops.ingest.reports import submit_report
from geoops.maps.report_page import render_report_form, render_track_page
from geoops.secrets_tokens import token_hash
from geoops.settings import Settings
from geoops.store.events import append_event
from geoops.store.reports import change_report, photo_paths, reports_for_staff, tracked_report

router = APIRouter(tags=["reports"])
API = "/api/v1/reports"
ReportStatus = Literal["received", "linked", "verified", "dismissed", "resolved"]
Token = Annotated[str, Path(min_length=16, max_length=64, description="The tracking token")]
ReportId = Annotated[int, Path(ge=1)]
CREW_ROLES = (Role.CREW, Role.DISPATCHER, Role.ADMIN)
_FIELDS = ReportFields.model_json_schema()
_BODY = {"requestBody": {"content": {
    "application/json": {"schema": _FIELDS},
    "multipart/form-data": {"schema": {**_FIELDS, "properties": {
        **_FIELDS["properties"], "photo": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
}}}  # fmt: skip


class UnsupportedMediaType(GeoopsError):
    status = 415
    title = "Unsupported media type"


def _reporter(request: Request, user: Principal | None) -> Reporter:
    """Anonymous citizens are rate-limited by address; logged-in users are accountable."""
    if user is None:
        return Reporter("citizen", client=f"ip:{request.client.host if request.client else 'unknown'}")
    return Reporter("crew" if user.role in CREW_ROLES else "citizen", user_id=user.user_id)


async def _submission(request: Request, rules: ReportRules) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
    """Fields and photos (name, at most one byte over the limit) from a JSON or form body."""
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media == "application/json":
        try:
            body = json.loads(await request.body())
        except ValueError as exc:
            raise InvalidInput(f"the body is not JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise InvalidInput("the body must be a JSON object")
        return body, []
    if media not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise UnsupportedMediaType("send application/json, or multipart/form-data with photo files")
    fields: dict[str, Any] = {}
    photos: list[tuple[str, bytes]] = []
    async with request.form(max_files=rules.photos_max, max_fields=50) as form:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile) != (key == "photo"):
                raise InvalidInput(
                    "photo must be a file" if key == "photo" else f"{key} must be a text field"
                )
            if isinstance(value, UploadFile):
                if value.filename or value.size:  # a form's empty file input sends an empty part
                    photos.append((value.filename or "photo", await value.read(rules.photo_max_bytes + 1)))
            else:
                fields[key] = value
    return fields, photos


@router.post(API, status_code=201, summary="File a report (JSON, or multipart with photo files)",
             openapi_extra=_BODY)  # fmt: skip
async def post_report(
    request: Request, session: SessionDep, settings: SettingsDep, user: MaybeUserDep
) -> dict[str, Any]:
    """No login needed. The tracking token is shown once; keep it to follow the report."""
    rules = ReportRules.from_settings(settings)
    fields, photos = await _submission(request, rules)
    done = await run_in_threadpool(
        lambda: submit_report(fields, photos, reporter=_reporter(request, user), rules=rules,
                              settings=settings, session=session)
    )  # fmt: skip
    base, report = str(request.base_url).rstrip("/"), done.report
    return {
        "id": done.id, "tracking_token": done.tracking_token,
        "tracking_url": f"{base}/report/track/{done.tracking_token}",
        "tracking_api": f"{base}{API}/track/{done.tracking_token}",
        "duplicate_of": done.duplicate_of, "category": report.category, "reporter_kind": report.reporter_kind,
        "latitude": report.latitude, "longitude": report.longitude, "accuracy_m": report.accuracy_m,
        "reported_at": report.reported_at, "photos": len(done.photo_ids),
    }  # fmt: skip


def _tracking(token: str, *, session: Session, settings: Settings) -> dict[str, Any] | None:
    found = tracked_report(token_hash(token, settings.secret_key.get_secret_value()), session=session)
    if found is None:
        return None
    photo_ids = found.pop("photo_ids")
    return {**found, "photos": [f"{API}/track/{token}/photos/{p}" for p in photo_ids]}


@router.get(f"{API}/track/{{token}}", summary="A report's status and answer, by its tracking token")
def track_report(session: SessionDep, settings: SettingsDep, token: Token) -> dict[str, Any]:
    """Public: status, official answer, linked incident number and photos; never the contact."""
    found = _tracking(token, session=session, settings=settings)
    if found is None:
        raise NotFound("no report has this tracking token")
    return found


@router.get(f"{API}/track/{{token}}/photos/{{photo_id}}", summary="A tracked report's photo (no metadata)")
def track_photo(session: SessionDep, settings: SettingsDep, token: Token, photo_id: ReportId) -> FileResponse:
    secret = settings.secret_key.get_secret_value()
    paths = photo_paths(photo_id, tracking_hash=token_hash(token, secret), session=session)
    return _photo_file(paths, settings, original=False)


def _photo_file(paths: dict[str, Any] | None, settings: Settings, *, original: bool) -> FileResponse:
    path = None if paths is None else settings.data_dir / paths["stored_path" if original else "public_path"]
    if paths is None or path is None or not path.is_file():
        raise NotFound("no such photo")
    headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return FileResponse(path, media_type=paths["content_type"], headers=headers)


def _feature(row: dict[str, Any], user: Principal) -> dict[str, Any]:
    """A report as GeoJSON; the contact only for dispatchers and administrators."""
    props = {k: v for k, v in row.items() if k not in ("longitude", "latitude", "photo_ids")}
    if user.role not in (Role.DISPATCHER, Role.ADMIN):
        props.pop("contact")
    props["photos"] = [f"{API}/{row['id']}/photos/{p}" for p in row["photo_ids"]]
    point = {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]}
    return {"type": "Feature", "id": row["id"], "geometry": point, "properties": props}


@router.get(API, response_class=GeoJSONResponse, summary="Reports in your territory, newest first")
def list_reports(
    session: SessionDep,
    user: UserDep,
    status: Annotated[list[ReportStatus] | None, Query(description="Repeat to allow several")] = None,
    duplicates: Annotated[bool, Query(description="Also list reports linked to an earlier one")] = False,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> Any:
    rows = reports_for_staff(
        session=session, scope=user.scope, statuses=status, duplicates=duplicates, limit=limit
    )
    return {"type": "FeatureCollection", "features": [_feature(r, user) for r in rows]}


@router.get(f"{API}/{{report_id}}", response_class=GeoJSONResponse, summary="One report (staff)")
def get_report(session: SessionDep, user: UserDep, report_id: ReportId) -> Any:
    rows = reports_for_staff(session=session, scope=user.scope, ids=[report_id], duplicates=True, limit=1)
    if not rows:
        raise NotFound(f"no report {report_id}")
    return _feature(rows[0], user)


class ReportChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: ReportStatus | None = None
    answer: str | None = Field(default=None, max_length=5000, description="Official answer; null clears it")
    incident_id: int | None = Field(default=None, ge=1, description="The incident this report is evidence of")


@router.patch(f"{API}/{{report_id}}", response_class=GeoJSONResponse, summary="Answer a report (dispatchers)")
def patch_report(
    session: SessionDep,
    user: Annotated[Principal, Depends(require_roles(Role.DISPATCHER))],
    report_id: ReportId,
    change: ReportChange,
) -> Any:
    changes = change.model_dump(exclude_unset=True)
    if not changes or changes.get("status", "") is None:
        raise InvalidInput("give a status, an answer or an incident_id")
    if "answer" in changes:
        changes["answer"] = (changes["answer"] or "").strip() or None
    before, after = change_report(report_id, changes, scope=user.scope, session=session)
    audit_write(
        user, "report.update", "report", object_id=report_id, before=before, after=after, session=session
    )
    event = {"report_id": report_id, "status": after["status"], "incident_id": after["incident_id"]}
    append_event(EventKind.REPORT_UPDATED, event, session=session)
    return get_report(session, user, report_id)


@router.get(f"{API}/{{report_id}}/photos/{{photo_id}}", summary="A report's photo (staff)")
def report_photo(
    session: SessionDep, settings: SettingsDep, user: UserDep, report_id: ReportId, photo_id: ReportId,
    original: Annotated[bool, Query(description="The file as sent, EXIF included (dispatchers)")] = False,
) -> FileResponse:  # fmt: skip
    if original:
        user.require(Role.DISPATCHER)
    paths = photo_paths(photo_id, report_id=report_id, scope=user.scope, session=session)
    return _photo_file(paths, settings, original=original)


@router.get("/report", response_class=HTMLResponse, tags=["pages"], summary="The report form (no login)")
def report_form(settings: SettingsDep) -> HTMLResponse:
    page = render_report_form(
        settings.report_categories, basemap_url=settings.basemap_url, text_max=settings.report_text_max_chars
    )
    return HTMLResponse(page)


@router.get("/report/track/{token}", response_class=HTMLResponse, tags=["pages"], summary="A report's status")
def report_status_page(session: SessionDep, settings: SettingsDep, token: Token) -> HTMLResponse:
    found = _tracking(token, session=session, settings=settings)
    return HTMLResponse(render_track_page(found), status_code=200 if found else 404)
