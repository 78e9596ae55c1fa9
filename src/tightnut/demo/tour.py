"""The main pages of the web app, each with the role whose daily work it is, over the demo data.

One list for the three things that walk every main page: the accessibility and language test,
the page benchmark and ``make screenshots``. ``addresses`` gives the demo ids that fill the
``{placeholders}`` of the paths.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tightnut.auth.models import Operator, Role
from tightnut.defects.models import Defect
from tightnut.fleet.models import Depot, Vehicle
from tightnut.inspections.models import Inspection
from tightnut.maintenance.models import Programme
from tightnut.people.models import Technician
from tightnut.workorders.models import WorkOrder

DEMO_OPERATOR = "Southline City Transport"
DEMO_DOMAIN = "southline.demo"


@dataclass(frozen=True)
class MainPage:
    """A page someone opens every day: a short name, its path, who opens it (None: anyone)."""

    name: str
    path: str
    role: Role | None


MAIN_PAGES = (
    MainPage("login", "/login", None),
    MainPage("today", "/today", Role.DRIVER),
    MainPage("inspect", "/vehicles/{vehicle}/inspect", Role.DRIVER),
    MainPage("report-defect", "/defects/new", Role.DRIVER),
    MainPage("inspection", "/inspections/{inspection}", Role.INSPECTOR),
    MainPage("board", "/depots/{depot}/board", Role.DISPATCHER),
    MainPage("vehicles", "/vehicles", Role.FLEET_MANAGER),
    MainPage("vehicle", "/vehicles/{vehicle}", Role.FLEET_MANAGER),
    MainPage("import", "/vehicles/import", Role.FLEET_MANAGER),
    MainPage("maintenance-due", "/maintenance/due", Role.FLEET_MANAGER),
    MainPage("defects", "/defects", Role.FLEET_MANAGER),
    MainPage("programmes", "/programmes", Role.FLEET_MANAGER),
    MainPage("programme", "/programmes/{programme}", Role.FLEET_MANAGER),
    MainPage("overview", "/overview", Role.FLEET_MANAGER),
    MainPage("defect", "/defects/{defect}", Role.SERVICE_ENGINEER),
    MainPage("work-orders", "/work-orders", Role.SERVICE_ENGINEER),
    MainPage("new-work-order", "/work-orders/new", Role.SERVICE_ENGINEER),
    MainPage("work-order", "/work-orders/{work_order}", Role.SERVICE_ENGINEER),
    MainPage("parts", "/parts", Role.SERVICE_ENGINEER),
    MainPage("technicians", "/technicians", Role.SERVICE_ENGINEER),
    MainPage("technician", "/technicians/{technician}", Role.SERVICE_ENGINEER),
    MainPage("users", "/admin/users", Role.ADMIN),
    MainPage("depots", "/admin/depots", Role.ADMIN),
    MainPage("tokens", "/account/tokens", Role.DRIVER),
)


def demo_email(role: Role) -> str:
    """The demo bus operator's sign-in for a role (the password is the demo's)."""
    return f"{role.value.replace('_', '.')}@{DEMO_DOMAIN}"


def addresses(session: Session) -> dict[str, str]:
    """The demo ids behind the paths: the bus operator's first depot and a record of each kind."""
    operator = session.scalars(select(Operator.id).where(Operator.name == DEMO_OPERATOR)).one()
    depot = session.scalars(
        select(Depot.id).where(Depot.operator_id == operator).order_by(Depot.name).limit(1)
    ).one()
    firsts = {
        "vehicle": select(Vehicle.id).where(Vehicle.depot_id == depot).order_by(Vehicle.id),
        "inspection": select(Inspection.id)
        .where(Inspection.depot_id == depot)
        .order_by(Inspection.id.desc()),
        "defect": select(Defect.id).where(Defect.operator_id == operator).order_by(Defect.id),
        "work_order": select(WorkOrder.id)
        .where(WorkOrder.operator_id == operator)
        .order_by(WorkOrder.id),
        "technician": select(Technician.id)
        .where(Technician.operator_id == operator)
        .order_by(Technician.id),
        "programme": select(Programme.id)
        .where(Programme.operator_id == operator)
        .order_by(Programme.id),
    }
    found = {"depot": str(depot)}
    for name, query in firsts.items():
        first = session.scalars(query.limit(1)).first()
        if first is None:
            raise LookupError(f"the demo has no {name.replace('_', ' ')}: load it first")
        found[name] = str(first)
    return found
