"""HTTP GET of FIRMS feeds: bounded in time and size, conditional, one-line errors.

FIRMS area-API URLs carry a MAP_KEY in their path, so every message shows URLs redacted.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from geoops import __version__
from geoops.errors import UnusableInput

TIMEOUT = httpx.Timeout(30.0, connect=10.0)  # per connect / read / write
MAX_SECONDS = 300.0  # the whole download, however slowly the bytes trickle in
MAX_BYTES = 200 * 2**20
_FIRMS_KEY = re.compile(r"(/api/[^/]+/[a-z]+/)([^/]+)")  # /api/area/csv/<MAP_KEY>/...
_SECRET_PARAM = re.compile(r"key|token|secret|password|signature", re.IGNORECASE)


@dataclass(frozen=True)
class Fetched:
    """The body (None when not modified) and the validators to send next time."""

    body: bytes | None
    etag: str | None
    last_modified: str | None


def redact_url(url: str) -> str:
    """``url`` without credentials: userinfo, key-like query values and the FIRMS MAP_KEY."""
    parts = urlsplit(url)
    netloc = parts.netloc if "@" not in parts.netloc else "***@" + parts.netloc.rsplit("@", 1)[1]
    query = "&".join(
        f"{name}=***" if _SECRET_PARAM.search(name) and sep else f"{name}{sep}{value}"
        for name, sep, value in (item.partition("=") for item in parts.query.split("&") if item)
    )
    path = _FIRMS_KEY.sub(r"\1***", parts.path)
    return urlunsplit((parts.scheme, netloc, path, query, parts.fragment))


def fetch_url(url: str, *, timeout: httpx.Timeout = TIMEOUT) -> bytes:
    """The body at ``url`` (one plain GET); UnusableInput with a one-line reason otherwise."""
    body = fetch(url, timeout=timeout).body
    if body is None:  # a 304 nobody asked for
        raise UnusableInput(f"{redact_url(url)} answered 304 Not Modified to a plain GET")
    return body


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: httpx.Timeout = TIMEOUT,
    max_seconds: float = MAX_SECONDS,
) -> Fetched:
    """GET ``url``, conditionally when validators are given; 304 gives ``body=None``."""
    shown = redact_url(url)
    headers = {"User-Agent": f"geoops/{__version__}"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code == 304:
                return Fetched(None, etag, last_modified)
            if not response.is_success:
                raise UnusableInput(
                    f"{shown} answered HTTP {response.status_code} {response.reason_phrase}".rstrip()
                )
            body = _read_bounded(response, shown, max_seconds)
    except httpx.TimeoutException as exc:
        raise UnusableInput(f"{shown} did not answer in time ({type(exc).__name__})") from exc
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
        raise UnusableInput(f"cannot fetch {shown}: {_one_line(exc)}") from exc
    new_etag = response.headers.get("etag")
    if etag and new_etag == etag:  # a server that ignores If-None-Match but sends the same tag
        return Fetched(None, etag, last_modified)
    return Fetched(body, new_etag, response.headers.get("last-modified"))


def _read_bounded(response: httpx.Response, shown: str, max_seconds: float) -> bytes:
    deadline = time.monotonic() + max_seconds
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_BYTES:
            raise UnusableInput(f"{shown} sent more than {MAX_BYTES // 2**20} MiB")
        if time.monotonic() > deadline:
            raise UnusableInput(f"{shown} took longer than {max_seconds:g}s to download")
        chunks.append(chunk)
    return b"".join(chunks)


def _one_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
