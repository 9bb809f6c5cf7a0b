"""Citizen and crew reports over HTTP: JSON and multipart with photos, tracking, spam
defences, duplicates, and staff answering in their own territory (real PostGIS)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational
from sqlalchemy import Engine

from geoops.api.app import create_app
from geoops.settings import Settings
from tests.access.districts import add_jurisdiction
from tests.conftest import make_user

API = "/api/v1/reports"
YAKUTSK = (62.0300, 129.7300)  # lat, lon
CONTACT = "+7 914 000-00-00"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """Anonymous unless a call sends credentials."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params).mappings())


def report(lat: float = YAKUTSK[0], lon: float = YAKUTSK[1], **fields: Any) -> dict[str, Any]:
    return {"category": "smoke", "text": "Thick white smoke over the forest", "latitude": lat, "longitude": lon,
            **fields}  # fmt: skip


def post(client: TestClient, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    return client.post(API, json=body, headers=headers or {})


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def problem(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    detail: str = response.json()["detail"]
    return detail


def dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    degrees, minutes = int(value), int(value % 1 * 60)
    return IFDRational(degrees), IFDRational(minutes), IFDRational(round((value * 3600) % 60 * 1000), 1000)


def jpeg_with_exif(lat: float, lon: float, taken: datetime) -> bytes:
    """A small JPEG whose EXIF carries GPS, DateTimeOriginal (Yakutsk time) and a camera make."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "FieldCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update({ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: dms(lat),
                ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: dms(lon)})  # fmt: skip
    local = taken.astimezone(UTC) + timedelta(hours=9)
    camera = exif.get_ifd(ExifTags.IFD.Exif)
    camera[ExifTags.Base.DateTimeOriginal] = local.strftime("%Y:%m:%d %H:%M:%S")
    camera[ExifTags.Base.OffsetTimeOriginal] = "+09:00"
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (210, 90, 40)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_json_report_round_trip_with_tracking_token(client: TestClient, engine: Engine) -> None:
    seen = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=20)
    body = created(post(client, report(accuracy_m=25, reported_at=seen.isoformat(), contact=CONTACT)))
    assert body["reporter_kind"] == "citizen" and body["duplicate_of"] is None
    assert body["tracking_url"].endswith(f"/report/track/{body['tracking_token']}")
    tracked = client.get(f"{API}/track/{body['tracking_token']}")
    assert tracked.status_code == 200, tracked.text
    status = tracked.json()
    assert status["id"] == body["id"] and status["status"] == "received" and status["answer"] is None
    assert status["incident_number"] is None and status["category"] == "smoke"
    assert datetime.fromisoformat(status["reported_at"]) == seen
    assert "contact" not in status and CONTACT not in tracked.text
    stored = rows(engine, "SELECT *, ST_Y(geom) AS lat, ST_X(geom) AS lon FROM reports")
    assert len(stored) == 1 and stored[0]["contact"] == CONTACT and stored[0]["accuracy_m"] == 25
    assert (stored[0]["lat"], stored[0]["lon"]) == YAKUTSK
    assert body["tracking_token"] not in stored[0]["tracking_hash"]  # only a keyed hash is kept
    events = rows(engine, "SELECT kind, payload FROM events WHERE kind = 'report.received'")
    assert len(events) == 1 and events[0]["payload"]["report_id"] == body["id"]
    assert events[0]["payload"]["latitude"] == YAKUTSK[0] and "contact" not in events[0]["payload"]
    assert client.get(f"{API}/track/{'x' * 24}").status_code == 404


def test_multipart_photo_exif_fills_place_and_time_and_public_copy_is_clean(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    taken = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    photo = jpeg_with_exif(61.5, 130.25, taken)
    response = client.post(API, data={"category": "open_fire", "text": "Flames by the road"},
                           files={"photo": ("IMG_0001.jpg", photo, "image/jpeg")})  # fmt: skip
    body = created(response)
    assert body["photos"] == 1
    assert body["latitude"] == pytest.approx(61.5, abs=1e-6)
    assert body["longitude"] == pytest.approx(130.25, abs=1e-6)
    assert datetime.fromisoformat(body["reported_at"]) == taken
    (row,) = rows(engine, "SELECT *, ST_Y(exif_geom) AS lat FROM report_photos")
    assert row["content_type"] == "image/jpeg" and row["bytes"] == len(photo) and row["taken_at"] == taken
    assert row["lat"] == pytest.approx(61.5, abs=1e-6)
    original, public = settings.data_dir / row["stored_path"], settings.data_dir / row["public_path"]
    assert original.read_bytes() == photo and original.parent == settings.data_dir / "photos" / str(
        body["id"]
    )
    assert Image.open(original).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the original keeps its EXIF
    (url,) = client.get(f"{API}/track/{body['tracking_token']}").json()["photos"]
    served = client.get(url)
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.content == public.read_bytes()
    clean = Image.open(io.BytesIO(served.content))
    assert clean.format == "JPEG" and clean.size == (80, 60)
    assert not clean.getexif() and b"Exif" not in served.content and b"FieldCam" not in served.content
    assert client.get(f"{API}/{body['id']}/photos/{row['id']}").status_code == 401  # staff route


def test_photo_checks(client: TestClient, settings: Settings, engine: Engine) -> None:
    noise = Image.effect_noise((200, 200), 64).convert("RGB")
    big = io.BytesIO()
    noise.save(big, "PNG")
    small_limit = settings.model_copy(update={"report_photo_max_mb": len(big.getvalue()) / 2 / 2**20})
    with TestClient(create_app(small_limit), raise_server_exceptions=False) as strict:
        files = {"photo": ("big.png", big.getvalue(), "image/png")}
        assert "larger than" in problem(strict.post(API, data=report(), files=files), 413)
    text = {"photo": ("fire.jpg", b"this is not a picture at all", "image/jpeg")}
    assert "not a JPEG, PNG or WebP" in problem(client.post(API, data=report(), files=text), 422)
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    named_jpeg = {"photo": ("fire.jpg", gif.getvalue(), "image/jpeg")}  # judged by content, not by name
    assert "not a JPEG, PNG or WebP" in problem(client.post(API, data=report(), files=named_jpeg), 422)
    no_gps = io.BytesIO()
    Image.new("RGB", (10, 10)).save(no_gps, "PNG")
    files = {"photo": ("p.png", no_gps.getvalue(), "image/png")}
    assert "location is needed" in problem(client.post(API, data={"category": "smoke"}, files=files), 422)
    assert rows(engine, "SELECT count(*) AS n FROM reports")[0]["n"] == 0


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"latitude": 91}, "latitude"),
        ({"longitude": -180.5}, "longitude"),
        ({"latitude": "north"}, "latitude"),
        ({"latitude": 0, "longitude": 0}, "missing location"),
        ({"latitude": None}, "both latitude and longitude"),
        ({"category": "ufo"}, "category must be one of"),
        ({"category": "other", "text": ""}, "required for the category other"),
        ({"text": "!!! ??? ..."}, "no letters or digits"),
        ({"text": "   "}, "no letters or digits"),
        ({"text": "aaaaaaaa"}, "one character repeated"),
        ({"text": "x" * 2001}, "longer than 2000"),
        ({"contact": "c" * 201}, "contact is longer"),
        ({"reported_at": "2999-01-01T00:00:00Z"}, "in the future"),
        ({"reported_at": "2001-01-01T00:00:00Z"}, "older than"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_reports_are_422_with_a_reason(client: TestClient, change: dict[str, Any], reason: str) -> None:
    assert reason in problem(post(client, report(**change)), 422)


def test_bad_bodies(client: TestClient) -> None:
    assert "not JSON" in problem(
        client.post(API, content=b"{oops", headers={"Content-Type": "application/json"}), 422
    )
    assert "JSON object" in problem(client.post(API, json=[1, 2]), 422)
    problem(client.post(API, content=b"category=smoke", headers={"Content-Type": "text/plain"}), 415)
    photo_as_text = {**report(), "photo": "not a file"}
    assert "photo must be a file" in problem(client.post(API, data=photo_as_text), 422)


def test_rate_limit_per_anonymous_client(client: TestClient, admin_headers: dict[str, str]) -> None:
    for n in range(5):  # a kilometre apart, so none is a duplicate
        created(post(client, report(lat=60 + n * 0.01)))
    response = post(client, report(lat=61))
    assert "at most 5 reports per 10 minutes" in problem(response, 429)
    assert int(response.headers["retry-after"]) > 0
    for n in range(6):  # logged-in staff are accountable and not limited
        assert created(post(client, report(lat=50 + n * 0.01), admin_headers))["reporter_kind"] == "crew"


def test_duplicates_are_linked_and_both_tokens_follow_the_original(
    client: TestClient, engine: Engine, admin_headers: dict[str, str]
) -> None:
    first = created(post(client, report()))
    second = created(post(client, report(lat=YAKUTSK[0] + 0.001, text="Smoke again")))  # ~110 m away
    assert second["duplicate_of"] == first["id"]
    other_kind = created(post(client, report(category="open_fire")))
    far = created(post(client, report(lat=YAKUTSK[0] + 0.02)))  # ~2.2 km away
    assert other_kind["duplicate_of"] is None and far["duplicate_of"] is None
    listed = client.get(API, headers=admin_headers).json()["features"]
    assert {f["id"] for f in listed} == {first["id"], other_kind["id"], far["id"]}
    original = client.get(f"{API}/{first['id']}", headers=admin_headers).json()
    assert original["properties"]["duplicate_ids"] == [second["id"]]
    answer = {"status": "verified", "answer": "A crew is on its way."}
    assert client.patch(f"{API}/{first['id']}", json=answer, headers=admin_headers).status_code == 200
    for token in (first["tracking_token"], second["tracking_token"]):
        status = client.get(f"{API}/track/{token}").json()
        assert (status["status"], status["answer"]) == ("verified", "A crew is on its way.")
    assert client.get(f"{API}/track/{second['tracking_token']}").json()["linked_to_earlier"] is True
    assert "duplicate of report" in problem(
        client.patch(f"{API}/{second['id']}", json=answer, headers=admin_headers), 422
    )


@pytest.fixture
def territory(engine: Engine, settings: Settings) -> dict[str, dict[str, str]]:
    """Dispatchers of a district around Yakutsk (A) and of another one (B), a crew and a viewer of A."""
    a = add_jurisdiction(engine, "Around Yakutsk", "district", 2, (125.0, 60.0, 135.0, 65.0))
    b = add_jurisdiction(engine, "Elsewhere", "district", 2, (100.0, 55.0, 110.0, 60.0))
    who = {"dispatcher_a": ("dispatcher", a), "dispatcher_b": ("dispatcher", b), "crew_a": ("crew", a),
           "viewer_a": ("viewer", a)}  # fmt: skip
    return {name: {"Authorization": f"Bearer {make_user(engine, settings, name, role, [j])}"}
            for name, (role, j) in who.items()}  # fmt: skip


def test_staff_answer_in_their_territory_shows_on_the_track_page(
    client: TestClient, engine: Engine, territory: dict[str, dict[str, str]]
) -> None:
    filed = created(post(client, report(contact=CONTACT)))
    url, token = f"{API}/{filed['id']}", filed["tracking_token"]
    assert problem(client.get(API), 401) and problem(client.get(url), 401)
    mine = client.get(url, headers=territory["dispatcher_a"]).json()
    assert mine["properties"]["contact"] == CONTACT and mine["geometry"]["coordinates"] == [
        YAKUTSK[1],
        YAKUTSK[0],
    ]
    crew_view = client.get(API, headers=territory["crew_a"]).json()["features"]
    assert [f["id"] for f in crew_view] == [filed["id"]] and "contact" not in crew_view[0]["properties"]
    assert client.get(API, headers=territory["dispatcher_b"]).json()["features"] == []
    assert problem(client.get(url, headers=territory["dispatcher_b"]), 404) == f"no report {filed['id']}"
    change = {"status": "resolved", "answer": "Extinguished by the forest guard."}
    problem(client.patch(url, json=change, headers=territory["dispatcher_b"]), 404)
    problem(client.patch(url, json=change, headers=territory["viewer_a"]), 403)
    patched = client.patch(url, json=change, headers=territory["dispatcher_a"])
    assert patched.status_code == 200 and patched.json()["properties"]["status"] == "resolved"
    status = client.get(f"{API}/track/{token}").json()
    assert status["status"] == "resolved" and status["answer"] == change["answer"] and status["answered_at"]
    page = client.get(f"/report/track/{token}")
    assert (
        page.status_code == 200
        and "Extinguished by the forest guard." in page.text
        and "Resolved" in page.text
    )
    assert CONTACT not in page.text
    assert client.get(f"/report/track/{'y' * 24}").status_code == 404
    (audit,) = rows(engine, "SELECT * FROM audit_log WHERE action = 'report.update'")
    assert audit["user_name"] == "dispatcher_a" and audit["before"]["status"] == "received"
    assert audit["after"]["status"] == "resolved" and audit["object_id"] == str(filed["id"])


def test_linking_an_incident_shows_its_number(
    client: TestClient, engine: Engine, admin_headers: dict[str, str]
) -> None:
    filed = created(post(client, report()))
    with engine.begin() as conn:
        incident = conn.execute(sa.text(
            "INSERT INTO incidents (number, first_observed_at, last_observed_at) "
            "VALUES ('2026-000042', now(), now()) RETURNING id")).scalar_one()  # fmt: skip
    url = f"{API}/{filed['id']}"
    assert "needs an incident_id" in problem(
        client.patch(url, json={"status": "linked"}, headers=admin_headers), 422
    )
    assert "no current incident" in problem(
        client.patch(url, json={"incident_id": 999}, headers=admin_headers), 422
    )
    linked = client.patch(url, json={"incident_id": incident}, headers=admin_headers)
    assert linked.status_code == 200 and linked.json()["properties"]["status"] == "linked"
    status = client.get(f"{API}/track/{filed['tracking_token']}").json()
    assert (status["status"], status["incident_number"]) == ("linked", "2026-000042")
    assert "Linked to incident 2026-000042" in client.get(f"/report/track/{filed['tracking_token']}").text


def test_staff_photo_route_is_scoped_and_original_is_for_dispatchers(
    client: TestClient, territory: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    photo = jpeg_with_exif(*YAKUTSK, datetime.now(UTC) - timedelta(hours=1))
    files = {"photo": ("a.jpg", photo, "image/jpeg")}
    filed = created(client.post(API, data={"category": "smoke"}, files=files))
    feature = client.get(f"{API}/{filed['id']}", headers=territory["crew_a"]).json()
    (url,) = feature["properties"]["photos"]
    assert client.get(url, headers=territory["crew_a"]).status_code == 200
    assert client.get(url, headers=territory["dispatcher_b"]).status_code == 404
    assert client.get(url, params={"original": True}, headers=territory["crew_a"]).status_code == 403
    original = client.get(url, params={"original": True}, headers=territory["dispatcher_a"])
    assert original.status_code == 200 and original.content == photo
