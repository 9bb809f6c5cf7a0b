"""Who is asking: a user with a role and the jurisdictions whose subtrees they may see."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from geoops.errors import Forbidden


class Role(StrEnum):
    ADMIN = "admin"
    DISPATCHER = "dispatcher"
    CREW = "crew"
    CLERK = "clerk"
    VIEWER = "viewer"


@dataclass(frozen=True)
class Principal:
    user_id: int
    name: str
    role: Role
    jurisdiction_ids: tuple[int, ...]

    @property
    def scope(self) -> list[int] | None:
        """Jurisdiction ids for the scoping clauses; None (everything) for an administrator."""
        return None if self.role is Role.ADMIN else list(self.jurisdiction_ids)

    def require(self, *roles: Role) -> None:
        """Forbidden unless the principal holds one of ``roles`` (administrators always do)."""
        if self.role is not Role.ADMIN and self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise Forbidden(f"this needs the role {allowed}; you are {self.role.value}")
