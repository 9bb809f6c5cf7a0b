"""``geoops jurisdictions``, ``users`` and ``tokens``: management levels and accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geoops.commands.common import actor_name, emit, ready_engine, reports_errors
from geoops.settings import Settings
from geoops.store.engine import transaction

users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
jurisdictions_app = typer.Typer(
    help="Management levels: region, district, municipality…", no_args_is_help=True
)
tokens_app = typer.Typer(help="API tokens (shown once, stored hashed).", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens (shown once, stored hashed).", no_args_is_help=True)


@jurisdictions_app.command("load")
@reports_errors
def jurisdictions_load(
    file: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage, Shapefile…")],
    level: Annotated[str, typer.Option(help="Level of the features (one of GEOOPS_LEVELS)")],
    name_field: Annotated[str | None, typer.Option(help="Name column (default: detected)")] = None,
    code_field: Annotated[str | None, typer.Option(help="Code column (default: detected)")] = None,
    parent_level: Annotated[
        str | None, typer.Option(help="Level of the parents (default: nearest loaded level above)")
    ] = None,
) -> None:
    """Load FILE as jurisdictions of one level; parents are found by spatial containment."""
    from geoops.access.jurisdiction_load import load_jurisdiction_file

    settings = Settings()
    with transaction(ready_engine(settings)) as session:
        summary = load_jurisdiction_file(
            file, level=level, levels=settings.levels, name_field=name_field, code_field=code_field,
            parent_level=parent_level, session=session,
        )  # fmt: skip
        emit(summary.as_dict())


# -- users and tokens -----------------------------------------------------------------------
@users_app.command("add")
@reports_errors
def users_add(
    name: Annotated[str, typer.Argument(help="Login name")],
    role: Annotated[str, typer.Option(help="admin, dispatcher, crew, clerk or viewer")],
    jurisdiction: Annotated[
        list[str] | None, typer.Option(help="Jurisdiction name, level:name or id (repeat for several)")
    ] = None,
    password: Annotated[str | None, typer.Option(help="Default: a random one, printed once")] = None,
) -> None:
    """Create a user attached to one or more jurisdictions."""
    from geoops.access.accounts import add_user
    from geoops.access.credentials import new_password
    from geoops.store.jurisdiction_reads import jurisdiction_ids_for

    password = password or new_password()
    with transaction(ready_engine(Settings())) as session:
        ids = jurisdiction_ids_for(jurisdiction or [], session=session) if jurisdiction else []
        user_id = add_user(
            name, role=role, password=password, jurisdiction_ids=ids, actor=actor_name(), session=session
        )
    emit({"id": user_id, "name": name, "role": role, "jurisdictions": ids, "password": password})


@tokens_app.command("create")
@reports_errors
def tokens_create(
    name: Annotated[str, typer.Argument(help="The user the token acts for")],
    days: Annotated[float | None, typer.Option(help="Lifetime in days (default GEOOPS_TOKEN_DAYS)")] = None,
) -> None:
    """Create an API token for a user; it is printed once and stored only as a hash."""
    from datetime import timedelta

    from geoops.access.accounts import issue_token

    settings = Settings()
    lifetime = timedelta(days=days) if days else None
    with transaction(ready_engine(settings)) as session:
        token, expires = issue_token(name, settings=settings, session=session, lifetime=lifetime)
    emit({"user": name, "token": token, "expires_at": expires.isoformat()})


@tokens_app.command("revoke")
@reports_errors
def tokens_revoke(prefix: Annotated[str, typer.Argument(help="The part after go_ (8 characters)")]) -> None:
    """Revoke a token by its prefix."""
    from geoops.store.users import revoke_token

    with transaction(ready_engine(Settings())) as session:
        emit({"revoked": revoke_token(prefix=prefix.removeprefix("go_")[:8], session=session)})
