"""The e-mail channel: one plain-text message per alert, sent with smtplib in a worker thread.

``smtp://[user:password@]host[:port]`` is plain SMTP (port 25); ``smtps://`` is TLS from the
first byte (port 465) with the certificate checked. One connection per message: alerts are
few, and servers drop idle connections anyway. The ``Message-ID`` is derived from the
idempotency key, so a repeated attempt is the same message to mail systems that drop repeats.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import unquote, urlsplit

from geoops.alerts.channels.base import Channel, Delivery, DeliveryFailed, NotConfigured, register
from geoops.alerts.message import AlertMessage
from geoops.errors import ConfigurationError
from geoops.settings import Settings

log = logging.getLogger(__name__)
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+")


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool  # implicit TLS (smtps://)
    username: str | None = None
    password: str | None = None

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpServer:
    """``smtp://[user:password@]host[:port]`` or ``smtps://...``; ``ConfigurationError`` otherwise."""
    parts = urlsplit(url)
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:  # not a number, or outside 0-65535
        port = None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or port is None:
        shown = url.replace(f":{parts.password}@", ":***@", 1) if parts.password else url
        raise ConfigurationError(
            f"GEOOPS_SMTP_URL must look like smtp://host:25 or smtps://host:465, not {shown!r}"
        )
    return SmtpServer(
        host=parts.hostname,
        port=port,
        tls=parts.scheme == "smtps",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


class EmailChannel:
    name = "email"

    def __init__(self, server: SmtpServer | None, *, sender: str, timeout: float) -> None:
        self._server, self._sender, self._timeout = server, sender, timeout

    async def send(self, delivery: Delivery) -> None:
        if self._server is None:
            raise NotConfigured("no SMTP server: set GEOOPS_SMTP_URL")
        recipient = _recipient(delivery.target)
        try:
            mail = compose(delivery, sender=self._sender)
            await asyncio.to_thread(_submit, self._server, mail, recipient, self._timeout)
        except Exception as exc:
            raise _failure(exc, self._server, recipient, delivery) from exc

    async def close(self) -> None:
        """Nothing to release: each message has its own connection."""


def compose(delivery: Delivery, *, sender: str) -> EmailMessage:
    message = delivery.message
    mail = EmailMessage()
    mail["Subject"] = " ".join(message.title.split())  # a line break would end the header
    mail["From"] = sender
    mail["To"] = delivery.target
    mail["Date"] = format_datetime(message.created_at)
    mail["Message-ID"] = message_id(delivery.idempotency_key, sender)
    mail["X-Geoops-Idempotency-Key"] = " ".join(delivery.idempotency_key.split())
    mail.set_content(_text(message))
    return mail


def message_id(idempotency_key: str, sender: str) -> str:
    """The same ``<...@domain>`` for every attempt of one delivery; a hash, so any key fits."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    domain = sender.rpartition("@")[2].strip(" >") or "geoops"
    return f"<alert.{digest}@{domain}>"


def _text(message: AlertMessage) -> str:
    lines = [message.text, "", f"Priority: {message.priority}"]
    if message.incident_number:
        lines.append(f"Incident: {message.incident_number}")
    if message.area_ha is not None:
        lines.append(f"Area: {message.area_ha:.1f} ha")
    if message.url:
        lines.append(f"Acknowledge: {message.url}")
    return "\n".join(lines) + "\n"


def _recipient(target: str) -> str:
    if not ADDRESS.fullmatch(target):
        raise DeliveryFailed(f"not an e-mail address: {target!r}", retryable=False)
    return target


def _submit(server: SmtpServer, mail: EmailMessage, recipient: str, timeout: float) -> None:
    """Connect, log in if the URL has a user, send, quit (runs in a worker thread)."""
    if server.tls:
        context = ssl.create_default_context()  # smtplib's own default does not check certificates
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(server.host, server.port, timeout=timeout)
    with smtp:
        if server.username:
            smtp.login(server.username, server.password or "")
        smtp.send_message(mail, to_addrs=[recipient])


def _failure(exc: Exception, server: SmtpServer, recipient: str, delivery: Delivery) -> DeliveryFailed:
    """What went wrong, for the dead-letter view; a 4xx answer or a lost connection is retryable."""
    if isinstance(exc, DeliveryFailed):
        return exc
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, answer = exc.recipients.get(recipient, (550, b"refused"))
        return DeliveryFailed(f"{server} refused {recipient}: {code} {_said(answer)}", retryable=code < 500)
    if isinstance(exc, smtplib.SMTPResponseException):
        said = f"{exc.smtp_code} {_said(exc.smtp_error)}"
        return DeliveryFailed(f"{server} refused {_refused_what(exc)}: {said}", retryable=exc.smtp_code < 500)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return DeliveryFailed(f"{server} closed the connection: {exc}")
    if isinstance(exc, smtplib.SMTPException):  # no AUTH offered, and the like: the setup is wrong
        return DeliveryFailed(f"SMTP with {server} failed: {exc}", retryable=False)
    if isinstance(exc, TimeoutError):
        return DeliveryFailed(f"SMTP server {server} did not answer in time")
    if isinstance(exc, OSError):
        return DeliveryFailed(f"SMTP server {server} unreachable: {exc.strerror or exc}")
    log.error("e-mail delivery %d failed unexpectedly", delivery.id, exc_info=exc)
    return DeliveryFailed(f"unexpected error sending e-mail via {server}: {exc!r}")


def _refused_what(exc: smtplib.SMTPResponseException) -> str:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "the login"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"the sender {exc.sender}"
    return "the message"


def _said(answer: bytes | str) -> str:
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer
    return " ".join(text.split())


@register("email")
def email_channel(settings: Settings) -> Channel:
    server = None if settings.smtp_url is None else parse_smtp_url(settings.smtp_url)
    return EmailChannel(server, sender=settings.smtp_from, timeout=settings.smtp_timeout_seconds)
