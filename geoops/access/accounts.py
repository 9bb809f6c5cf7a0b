"""Account services: users, API tokens, logins with throttling, and token authentication."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from geoops.access.credentials import MIN_PASSWORD, hash_password, verify_password
from geoops.access.principal import Principal, Role
from geoops.errors import InvalidInput, TooManyRequests, Unauthorized
from geoops.secrets_tokens import new_token, token_hash
from geoops.settings import Settings
from geoops.store.audit import record_audit
from geoops.store.users import (
    UserRecord,
    create_user,
    find_user,
    recent_failures,
    record_login,
    revoke_token,
    store_token,
    user_for_token,
)


def add_user(
    name: str, *, role: str, password: str | None, jurisdiction_ids: list[int], actor: str, session: Session
) -> int:
    if role not in Role.__members__.values():
        raise InvalidInput(f"unknown role {role!r}: use one of {', '.join(r.value for r in Role)}")
    if password is not None and len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")
    if role != Role.ADMIN and not jurisdiction_ids:
        raise InvalidInput("every user but an admin needs at least one jurisdiction")
    user_id = create_user(
        name, role=role, password_hash=hash_password(password) if password else None,
        jurisdiction_ids=jurisdiction_ids, session=session,
    )  # fmt: skip
    after = {"name": name, "role": role, "jurisdictions": jurisdiction_ids}
    record_audit("user.create", "user", user_id, user_id=None, user_name=actor, after=after, session=session)
    return user_id


def issue_token(
    user_name: str, *, settings: Settings, session: Session, kind: str = "api", label: str = "api",
    lifetime: timedelta | None = None,
) -> tuple[str, datetime]:  # fmt: skip
    """A new token for ``user_name``: the token itself (show it once) and its expiry."""
    user = find_user(user_name, session=session)
    if user is None:
        raise InvalidInput(f"no user named {user_name!r}")
    token, prefix = new_token()
    lifetime = lifetime or timedelta(days=settings.token_days)
    expires = datetime.now(UTC) + lifetime
    store_token(
        user.id, name=label, kind=kind, token_hash=token_hash(token, _key(settings)), prefix=prefix,
        expires_at=expires, session=session,
    )  # fmt: skip
    if kind == "api":
        after = {"prefix": prefix, "expires_at": expires.isoformat()}
        record_audit(
            "token.create",
            "user",
            user.id,
            user_id=user.id,
            user_name=user.name,
            after=after,
            session=session,
        )
    return token, expires


def login(
    name: str, password: str, *, client: str, settings: Settings, session: Session
) -> tuple[str, datetime]:
    """A session token for a correct name and password; failures are counted and throttled."""
    failures = recent_failures(name, client=client, minutes=settings.login_window_minutes, session=session)
    if failures >= settings.login_max_failures:
        raise TooManyRequests(
            f"too many failed logins; try again in {settings.login_window_minutes:g} minutes",
            retry_after=int(settings.login_window_minutes * 60),
        )
    user = find_user(name, session=session)
    if user is None or not verify_password(password, user.password_hash):
        # Its own transaction: the failure must count although this request rolls back.
        with Session(session.get_bind()) as own, own.begin():
            record_login(name, client=client, success=False, session=own)
        raise Unauthorized("wrong name or password")
    record_login(name, client=client, success=True, session=session)
    return issue_token(
        name, settings=settings, session=session, kind="session", label=f"login from {client}",
        lifetime=timedelta(hours=settings.session_hours),
    )  # fmt: skip


def logout(token: str, *, settings: Settings, session: Session) -> None:
    revoke_token(token_hash=token_hash(token, _key(settings)), session=session)


def authenticate(token: str, *, settings: Settings, session: Session) -> Principal:
    user = user_for_token(token_hash(token, _key(settings)), session=session)
    if user is None:
        raise Unauthorized("the token is unknown, expired or revoked")
    return principal_of(user)


def principal_of(user: UserRecord) -> Principal:
    return Principal(user.id, user.name, Role(user.role), tuple(user.jurisdiction_ids))


def _key(settings: Settings) -> str:
    return settings.secret_key.get_secret_value()
