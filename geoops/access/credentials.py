"""Passwords (argon2) and tokens (random, shown once, stored as an HMAC-SHA256 hash)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
# A valid hash of an unguessable password, verified when the user does not exist, so a
# wrong name costs as much time as a wrong password.
_DUMMY = _HASHER.hash(secrets.token_urlsafe(16))
MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    try:
        return _HASHER.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> tuple[str, str]:
    """A fresh token and its public prefix (``go_<prefix>_<secret>``)."""
    prefix = secrets.token_hex(4)
    return f"go_{prefix}_{secrets.token_urlsafe(32)}", prefix


def token_hash(token: str, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def new_password() -> str:
    return secrets.token_urlsafe(12)
