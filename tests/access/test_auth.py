"""Authentication and the attacks of issue 4: missing, wrong, expired and revoked
credentials, wrong roles, SQL injection, oversized bodies, brute force, sessions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import quote

import httpx
import pytest
import sqlalchemy as sa
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine

from geoops.access.accounts import add_user, issue_token
from geoops.api.app import create_app
from geoops.errors import ConfigurationError, NotFound
from geoops.settings import Settings
from geoops.store.engine import transaction
from geoops.store.users import revoke_token
from tests.access.districts import DISTRICT_A, add_jurisdiction, firms_rows
from tests.api.test_health_and_problems import assert_problem
from tests.conftest import make_user
from tests.live_server import serve

PUBLIC = {"/", "/healthz", "/docs", "/openapi.json", "/login", "/map", "/crew", "/api/v1/auth/login", "/report",
          "/report/track/{token}", "/api/v1/reports/track/{token}", "/api/v1/reports/track/{token}/photos/{photo_id}"}  # fmt: skip
PUBLIC_CALLS = {("POST", "/api/v1/reports")}  # anyone may file a report; reading them needs a login
LAYERS = "/api/v1/layers"  # public layers are readable without credentials
PASSWORD = "a long test password"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """Sends no credentials of its own."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def district(engine: Engine) -> int:
    return add_jurisdiction(engine, "District A", "district", 2, DISTRICT_A)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def protected_routes(settings: Settings) -> list[tuple[str, str]]:
    """(method, path) of every API route but the public ones, path parameters set to 1."""
    found = []
    for route in iter_route_contexts(create_app(settings).routes):  # included routers too
        path, methods = route.path or "", route.methods or set()
        if isinstance(route.original_route, APIRoute) and path not in PUBLIC and not path.startswith(LAYERS):
            found += [
                (m, re.sub(r"\{[^}]+\}", "1", path)) for m in sorted(methods) if (m, path) not in PUBLIC_CALLS
            ]
    return found


def test_every_protected_route_is_401_without_credentials(client: TestClient, settings: Settings) -> None:
    routes = protected_routes(settings)
    assert {("GET", "/api/v1/incidents"), ("PATCH", "/api/v1/incidents/1"), ("GET", "/api/v1/events"),
            ("POST", "/api/v1/hotspots"), ("GET", "/api/v1/audit"), ("GET", "/api/v1/me")} <= set(routes)  # fmt: skip
    for method, path in routes:
        body = assert_problem(client.request(method, path, json={}), 401)
        assert body["instance"] == path


def test_wrong_role_is_403(client: TestClient, engine: Engine, settings: Settings, district: int) -> None:
    crew, viewer, dispatcher, clerk = (
        bearer(make_user(engine, settings, role, role, [district]))
        for role in ("crew", "viewer", "dispatcher", "clerk")
    )
    change = {"status": "contained", "reason": "not my call"}
    for who in (crew, viewer, clerk):
        assert_problem(client.patch("/api/v1/incidents/1", json=change, headers=who), 403)
    csv = firms_rows(100.0, 120.0)
    for who in (viewer, crew, clerk):
        assert_problem(client.post("/api/v1/hotspots", content=csv, headers=who), 403)
    assert_problem(client.get("/api/v1/audit", headers=dispatcher), 403)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM hotspots")).scalar_one() == 0


def test_expired_and_revoked_tokens_are_401(client: TestClient, engine: Engine, settings: Settings) -> None:
    token = make_user(engine, settings, "someone")
    with transaction(engine) as session:
        expired, _ = issue_token(
            "someone", settings=settings, session=session, lifetime=timedelta(seconds=-1)
        )
    assert client.get("/api/v1/me", headers=bearer(token)).json()["name"] == "someone"
    assert_problem(client.get("/api/v1/me", headers=bearer(expired)), 401)

    prefix = token.split("_")[1]  # go_<prefix>_<secret>
    with transaction(engine) as session:
        assert revoke_token(prefix=prefix, session=session) == 1
    assert_problem(client.get("/api/v1/me", headers=bearer(token)), 401)
    with transaction(engine) as session, pytest.raises(NotFound):
        revoke_token(prefix=prefix, session=session)


def table_state(engine: Engine) -> list[tuple[str, int]]:
    """Every table of the schema with its row count."""
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
        return [(n, conn.execute(sa.text(f'SELECT count(*) FROM "{n}"')).scalar_one()) for n in sorted(names)]


DROP = "'; DROP TABLE users; --"


@pytest.mark.parametrize(
    ("path", "params", "headers"),
    [
        ("/api/v1/incidents", {"status": "suspected' OR '1'='1"}, {}),
        ("/api/v1/incidents", {"status": f"confirmed{DROP}"}, {}),
        ("/api/v1/incidents", {"bbox": "100,50,140,70); DROP TABLE incidents; --"}, {}),
        ("/api/v1/hotspots", {"bbox": "0,0,1,1 OR 1=1"}, {}),
        ("/api/v1/incidents", {"since": f"2021-01-01{DROP}"}, {}),
        ("/api/v1/incidents/1 OR 1=1", {}, {}),
        (f"/api/v1/layers/{quote('regions' + DROP)}", {}, {}),
        ("/api/v1/events", {}, {"Last-Event-ID": "0; DROP TABLE events"}),
        ("/api/v1/events", {"after": "0 OR 1=1"}, {}),
    ],
)
def test_sql_injection_in_filters_is_a_client_error(
    client: TestClient, engine: Engine, admin_headers: dict[str, str], path: str, params: dict[str, str],
    headers: dict[str, str],
) -> None:  # fmt: skip
    before = table_state(engine)
    response = client.get(path, params=params, headers=admin_headers | headers)
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"
    assert table_state(engine) == before


