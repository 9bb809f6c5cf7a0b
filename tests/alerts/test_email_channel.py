"""The e-mail channel against real aiosmtpd servers: one that takes mail, ones that refuse it."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from geoops.alerts.channels.base import Delivery, DeliveryFailed, NotConfigured, make_channel
from geoops.alerts.channels.registry import load_channels
from geoops.alerts.channels.smtp import parse_smtp_url
from geoops.errors import ConfigurationError
from tests.alerts.conftest import MESSAGE, channel_settings, delivery, failure_on, free_port, send_on
from tests.alerts.receivers import Mailbox, running

TO = "duty-officer@sakha.example"
SENDER = "alerts@geoops.example"


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def smtp_url(mailbox: Mailbox) -> Iterator[str]:
    for controller in running(mailbox):
        yield f"smtp://127.0.0.1:{controller.port}"


def send(target: Delivery, **settings: Any) -> None:
    send_on("email", target, smtp_from=SENDER, **settings)


def failure(target: Delivery, **settings: Any) -> DeliveryFailed:
    return failure_on("email", target, smtp_from=SENDER, **settings)


def test_an_alert_arrives_as_plain_text_mail_with_its_details(mailbox: Mailbox, smtp_url: str) -> None:
    send(delivery(TO, channel="email", key="alert-42-jurisdiction-12"), smtp_url=smtp_url)
    [envelope] = mailbox.envelopes
    assert envelope.mail_from == SENDER and envelope.rcpt_tos == [TO]
    [mail] = mailbox.messages()
    assert mail["Subject"] == MESSAGE.title
    assert mail["From"] == SENDER and mail["To"] == TO
    assert mail["X-Geoops-Idempotency-Key"] == "alert-42-jurisdiction-12"
    assert mail["Message-ID"].startswith("<alert.") and mail["Message-ID"].endswith("@geoops.example>")
    body = mail.get_content().replace("\r\n", "\n")
    assert body.startswith("Подтверждён лесной пожар: 120.5 ha, 17 hotspots.\n")
    for line in ("Priority: critical", "Incident: 14-2026-0042", "Area: 120.5 ha"):
        assert line in body.splitlines()
    assert "Acknowledge: https://geoops.example/incidents/7" in body.splitlines()


def test_a_repeated_attempt_has_the_same_message_id_and_another_alert_another(
    mailbox: Mailbox, smtp_url: str
) -> None:
    for key in ("alert-42-jurisdiction-12", "alert-42-jurisdiction-12", "alert-43-jurisdiction-12"):
        send(delivery(TO, channel="email", key=key), smtp_url=smtp_url)
    first, again, other = (mail["Message-ID"] for mail in mailbox.messages())
    assert first == again != other


def test_a_refused_recipient_is_not_retried_and_the_reason_quotes_the_server() -> None:
    for controller in running(Mailbox("550 5.1.1 No such user here")):
        failed = failure(delivery(TO, channel="email"), smtp_url=f"smtp://127.0.0.1:{controller.port}")
    assert failed.retryable is False
    assert failed.reason.endswith(f"refused {TO}: 550 5.1.1 No such user here")


def test_a_temporary_refusal_is_retried() -> None:
    for controller in running(Mailbox("451 4.7.1 Greylisted, try again later")):
        failed = failure(delivery(TO, channel="email"), smtp_url=f"smtp://127.0.0.1:{controller.port}")
    assert failed.retryable is True
    assert "451 4.7.1 Greylisted" in failed.reason


def test_a_server_that_is_down_is_retried() -> None:
    port = free_port()
    failed = failure(delivery(TO, channel="email"), smtp_url=f"smtp://127.0.0.1:{port}")
    assert failed.retryable is True
    assert failed.reason == f"SMTP server 127.0.0.1:{port} unreachable: Connection refused"


def test_without_an_smtp_server_the_channel_is_not_configured() -> None:
    with pytest.raises(NotConfigured) as caught:
        send(delivery(TO, channel="email"), smtp_url=None)
    assert caught.value.retryable is True
    assert caught.value.reason == "no SMTP server: set GEOOPS_SMTP_URL"


def test_a_target_that_is_not_an_address_is_not_retried(smtp_url: str) -> None:
    failed = failure(delivery("duty officer\r\nBcc: all@example.com", channel="email"), smtp_url=smtp_url)
    assert failed.retryable is False and failed.reason.startswith("not an e-mail address: ")


def test_credentials_in_the_url_are_used_to_log_in(mailbox: Mailbox) -> None:
    seen: list[tuple[str, str]] = []

    def authenticator(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        seen.append((data.login.decode(), data.password.decode()))
        return AuthResult(success=data.password == b"p@ss word", handled=False)  # False: answer 535

    for controller in running(mailbox, authenticator=authenticator, auth_require_tls=False):
        url = f"smtp://geoops:p%40ss%20word@127.0.0.1:{controller.port}"
        send(delivery(TO, channel="email"), smtp_url=url)
        failed = failure(delivery(TO, channel="email"), smtp_url=url.replace("%20word", "-wrong"))
    assert seen[0] == ("geoops", "p@ss word")
    assert set(seen[1:]) == {("geoops", "p@ss-wrong")}  # smtplib tries PLAIN, then LOGIN
    assert len(mailbox.envelopes) == 1
    assert failed.retryable is False and failed.reason.endswith(
        "refused the login: 535 5.7.8 Authentication credentials invalid"
    )


def test_smtps_checks_the_server_certificate(tmp_path: Path, mailbox: Mailbox) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    for controller in running(mailbox, ssl_context=context):
        failed = failure(delivery(TO, channel="email"), smtp_url=f"smtps://127.0.0.1:{controller.port}")
    assert failed.retryable is True and "CERTIFICATE_VERIFY_FAILED" in failed.reason
    assert mailbox.envelopes == []  # a self-signed certificate is not trusted


def test_smtp_urls_are_parsed_and_bad_ones_refused() -> None:
    assert parse_smtp_url("smtp://mail.example").port == 25
    server = parse_smtp_url("smtps://user%40x:secret@mail.example")
    assert (server.host, server.port, server.tls, server.username) == ("mail.example", 465, True, "user@x")
    load_channels()
    for url in ("http://mail.example", "smtp://", "smtp://mail.example:99999"):
        with pytest.raises(ConfigurationError):
            make_channel("email", channel_settings(smtp_url=url))
    with pytest.raises(ConfigurationError) as caught:
        parse_smtp_url("smtp://user:hunter2@mail.example:x")
    assert "hunter2" not in caught.value.detail
