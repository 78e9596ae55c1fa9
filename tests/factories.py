"""Plain factories for test data: make_x(session, **overrides)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, timedelta

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from tightnut.auth import service as auth
from tightnut.auth.models import Operator, Role
from tightnut.auth.rights import Actor
from tightnut.demo.checks import results_for
from tightnut.fleet.models import Depot, Vehicle
from tightnut.rules import RuleCatalog

_serial = itertools.count(1)


@dataclass(frozen=True)
class Login:
    """A user with its actor and a bearer token."""

    actor: Actor
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header for this user."""
        return {"Authorization": f"Bearer {self.token}"}


def make_operator(session: Session, *, name: str | None = None) -> Operator:
    """A new operator."""
    return auth.create_operator(session, name=name or f"Operator {next(_serial)}")


def make_login(
    session: Session, operator: Operator, role: Role, *, password: str | None = None
) -> Login:
    """A user of ``operator`` with ``role`` and a fresh token."""
    user = auth.create_user(
        session,
        operator_id=operator.id,
        email=f"{role.value}{next(_serial)}@example.test",
        full_name=f"Test {role.value}",
        role=role,
        password=password,
    )
    return Login(actor=auth.actor_of(user), token=auth.issue_token(session, user=user))


def make_depot(session: Session, operator: Operator, **overrides: object) -> Depot:
    """A depot of ``operator``: RU rules, Moscow time, three shifts."""
    fields: dict[str, object] = {
        "name": f"Depot {next(_serial)}",
        "timezone": "Europe/Moscow",
        "jurisdiction": "RU",
        "shift_starts": ["00:00", "08:00", "16:00"],
    }
    fields.update(overrides)
    depot = Depot(operator_id=operator.id, **fields)
    session.add(depot)
    session.flush()
    return depot


def make_vehicle(session: Session, depot: Depot, **overrides: object) -> Vehicle:
    """A 12 m diesel city bus in ``depot``."""
    fields: dict[str, object] = {
        "plate": f"TST{next(_serial):05d}",
        "vehicle_class": "bus",
        "make": "Generic Works",
        "model": "12 m city bus",
        "model_family": "city-bus-12m",
        "engine_type": "diesel",
        "fastener_positions": 10,
        "odometer_km": 100_000.0,
        "engine_hours": 5_000.0,
    }
    fields.update(overrides)
    if fields["engine_type"] in ("cng", "lng", "lpg"):
        fields.setdefault("gas_cylinder_cert_due", date.today() + timedelta(days=365))
    vehicle = Vehicle(operator_id=depot.operator_id, depot_id=depot.id, **fields)
    session.add(vehicle)
    session.flush()
    return vehicle


def inspection_body(
    catalog: RuleCatalog,
    depot: Depot,
    vehicle: Vehicle,
    failures: dict[str, dict[str, object]] | None = None,
    **extra: object,
) -> dict[str, object]:
    """A complete inspection body for ``vehicle``: every item passes except ``failures``."""
    items = catalog.checklist(
        jurisdiction=depot.jurisdiction,
        vehicle_class=vehicle.vehicle_class,
        engine_type=vehicle.engine_type,
    )
    results = results_for(
        items,
        vehicle_class=vehicle.vehicle_class,
        fastener_positions=vehicle.fastener_positions,
        failures=failures,
    )
    return {"vehicle_id": vehicle.id, "results": results, **extra}


def page_form_token(client: TestClient, path: str = "/login") -> str:
    """The CSRF token a page's form carries; its cookie is kept even over plain http."""
    page = client.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, f"{path} has no CSRF token in its forms"
    client.cookies.set("tightnut_csrf", found.group(1))
    return found.group(1)


def sign_in_page(client: TestClient, email: str, password: str) -> Response:
    """Post the sign-in form as a browser does: open the form, then send it with its token."""
    token = page_form_token(client)
    form = {"email": email, "password": password, "csrf_token": token}
    return client.post("/login", data=form, follow_redirects=False)