def test_injection_in_a_source_name_is_stored_as_text(
    client: TestClient, engine: Engine, admin_headers: dict[str, str]
) -> None:
    name = "x'); DROP TABLE hotspots; --"
    csv = firms_rows(100.0, 120.0)
    response = client.post("/api/v1/hotspots", params={"source": name}, content=csv, headers=admin_headers)
    assert response.status_code == 200, response.text
    with engine.connect() as conn:
        sources = conn.execute(sa.text("SELECT DISTINCT source FROM hotspots")).scalars().all()
    assert sources == [name]


def test_injection_in_a_login_name_is_a_failed_login(client: TestClient, engine: Engine) -> None:
    add_login(engine, "admin", role="admin")
    before = [(t, n) for t, n in table_state(engine) if t != "login_attempts"]
    for name in ("admin' --", "admin' OR '1'='1", "' OR 1=1; DROP TABLE users; --"):
        response = client.post("/api/v1/auth/login", data={"name": name, "password": "anything at all"})
        assert_problem(response, 401)
        assert "set-cookie" not in response.headers
    assert [(t, n) for t, n in table_state(engine) if t != "login_attempts"] == before


def test_oversized_body_is_413_with_content_length_and_chunked(
    settings: Settings, engine: Engine, admin_headers: dict[str, str]
) -> None:
    small = settings.model_copy(update={"max_body_mb": 0.01})
    csv = firms_rows(100.0, 140.0)  # 122 rows, about 11 KB
    assert len(csv) > 0.01 * 2**20
    with TestClient(create_app(small), headers=admin_headers) as client:
        body = assert_problem(client.post("/api/v1/hotspots", content=csv), 413)
        assert body["title"] == "Payload too large"
    with serve(create_app(small)) as base:
        chunks = (csv[i : i + 1024] for i in range(0, len(csv), 1024))
        response = httpx.post(f"{base}/api/v1/hotspots", content=chunks, headers=admin_headers, timeout=30)
        assert response.request.headers.get("transfer-encoding") == "chunked"
        assert "content-length" not in response.request.headers
        assert_problem(response, 413)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM hotspots")).scalar_one() == 0


def add_login(engine: Engine, name: str, role: str = "dispatcher", where: list[int] | None = None) -> None:
    with transaction(engine) as session:
        add_user(
            name, role=role, password=PASSWORD, jurisdiction_ids=where or [], actor="test", session=session
        )


def test_brute_force_login_is_throttled(client: TestClient, engine: Engine) -> None:
    add_login(engine, "target", role="admin")
    add_login(engine, "bystander", role="admin")
    for _ in range(5):
        assert_problem(
            client.post("/api/v1/auth/login", data={"name": "target", "password": "guess 123456"}), 401
        )
    for name in ("target", "bystander"):  # by name, and by client: this client is throttled too
        throttled = client.post("/api/v1/auth/login", data={"name": name, "password": PASSWORD})
        assert_problem(throttled, 429)
        assert int(throttled.headers["retry-after"]) > 0 and "set-cookie" not in throttled.headers
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT name, success FROM login_attempts ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("target", False)] * 5


def test_login_form_sets_a_session_cookie_and_logout_revokes_it(
    client: TestClient, engine: Engine, district: int
) -> None:
    add_login(engine, "dispatcher", where=[district])
    assert_problem(
        client.post("/api/v1/auth/login", data={"name": "dispatcher", "password": "wrong one!"}), 401
    )
    response = client.post("/api/v1/auth/login", data={"name": "dispatcher", "password": PASSWORD})
    assert response.status_code == 204, response.text
    cookie = response.headers["set-cookie"]
    assert (
        cookie.startswith("geoops_session=") and "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    )
    token = response.cookies["geoops_session"]
    me = client.get("/api/v1/me")
    assert me.json() == {"name": "dispatcher", "role": "dispatcher", "jurisdictions": [district]}

    assert client.post("/api/v1/auth/logout").status_code == 204
    client.cookies.clear()
    assert_problem(client.get("/api/v1/me", headers={"Cookie": f"geoops_session={token}"}), 401)

    form = {"name": "dispatcher", "password": PASSWORD}
    back = client.post("/api/v1/auth/login", data=form | {"next": "/map"}, follow_redirects=False)
    assert (back.status_code, back.headers["location"]) == (303, "/map")
    for elsewhere in ("//evil.example/map", "https://evil.example/map"):
        stay = client.post("/api/v1/auth/login", data=form | {"next": elsewhere}, follow_redirects=False)
        assert stay.status_code == 204 and "location" not in stay.headers


def test_audit_log_is_append_only(engine: Engine, settings: Settings) -> None:
    make_user(engine, settings, "someone")
    with engine.connect() as conn:
        before = conn.execute(sa.text("SELECT * FROM audit_log ORDER BY id")).all()
    assert {r.action for r in before} == {"user.create", "token.create"}
    for sql in ("UPDATE audit_log SET user_name = 'nobody'", "DELETE FROM audit_log"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text(sql))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT * FROM audit_log ORDER BY id")).all() == before


@pytest.mark.parametrize("secret", ["change-me", ""])
def test_placeholder_secret_key_is_refused_unless_demo(settings: Settings, secret: str) -> None:
    placeholder = settings.model_copy(update={"secret_key": SecretStr(secret), "demo": False})
    with pytest.raises(ConfigurationError, match="GEOOPS_SECRET_KEY"):
        create_app(placeholder)
    assert create_app(placeholder.model_copy(update={"demo": True})).title == "geoops"
