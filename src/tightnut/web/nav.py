"""Navigation by role: each person sees the pages of their daily work, in that order."""

from __future__ import annotations

from dataclasses import dataclass

from tightnut.auth.models import Role
from tightnut.auth.rights import Actor
from tightnut.web.i18n import N_


@dataclass(frozen=True)
class NavItem:
    """One entry of the top navigation; ``label`` is a catalogue message."""

    label: str
    href: str
    roles: frozenset[Role]
    current: bool = False


def _for(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


GATE_ROLES = _for(Role.INSPECTOR, Role.DISPATCHER, Role.FLEET_MANAGER, Role.NETWORK_MANAGER)
FLEET_ROLES = _for(Role.DISPATCHER, Role.FLEET_MANAGER, Role.SERVICE_ENGINEER, Role.NETWORK_MANAGER)
DEFECT_ROLES = _for(Role.INSPECTOR, Role.DISPATCHER, Role.FLEET_MANAGER, Role.SERVICE_ENGINEER)
WORKSHOP_ROLES = _for(Role.SERVICE_ENGINEER, Role.FLEET_MANAGER)

ITEMS = (
    NavItem(N_("Today"), "/today", _for(Role.DRIVER, Role.INSPECTOR)),
    NavItem(N_("Board"), "/board", GATE_ROLES),
    NavItem(N_("Overview"), "/overview", _for(Role.FLEET_MANAGER, Role.NETWORK_MANAGER)),
    NavItem(N_("Fleet"), "/vehicles", FLEET_ROLES),
    NavItem(N_("Maintenance due"), "/maintenance/due", WORKSHOP_ROLES),
    NavItem(N_("Defects"), "/defects", DEFECT_ROLES),
    NavItem(N_("Report a defect"), "/defects/new", _for(Role.DRIVER, Role.INSPECTOR)),
    NavItem(N_("Work orders"), "/work-orders", WORKSHOP_ROLES),
    NavItem(N_("Parts"), "/parts", WORKSHOP_ROLES),
    NavItem(N_("Technicians"), "/technicians", WORKSHOP_ROLES),
    NavItem(N_("Programmes"), "/programmes", _for(Role.FLEET_MANAGER, Role.ADMIN)),
    NavItem(N_("Users"), "/admin/users", _for(Role.ADMIN)),
    NavItem(N_("Depots"), "/admin/depots", _for(Role.ADMIN)),
)


def menu(actor: Actor | None, path: str) -> list[NavItem]:
    """The entries ``actor`` sees, the one holding ``path`` marked current."""
    if actor is None:
        return []
    return [
        NavItem(item.label, item.href, item.roles, current=_under(path, item.href))
        for item in ITEMS
        if actor.role in item.roles
    ]


def home_of(actor: Actor) -> str:
    """Where a user lands after signing in: the first page of their daily work."""
    items = menu(actor, "")
    return items[0].href if items else "/account/tokens"


def _under(path: str, href: str) -> bool:
    return path == href or path.startswith(href.rstrip("/") + "/")


ROLE_NAMES = {
    Role.DRIVER: N_("Driver"),
    Role.INSPECTOR: N_("Inspector"),
    Role.DISPATCHER: N_("Dispatcher"),
    Role.FLEET_MANAGER: N_("Fleet manager"),
    Role.SERVICE_ENGINEER: N_("Service engineer"),
    Role.NETWORK_MANAGER: N_("Network manager"),
    Role.ADMIN: N_("Administrator"),
}
