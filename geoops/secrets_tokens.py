"""Random bearer tokens (API tokens, report tracking tokens) and their keyed hashes.

Shared foundation: only the HMAC-SHA256 of a token under ``GEOOPS_SECRET_KEY`` is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token() -> tuple[str, str]:
    """A fresh token and its public prefix (``go_<prefix>_<secret>``)."""
    prefix = secrets.token_hex(4)
    return f"go_{prefix}_{secrets.token_urlsafe(32)}", prefix


def token_hash(token: str, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()
