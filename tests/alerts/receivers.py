"""Real receivers for alert tests: an SMTP mailbox (aiosmtpd) and an HTTP webhook
receiver (Starlette) that records what arrives and can answer badly on purpose."""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.alerts.conftest import free_port

SLOW_S = 2.0  # the /slow answer comes this late, well past the test's timeout
ELSEWHERE = "https://elsewhere.example/hook"


class Mailbox:
    """Takes every message; a ``rcpt_answer`` other than 250 refuses recipients instead."""

    def __init__(self, rcpt_answer: str = "250 OK") -> None:
        self.rcpt_answer = rcpt_answer
        self.envelopes: list[Envelope] = []

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook names
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_answer.startswith("250"):
            envelope.rcpt_tos.append(address)
        return self.rcpt_answer

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(
                bytes(e.original_content or b""), _class=EmailMessage, policy=email.policy.default
            )
            for e in self.envelopes
        ]


def running(mailbox: Mailbox, **options: Any) -> Iterator[Controller]:
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Receiver:
    url: str
    requests: list[Received]


def receiver_app(requests: list[Received]) -> Starlette:
    """Records every request; /hook says 200, /status/N says N, /slow answers after SLOW_S."""

    async def record(request: Request) -> None:
        requests.append(Received(request.url.path, dict(request.headers), await request.body()))

    async def hook(request: Request) -> Response:
        await record(request)
        return Response("ok")

    async def status(request: Request) -> Response:
        await record(request)
        code = int(request.path_params["code"])
        headers = {"Location": ELSEWHERE} if 300 <= code < 400 else None
        return Response("receiver says\nno " + "x" * 500, status_code=code, headers=headers)

    async def slow(request: Request) -> Response:
        await record(request)
        await asyncio.sleep(SLOW_S)
        return Response("too late")

    routes = [
        Route("/hook", hook, methods=["POST"]),
        Route("/status/{code:int}", status, methods=["POST"]),
        Route("/slow", slow, methods=["POST"]),
    ]
    return Starlette(routes=routes)
