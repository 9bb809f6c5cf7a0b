"""HTML pages: the dispatcher's live map, the crew's alert page, the login form and the API docs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from geoops.api.deps import MaybeUserDep, SettingsDep
from geoops.errors import GeoopsError
from geoops.maps.crew_page import render_crew_page
from geoops.maps.live_map import render_live_map
from geoops.maps.login_page import render_login

router = APIRouter(tags=["pages"])


class AssetsMissing(GeoopsError):
    status = 503
    title = "Map assets missing"


@router.get("/", include_in_schema=False)
def root() -> RedirectResponse:
    return RedirectResponse("/map")


@router.get("/map", response_class=HTMLResponse, summary="Dispatcher live map (login needed)")
def live_map(settings: SettingsDep, user: MaybeUserDep) -> Response:
    if user is None:
        return RedirectResponse("/login?next=/map", status_code=303)
    if not (settings.assets_dir / "leaflet" / "dist" / "leaflet.js").exists():
        raise AssetsMissing(f"Leaflet is not installed under {settings.assets_dir}: run scripts/setup")
    return HTMLResponse(
        render_live_map(basemap_url=settings.basemap_url, user=user.name, role=user.role.value)
    )


@router.get(
    "/crew", response_class=HTMLResponse, summary="The caller's alerts on a phone, live (login needed)"
)
def crew_page(user: MaybeUserDep) -> Response:
    if user is None:
        return RedirectResponse("/login?next=/crew", status_code=303)
    return HTMLResponse(render_crew_page(user=user.name, role=user.role.value))


@router.get("/login", response_class=HTMLResponse, summary="Login form")
def login_page(next_page: Annotated[str, Query(alias="next", max_length=200)] = "/map") -> HTMLResponse:
    return HTMLResponse(render_login(next_page))


@router.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    """Swagger UI from the npm package that setup installs (no CDN)."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="geoops API",
        swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/static/geoops/favicon.svg",
    )
