"""Who may do what: each right names the roles that hold it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tightnut.auth.models import Role
from tightnut.errors import Forbidden


class Right(StrEnum):
    """An action guarded by role."""

    READ_FLEET = "read_fleet"
    MANAGE_FLEET = "manage_fleet"
    RECORD_METERS = "record_meters"
    INSPECT = "inspect"
    RELEASE = "release"
    REPAIR = "repair"
    MANAGE_USERS = "manage_users"
    MANAGE_PROGRAMMES = "manage_programmes"
    PLAN_WORK = "plan_work"
    DO_WORK = "do_work"
    MANAGE_PEOPLE = "manage_people"
    MANAGE_PARTS = "manage_parts"


_ALL = frozenset(Role)

GRANTS: dict[Right, frozenset[Role]] = {
    Right.READ_FLEET: _ALL,
    Right.MANAGE_FLEET: frozenset({Role.FLEET_MANAGER, Role.ADMIN}),
    Right.RECORD_METERS: frozenset(
        {Role.DRIVER, Role.INSPECTOR, Role.FLEET_MANAGER, Role.SERVICE_ENGINEER}
    ),
    Right.INSPECT: frozenset({Role.DRIVER, Role.INSPECTOR}),
    Right.RELEASE: frozenset({Role.INSPECTOR}),
    Right.REPAIR: frozenset({Role.SERVICE_ENGINEER, Role.FLEET_MANAGER}),
    Right.MANAGE_USERS: frozenset({Role.ADMIN}),
    Right.MANAGE_PROGRAMMES: frozenset({Role.FLEET_MANAGER, Role.ADMIN}),
    Right.PLAN_WORK: frozenset({Role.FLEET_MANAGER, Role.SERVICE_ENGINEER}),
    Right.DO_WORK: frozenset({Role.SERVICE_ENGINEER}),
    Right.MANAGE_PEOPLE: frozenset({Role.FLEET_MANAGER, Role.SERVICE_ENGINEER, Role.ADMIN}),
    Right.MANAGE_PARTS: frozenset({Role.FLEET_MANAGER, Role.SERVICE_ENGINEER}),
}


@dataclass(frozen=True)
class Actor:
    """The authenticated caller: every query is scoped to its operator."""

    user_id: int
    operator_id: int
    role: Role
    name: str
    locale: str | None = None

    def can(self, right: Right) -> bool:
        """Whether this caller's role holds ``right``."""
        return self.role in GRANTS[right]

    def require(self, right: Right) -> None:
        """Raise Forbidden unless this caller's role holds ``right``."""
        if not self.can(right):
            raise Forbidden(
                f"role '{self.role}' may not {right.value.replace('_', ' ')}",
                detail={"right": right.value, "role": self.role.value},
            )
