"""Users, their jurisdictions, API tokens and browser sessions, login attempts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geoops.errors import InvalidInput, NotFound
from geoops.store.tables import api_tokens, login_attempts, user_jurisdictions, users


@dataclass(frozen=True)
class UserRecord:
    id: int
    name: str
    role: str
    password_hash: str | None
    jurisdiction_ids: list[int]


def create_user(
    name: str, *, role: str, password_hash: str | None, jurisdiction_ids: list[int], session: Session
) -> int:
    exists = session.execute(sa.select(users.c.id).where(users.c.name == name)).scalar()
    if exists is not None:
        raise InvalidInput(f"a user named {name!r} exists already")
    user_id = int(
        session.execute(
            sa.insert(users).values(name=name, role=role, password_hash=password_hash).returning(users.c.id)
        ).scalar_one()
    )
    if jurisdiction_ids:
        session.execute(
            insert(user_jurisdictions),
            [{"user_id": user_id, "jurisdiction_id": j} for j in jurisdiction_ids],
        )
    return user_id


def find_user(name: str, *, session: Session) -> UserRecord | None:
    row = session.execute(
        sa.select(users).where(users.c.name == name, users.c.disabled.is_(False))
    ).one_or_none()
    return None if row is None else _record(row.id, row.name, row.role, row.password_hash, session=session)


def _record(user_id: int, name: str, role: str, password_hash: str | None, *, session: Session) -> UserRecord:
    ids = session.execute(
        sa.select(user_jurisdictions.c.jurisdiction_id).where(user_jurisdictions.c.user_id == user_id)
    ).scalars()
    return UserRecord(user_id, name, role, password_hash, sorted(int(i) for i in ids))


def store_token(
    user_id: int,
    *,
    name: str,
    kind: str,
    token_hash: str,
    prefix: str,
    expires_at: datetime,
    session: Session,
) -> None:
    session.execute(
        sa.insert(api_tokens).values(
            user_id=user_id, name=name, kind=kind, token_hash=token_hash, prefix=prefix, expires_at=expires_at
        )
    )


def user_for_token(token_hash: str, *, session: Session) -> UserRecord | None:
    """The live user behind a token that is neither expired nor revoked; marks it used."""
    row = session.execute(
        sa.update(api_tokens)
        .where(
            api_tokens.c.token_hash == token_hash,
            api_tokens.c.revoked_at.is_(None),
            api_tokens.c.expires_at > sa.func.now(),
        )
        .values(last_used_at=sa.func.now())
        .returning(api_tokens.c.user_id)
    ).one_or_none()
    if row is None:
        return None
    user = session.execute(
        sa.select(users).where(users.c.id == row.user_id, users.c.disabled.is_(False))
    ).one_or_none()
    return (
        None if user is None else _record(user.id, user.name, user.role, user.password_hash, session=session)
    )


def revoke_token(*, session: Session, token_hash: str | None = None, prefix: str | None = None) -> int:
    """Revoke by hash (logout) or by the prefix shown at creation; returns how many."""
    where = api_tokens.c.token_hash == token_hash if token_hash else api_tokens.c.prefix == prefix
    done = session.execute(
        sa.update(api_tokens).where(where, api_tokens.c.revoked_at.is_(None)).values(revoked_at=sa.func.now())
    )
    count = int(done.rowcount)  # type: ignore[attr-defined]
    if prefix and not count:
        raise NotFound(f"no live token starting {prefix!r}")
    return count


def record_login(name: str, *, client: str, success: bool, session: Session) -> None:
    session.execute(sa.insert(login_attempts).values(name=name[:64], client=client[:64], success=success))


def recent_failures(name: str, *, client: str, minutes: float, session: Session) -> int:
    """Failed logins for this name or from this client in the last ``minutes``."""
    since = sa.func.now() - sa.func.make_interval(0, 0, 0, 0, 0, 0, minutes * 60.0)
    return int(
        session.execute(
            sa.select(sa.func.count()).where(
                login_attempts.c.success.is_(False),
                login_attempts.c.at > since,
                sa.or_(login_attempts.c.name == name[:64], login_attempts.c.client == client[:64]),
            )
        ).scalar_one()
    )


def set_password(name: str, password_hash: str, *, session: Session) -> None:
    session.execute(sa.update(users).where(users.c.name == name).values(password_hash=password_hash))
