"""Domain errors: each carries an HTTP status and a title, free of any web framework.

The API renders them as RFC 9457 problem+json; the CLI prints the detail and exits 2.
"""

from __future__ import annotations

from typing import Any


class GeoopsError(Exception):
    status: int = 500
    title: str = "Internal error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(GeoopsError):
    status = 404
    title = "Not found"


class InvalidInput(GeoopsError):
    """A request or value that can be fixed by the caller."""

    status = 422
    title = "Invalid input"


class Conflict(GeoopsError):
    """The request is valid but the resource's state does not allow it (decided twice, say)."""

    status = 409
    title = "Conflict"


class UnusableInput(GeoopsError):
    """A whole file or body that cannot be read as the expected format; nothing was written."""

    status = 422
    title = "Unusable input"


class DatabaseUnavailable(GeoopsError):
    status = 503
    title = "Database unavailable"


class ClusterError(GeoopsError):
    """The embedded PostgreSQL cluster could not be created, started or stopped."""

    status = 503
    title = "Embedded database error"


class Unauthorized(GeoopsError):
    """No valid credentials: a missing, unknown, expired or revoked token or login."""

    status = 401
    title = "Unauthorized"


class Forbidden(GeoopsError):
    status = 403
    title = "Forbidden"


class PayloadTooLarge(GeoopsError):
    status = 413
    title = "Payload too large"


class TooManyRequests(GeoopsError):
    status = 429
    title = "Too many requests"


class ConfigurationError(GeoopsError):
    status = 500
    title = "Configuration error"
