"""A world to send bad input to, and the helpers the input tests share."""

from __future__ import annotations

import json
from dataclasses import dataclass

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories import Login, make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Role
from tightnut.db import Base
from tightnut.fleet.models import Depot, Vehicle
from tightnut.maintenance import programmes
from tightnut.maintenance.models import ProgrammeTask
from tightnut.maintenance.schemas import ProgrammeIn
from tightnut.people.models import Technician
from tightnut.workorders import parts
from tightnut.workorders import service as workorders

API = "/api/v1"
BOOKKEEPING = frozenset({"api_tokens", "login_failures", "login_attempts", "alembic_version"})


@dataclass(frozen=True)
class World:
    """One operator with a depot, a bus, a part, a programme task, a work order, a technician."""

    depot: Depot
    bus: Vehicle
    logins: dict[Role, Login]
    ids: dict[str, int]

    def path(self, template: str) -> str:
        """``template`` with the world's ids filled in."""
        return API + template.format(**self.ids)


def build_world(session: Session) -> World:
    """A committed world to send bad input to."""
    operator = make_operator(session)
    depot = make_depot(session, operator)
    bus = make_vehicle(session, depot)
    logins = {role: make_login(session, operator, role) for role in Role}
    manager = logins[Role.FLEET_MANAGER].actor
    part = parts.create_part(session, manager, sku="NUT-1", name="Wheel nut")
    programme = programmes.import_programme(session, manager, data=programme_in())
    [task] = session.scalars(
        select(ProgrammeTask).where(ProgrammeTask.programme_id == programme.id)
    )
    order = workorders.create_work_order(session, manager, vehicle_id=bus.id, title="Check")
    technician = Technician(operator_id=operator.id, full_name="T. Nut")
    session.add(technician)
    session.commit()
    ids = {
        "depot": depot.id,
        "vehicle": bus.id,
        "part": part.id,
        "programme": programme.id,
        "task": task.id,
        "order": order.id,
        "technician": technician.id,
    }
    return World(depot=depot, bus=bus, logins=logins, ids=ids)


def programme_in() -> ProgrammeIn:
    """A one-task programme for the world's city bus."""
    return ProgrammeIn.model_validate(
        {
            "code": "bus-basic",
            "name": "Bus basic",
            "model_families": ["city-bus-12m"],
            "source": "test",
            "tasks": [{"code": "TO-1", "name": "TO-1", "interval_km": 10_000, "soon_km": 500}],
        }
    )


def send(client: TestClient, login: Login, method: str, url: str, body: object) -> Response:
    """Send ``body`` as JSON as Python writes it: Infinity and NaN are written out, unquoted."""
    content = json.dumps(body, allow_nan=True)
    headers = {**login.headers, "Content-Type": "application/json"}
    return client.request(method, url, content=content, headers=headers)


def database(session: Session) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but token bookkeeping: what 'changes nothing' compares."""
    session.expire_all()
    return {
        table.name: sorted(
            (tuple(row) for row in session.execute(select(table))), key=lambda row: repr(row)
        )
        for table in Base.metadata.sorted_tables
        if table.name not in BOOKKEEPING
    }


def refused(answer: Response, field: str) -> None:
    """Assert a 422 naming ``field``."""
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == field, answer.text


@dataclass(frozen=True)
class Case:
    """One refused request of a parametrised table: who sends what where, and the field named."""

    role: Role
    method: str
    path: str
    body: object
    field: str


def refused_and_unchanged(client: TestClient, session: Session, world: World, case: Case) -> None:
    """Send ``case`` (its body may be built from the world); a 422 naming its field, no write."""
    before = database(session)
    payload = case.body(world) if callable(case.body) else case.body
    answer = send(client, world.logins[case.role], case.method, world.path(case.path), payload)
    refused(answer, case.field)
    assert database(session) == before


def vehicle_body(world: World, **overrides: object) -> dict[str, object]:
    """A valid new-vehicle body for the world's depot, with ``overrides``."""
    body: dict[str, object] = {
        "depot_id": world.depot.id,
        "plate": "NEW 1",
        "vehicle_class": "bus",
        "make": "Generic Works",
        "model": "12 m",
        "model_family": "city-bus-12m",
        "engine_type": "diesel",
    }
    body.update(overrides)
    return body


INF, NAN = float("inf"), float("nan")
FM, SE, INSPECTOR = Role.FLEET_MANAGER, Role.SERVICE_ENGINEER, Role.INSPECTOR
