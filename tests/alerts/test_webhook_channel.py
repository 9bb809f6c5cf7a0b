"""The webhook channel against a real HTTP receiver (Starlette on uvicorn, in a thread)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from geoops.alerts.channels.base import Delivery, DeliveryFailed
from geoops.alerts.channels.webhook import sign, verify_signature
from tests.alerts.conftest import delivery, failure_on, free_port, send_on
from tests.alerts.receivers import ELSEWHERE, SLOW_S, Received, Receiver, receiver_app
from tests.live_server import serve

SECRET = "whsec-test-0123456789"


@pytest.fixture(scope="module")
def server() -> Iterator[Receiver]:
    requests: list[Received] = []
    with serve(receiver_app(requests)) as url:
        yield Receiver(url, requests)


@pytest.fixture
def receiver(server: Receiver) -> Receiver:
    server.requests.clear()
    return server


def send(target: Delivery, **settings: Any) -> None:
    send_on("webhook", target, **settings)


def failure(target: Delivery, **settings: Any) -> DeliveryFailed:
    return failure_on("webhook", target, **settings)


def test_a_delivered_alert_is_json_signed_and_carries_the_idempotency_key(receiver: Receiver) -> None:
    send(delivery(f"{receiver.url}/hook", secret=SECRET, key="alert-42-sub-5"))
    [request] = receiver.requests
    headers, body = request.headers, request.body
    assert headers["content-type"] == "application/json"
    assert headers["idempotency-key"] == "alert-42-sub-5"
    payload = json.loads(body)
    assert payload["idempotency_key"] == "alert-42-sub-5"
    assert payload["id"] == 42 and payload["incident"]["number"] == "14-2026-0042"
    assert payload["text"].startswith("Подтверждён")
    timestamp, signature = headers["x-geoops-timestamp"], headers["x-geoops-signature"]
    assert signature.startswith("sha256=") and abs(int(timestamp) - time.time()) < 60
    assert verify_signature(SECRET, timestamp, body, signature, now=time.time())


def test_a_tampered_body_a_wrong_secret_or_an_old_timestamp_fail_verification(receiver: Receiver) -> None:
    send(delivery(f"{receiver.url}/hook", secret=SECRET))
    [request] = receiver.requests
    timestamp, signature, body = (
        request.headers["x-geoops-timestamp"], request.headers["x-geoops-signature"], request.body,
    )  # fmt: skip
    now = int(timestamp)
    assert verify_signature(SECRET, timestamp, body, signature, now=now + 299)
    assert not verify_signature(SECRET, timestamp, body.replace(b"critical", b"low"), signature, now=now)
    assert not verify_signature("another-secret", timestamp, body, signature, now=now)
    assert not verify_signature(SECRET, timestamp, body, signature, now=now + 301)  # replayed later
    assert not verify_signature(SECRET, timestamp, body, signature, now=now - 301)
    assert not verify_signature(SECRET, str(now + 1), body, signature, now=now)
    assert not verify_signature(SECRET, "12abc", body, sign(SECRET, "12abc", body), now=12)


def test_without_a_secret_there_is_no_signature(receiver: Receiver) -> None:
    send(delivery(f"{receiver.url}/hook"))
    [request] = receiver.requests
    assert "x-geoops-signature" not in request.headers
    assert request.headers["idempotency-key"] == "alert-42-jurisdiction-12"


def test_a_host_name_is_resolved_and_sent_as_the_host_header(receiver: Receiver) -> None:
    port = receiver.url.rsplit(":", 1)[1]
    send(delivery(f"http://localhost:{port}/hook"))
    [request] = receiver.requests
    assert request.headers["host"] == f"localhost:{port}"


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(500, True), (503, True), (429, True), (408, True), (400, False), (404, False), (410, False)],
)
def test_the_answer_decides_whether_a_failure_is_retried(
    receiver: Receiver, status: int, retryable: bool
) -> None:
    failed = failure(delivery(f"{receiver.url}/status/{status}"))
    assert failed.retryable is retryable
    assert failed.reason.startswith(f"127.0.0.1 answered {status} ")
    excerpt = failed.reason.split(": ", 1)[1]  # of the answer's body: one line, cut short
    assert excerpt.startswith("receiver says no xxx") and len(excerpt) <= 200
    assert len(receiver.requests) == 1


def test_a_redirect_is_not_followed(receiver: Receiver) -> None:
    failed = failure(delivery(f"{receiver.url}/status/302"))
    assert failed.retryable is False
    assert failed.reason == f"redirects are not followed: 302 to {ELSEWHERE}"
    assert [r.path for r in receiver.requests] == ["/status/302"]


def test_a_receiver_slower_than_the_timeout_is_retried(receiver: Receiver) -> None:
    started = time.monotonic()
    failed = failure(delivery(f"{receiver.url}/slow"), webhook_timeout_seconds=0.3)
    assert time.monotonic() - started < SLOW_S
    assert failed.retryable is True
    assert failed.reason == "127.0.0.1 did not answer within 0.3s"


def test_a_receiver_that_is_down_is_retried() -> None:
    failed = failure(delivery(f"http://127.0.0.1:{free_port()}/hook"))
    assert failed.retryable is True
    assert failed.reason.startswith("cannot reach 127.0.0.1: ")


def test_a_host_that_does_not_resolve_is_retried() -> None:
    failed = failure(delivery("https://no-such-host.invalid/hook"), webhook_allow_private=False)
    assert failed.retryable is True
    assert failed.reason.startswith("cannot resolve no-such-host.invalid: ")


def test_loopback_is_refused_unless_private_addresses_are_allowed(receiver: Receiver) -> None:
    failed = failure(delivery(f"{receiver.url}/hook"), webhook_allow_private=False)
    assert failed.retryable is False
    assert failed.reason.startswith("refused: 127.0.0.1 resolves to 127.0.0.1, a loopback address")
    port = receiver.url.rsplit(":", 1)[1]
    failed = failure(delivery(f"http://localhost:{port}/hook"), webhook_allow_private=False)
    assert failed.reason.startswith("refused: localhost resolves to ")
    assert receiver.requests == []
    send(delivery(f"{receiver.url}/hook"), webhook_allow_private=True)
    assert len(receiver.requests) == 1


@pytest.mark.parametrize(
    ("url", "address", "kind"),
    [
        ("http://10.1.2.3/hook", "10.1.2.3", "private"),
        ("http://192.168.0.10:8080/hook", "192.168.0.10", "private"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254", "link-local"),  # cloud metadata
        ("http://0.0.0.0/hook", "0.0.0.0", "unspecified"),
        ("http://224.0.0.1/hook", "224.0.0.1", "multicast"),
        ("http://240.0.0.1/hook", "240.0.0.1", "reserved"),
        ("http://100.64.0.1/hook", "100.64.0.1", "non-public"),  # carrier-grade NAT
        ("http://[::1]/hook", "::1", "loopback"),
        ("http://[::ffff:127.0.0.1]/hook", "::ffff:7f00:1", "loopback"),
        ("http://[fd00::1]/hook", "fd00::1", "private"),
        ("http://[fe80::1]/hook", "fe80::1", "link-local"),
    ],
)
def test_non_public_addresses_are_refused_before_connecting(url: str, address: str, kind: str) -> None:
    failed = failure(delivery(url), webhook_allow_private=False)
    assert failed.retryable is False
    assert f"resolves to {address}, a {kind} address" in failed.reason


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "file:///etc/passwd", "example.com/hook"])
def test_only_http_and_https_urls_are_used(url: str) -> None:
    failed = failure(delivery(url), webhook_allow_private=True)
    assert failed.retryable is False
    assert failed.reason.startswith("webhooks must be http:// or https:// URLs, not ")
