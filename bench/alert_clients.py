"""The clients of bench/alerts.py: raw asyncio SSE streams that time each frame, a webhook
receiver that checks signatures, and the floor (a bare asyncio broadcast of one frame to as
many sockets, in a process of its own) that the fan-out is compared with."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import socket
import time
from dataclasses import dataclass, field

import httpx
from rich.progress import Progress

from geoops.alerts.channels.webhook import verify_signature

HOST = "127.0.0.1"
CONNECT_AT_ONCE = 50  # streams opening at a time (each authenticates in a short transaction)
ROUND_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# -- clients: SSE streams and the webhook receiver --------------------------------------------
@dataclass(frozen=True)
class Frame:
    at: float  # time.time() when its last byte arrived
    alert_id: int
    data: bytes


class SseStream(asyncio.Protocol):
    """One ``text/event-stream`` over raw HTTP/1.1 (chunked); alert frames kept with their time."""

    def __init__(self, request: bytes) -> None:
        self.request = request
        self.transport: asyncio.Transport | None = None
        self.frames: list[Frame] = []
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._raw, self._text, self._in_body = bytearray(), bytearray(), False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        at = time.time()
        self._raw += data
        if not self._in_body:
            end = self._raw.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self._raw[: self._raw.find(b"\r\n")])
            if b" 200 " not in status and not self.ready.done():
                self.ready.set_exception(RuntimeError(f"stream refused: {status.decode()}"))
            del self._raw[: end + 4]
            self._in_body = True
        self._dechunk()
        while (cut := self._text.find(b"\n\n")) >= 0:
            block = bytes(self._text[:cut])
            del self._text[: cut + 2]
            self._frame(at, block)

    def _dechunk(self) -> None:
        while (eol := self._raw.find(b"\r\n")) >= 0:
            size = int(bytes(self._raw[:eol]).split(b";")[0], 16)
            if len(self._raw) < eol + 2 + size + 2:
                return
            self._text += self._raw[eol + 2 : eol + 2 + size]
            del self._raw[: eol + 2 + size + 2]

    def _frame(self, at: float, block: bytes) -> None:
        fields = dict(line.partition(b": ")[::2] for line in block.split(b"\n") if not line.startswith(b":"))
        if b"retry" in fields and not self.ready.done():
            self.ready.set_result(None)  # the server has subscribed this page
        if fields.get(b"event") == b"alert":
            self.frames.append(Frame(at, int(fields[b"id"]), fields[b"data"]))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ready.done():
            self.ready.set_exception(RuntimeError(f"stream closed before it opened: {exc}"))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def open_streams(
    port: int, path: str, tokens: list[str], clients: int, progress: Progress
) -> list[SseStream]:
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(CONNECT_AT_ONCE)
    task = progress.add_task(f"opening {clients} streams on :{port}", total=clients)

    async def one(i: int) -> SseStream:
        request = (f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: text/event-stream\r\n"
                   f"Authorization: Bearer {tokens[i % len(tokens)]}\r\n\r\n").encode()  # fmt: skip
        async with gate:
            _, stream = await loop.create_connection(lambda: SseStream(request), HOST, port)
            await asyncio.wait_for(stream.ready, 60)
        progress.advance(task)
        return stream

    streams = await asyncio.gather(*(one(i) for i in range(clients)))
    progress.remove_task(task)
    return list(streams)


@dataclass(frozen=True)
class Hook:
    at: float
    key: str
    body: bytes
    signed: bool  # X-Geoops-Signature checks out with the subscription's secret


@dataclass
class WebhookReceiver:
    """Answers 204 to every POST and keeps it with its arrival time."""

    secret: str = ""
    received: list[Hook] = field(default_factory=list)

    def connection(self) -> asyncio.Protocol:
        return _HookConnection(self)


class _HookConnection(asyncio.Protocol):
    def __init__(self, receiver: WebhookReceiver) -> None:
        self.receiver, self.buffer = receiver, bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        at = time.time()
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")[1:]
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
        body = bytes(self.buffer[end + 4 :])
        if len(body) < int(headers.get("content-length", "0")):
            return
        signed = verify_signature(self.receiver.secret, headers.get("x-geoops-timestamp", ""), body,
                                  headers.get("x-geoops-signature", ""), now=time.time())  # fmt: skip
        self.receiver.received.append(Hook(at, headers.get("idempotency-key", ""), body, signed))
        assert self.transport is not None
        self.transport.write(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
        self.transport.close()


# -- the floor: a bare asyncio broadcast to as many sockets ----------------------------------
def serve_floor(port: int) -> None:
    """A process that streams ``retry`` to each GET and, on ``POST /go?size=N``, writes one
    chunked frame carrying its send time to every open stream."""

    async def main() -> None:
        streams: set[asyncio.Transport] = set()

        class Connection(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                assert isinstance(transport, asyncio.Transport)
                self.transport, self.buffer = transport, b""

            def data_received(self, data: bytes) -> None:
                self.buffer += data
                if b"\r\n\r\n" not in self.buffer:
                    return
                if self.buffer.startswith(b"POST /go"):
                    size = int(self.buffer.split(b"size=")[1].split(b" ")[0])
                    _broadcast(streams, size)
                    self.transport.write(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                    self.transport.close()
                    return
                self.transport.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                                     b"transfer-encoding: chunked\r\n\r\n" + _chunk(b"retry: 3000\n\n"))  # fmt: skip
                streams.add(self.transport)

            def connection_lost(self, exc: Exception | None) -> None:
                streams.discard(self.transport)

        server = await asyncio.get_running_loop().create_server(Connection, HOST, port, backlog=2048)
        await server.serve_forever()

    asyncio.run(main())


def _chunk(text: bytes) -> bytes:
    return b"%x\r\n" % len(text) + text + b"\r\n"


def _broadcast(streams: set[asyncio.Transport], size: int) -> None:
    data = json.dumps({"sent_at": time.time(), "pad": "x" * size})
    chunk = _chunk(f"id: 1\nevent: alert\ndata: {data}\n\n".encode())
    for transport in list(streams):
        transport.write(chunk)


async def floor_rounds(clients: int, rounds: int, size: int, progress: Progress) -> list[list[Frame]]:
    port = free_port()
    process = multiprocessing.get_context("spawn").Process(target=serve_floor, args=(port,), daemon=True)
    process.start()
    try:
        deadline = time.monotonic() + 30
        while not await _accepts(port):
            if time.monotonic() > deadline or not process.is_alive():
                raise RuntimeError("the floor broadcaster did not start")
            await asyncio.sleep(0.1)
        streams = await open_streams(port, "/stream", ["-"], clients, progress)
        found = []
        async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}", timeout=30) as http:
            for _ in range(rounds + 1):  # the first one warms up
                marks = [len(s.frames) for s in streams]
                (await http.post("/go", params={"size": size})).raise_for_status()
                deadline = time.monotonic() + ROUND_TIMEOUT_S
                while any(len(s.frames) == m for s, m in zip(streams, marks, strict=True)):
                    if time.monotonic() > deadline:
                        raise RuntimeError("the floor broadcast did not reach every stream")
                    await asyncio.sleep(0.02)
                found.append([s.frames[m] for s, m in zip(streams, marks, strict=True)])
                await asyncio.sleep(0.5)
        for stream in streams:
            stream.close()
        return found[1:]
    finally:
        process.terminate()
        process.join(10)


async def _accepts(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection(HOST, port)
    except OSError:
        return False
    writer.close()
    return True
