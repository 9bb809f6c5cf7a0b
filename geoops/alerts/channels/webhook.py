"""The webhook channel: a signed JSON POST per alert, and the signature check for receivers.

Receivers verify ``X-Geoops-Signature`` with ``verify_signature`` (HMAC-SHA256 over
``"{timestamp}." + body``) and drop repeats by ``Idempotency-Key``. Redirects are not
followed. Unless ``GEOOPS_WEBHOOK_ALLOW_PRIVATE`` is set, a host resolving to a loopback,
private, link-local or otherwise non-public address is refused; the request then goes to
the very address that was checked (so a second DNS answer cannot point it elsewhere).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import logging
import re
import socket
import time

import httpx

from geoops.alerts.channels.base import Channel, Delivery, DeliveryFailed, delivery_json, register
from geoops.settings import Settings

log = logging.getLogger(__name__)
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Most specific first: Python counts link-local, unspecified and reserved ranges as private too.
REFUSED_KINDS = ("loopback", "link_local", "unspecified", "multicast", "reserved", "private")
RETRYABLE_STATUSES = frozenset({408, 429})
EXCERPT_BYTES = 200  # of a refusing receiver's answer, quoted in the failure reason
TIMESTAMP = re.compile(r"[0-9]{1,12}")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Geoops-Signature`` value: ``sha256=`` and the hex HMAC of ``"{timestamp}." + body``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    secret: str, timestamp: str, body: bytes, signature: str, *, now: float, tolerance_seconds: float = 300
) -> bool:
    """For receivers: the signature is ours and the timestamp within ``tolerance_seconds`` of
    ``now`` (an old request replayed fails)."""
    if not TIMESTAMP.fullmatch(timestamp) or abs(now - int(timestamp)) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body).encode(), signature.encode())


class WebhookChannel:
    name = "webhook"

    def __init__(self, *, timeout: float, allow_private: bool) -> None:
        self._timeout, self._allow_private = timeout, allow_private
        self._client = httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,  # no proxy from the environment: the checked address is the one connected to
            # Requests go to an IP address; pooled connections would be shared across host names.
            limits=httpx.Limits(max_keepalive_connections=0),
            headers={"User-Agent": "geoops-webhook"},
        )

    async def send(self, delivery: Delivery) -> None:
        url = _webhook_url(delivery.target)
        host = url.host
        try:
            async with asyncio.timeout(self._timeout):
                addresses = await self._addresses(url)
                body = delivery_json(delivery)
                await self._post(url, addresses, body, _headers(delivery, body))
        except DeliveryFailed:
            raise
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise DeliveryFailed(f"{host} did not answer within {self._timeout:g}s") from exc
        except httpx.TransportError as exc:
            raise DeliveryFailed(f"cannot reach {host}: {exc or type(exc).__name__}") from exc
        except OSError as exc:  # name resolution
            raise DeliveryFailed(f"cannot resolve {host}: {exc}") from exc
        except Exception as exc:
            log.exception("webhook delivery %d to %s failed unexpectedly", delivery.id, host)
            raise DeliveryFailed(f"unexpected error sending to {host}: {exc!r}") from exc

    async def close(self) -> None:
        await self._client.aclose()

    async def _addresses(self, url: httpx.URL) -> list[IPAddress]:
        """The host's addresses; refused (not retryable) if one is not public and that is not allowed."""
        host = url.raw_host.decode("ascii")
        port = url.port or (443 if url.scheme == "https" else 80)
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(ipaddress.ip_address(str(info[4][0])) for info in infos))
        for address in addresses:
            kind = None if self._allow_private else _refused_kind(address)
            if kind is not None:
                raise DeliveryFailed(
                    f"refused: {url.host} resolves to {address}, a {kind} address "
                    "(GEOOPS_WEBHOOK_ALLOW_PRIVATE allows it)",
                    retryable=False,
                )
        return addresses

    async def _post(
        self, url: httpx.URL, addresses: list[IPAddress], body: bytes, headers: dict[str, str]
    ) -> None:
        """POST to each address in turn until one accepts a connection; check its answer."""
        headers = {**headers, "Host": url.netloc.decode("ascii")}
        extensions = {"sni_hostname": url.raw_host.decode("ascii")}  # TLS checks the name, not the IP
        for index, address in enumerate(addresses):
            pinned = url.copy_with(host=str(address))
            try:
                async with self._client.stream(
                    "POST", pinned, content=body, headers=headers, extensions=extensions
                ) as response:
                    await _check_answer(url.host, response)
                    return
            except httpx.ConnectError:
                if index == len(addresses) - 1:
                    raise


def _webhook_url(target: str) -> httpx.URL:
    try:
        url = httpx.URL(target)
    except httpx.InvalidURL as exc:
        raise DeliveryFailed(f"not a usable webhook URL: {exc}", retryable=False) from exc
    if url.scheme not in ("http", "https") or not url.host:
        shown = f"{url.scheme}://" if url.scheme else repr(target)
        raise DeliveryFailed(f"webhooks must be http:// or https:// URLs, not {shown}", retryable=False)
    return url


def refused_at_once(target: str) -> str | None:
    """Why a webhook URL whose host is an address literal (or ``localhost``) would be
    refused when private targets are not allowed; None when only sending can tell (a name
    is resolved then, as DNS may change)."""
    host = httpx.URL(target).host
    if host.lower() == "localhost":
        return "localhost is a loopback address"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    kind = _refused_kind(address)
    return None if kind is None else f"{address} is a {kind} address"


def _refused_kind(address: IPAddress) -> str | None:
    """What makes ``address`` unfit for webhooks ("loopback", ...), or None if it is public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    for kind in REFUSED_KINDS:
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if address.is_global else "non-public"


def _headers(delivery: Delivery, body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": delivery.idempotency_key,
        "X-Geoops-Timestamp": timestamp,
    }
    if delivery.secret:
        headers["X-Geoops-Signature"] = sign(delivery.secret, timestamp, body)
    return headers


async def _check_answer(host: str, response: httpx.Response) -> None:
    """Return on 2xx; otherwise raise, retryable for 408, 429 and 5xx."""
    status = response.status_code
    if 200 <= status < 300:
        return
    if 300 <= status < 400:
        location = response.headers.get("Location", "nowhere")
        raise DeliveryFailed(f"redirects are not followed: {status} to {location}", retryable=False)
    reason = f"{host} answered {status} {response.reason_phrase}".rstrip()
    excerpt = await _excerpt(response)
    if excerpt:
        reason = f"{reason}: {excerpt}"
    raise DeliveryFailed(reason, retryable=status in RETRYABLE_STATUSES or status >= 500)


async def _excerpt(response: httpx.Response) -> str:
    """The start of the answer's body on one line; a receiver cannot make us read megabytes."""
    received = bytearray()
    async for chunk in response.aiter_bytes():
        received += chunk
        if len(received) >= EXCERPT_BYTES:
            break
    return " ".join(received[:EXCERPT_BYTES].decode("utf-8", "replace").split())


@register("webhook")
def webhook_channel(settings: Settings) -> Channel:
    return WebhookChannel(
        timeout=settings.webhook_timeout_seconds, allow_private=settings.webhook_allow_private
    )
