"""Two operators seeded through the API as their users would, so every kind of record exists.

Each tenant gets a user per role, two depots (RU and US), three vehicles, the shipped
programmes, meter readings, a baseline, inspections (one clean, two with failures and so
defects), a release and a refusal, a wheel change, a certified technician with a training,
a part with stock, two work orders, a defect in repair and an extra user. Every text that
names a tenant's record carries the tenant's label, so a body that leaks it is easy to find.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Connection, func, select, union_all
from sqlalchemy.orm import Session

from factories import Login, make_login, make_operator
from tightnut.auth.models import Role
from tightnut.db import Base
from tightnut.demo.checks import results_for
from tightnut.rules import RuleCatalog

API = "/api/v1"
NOWHERE_ID = 2_000_000_011
"""An id no record has: a plausible one (it fits every id column), beyond any test's sequence."""


@dataclass
class Tenant:
    """One operator's users (a login per role), record ids by kind, and its tell-tale texts."""

    label: str
    operator_id: int
    logins: dict[Role, Login]
    ids: dict[str, list[int]] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)

    def add(self, kind: str, record_id: int) -> int:
        """Remember ``record_id`` as one of this tenant's ``kind`` ids (a path parameter name)."""
        self.ids.setdefault(kind, []).append(record_id)
        return record_id

    def leaked(self, text: str) -> list[str]:
        """The tenant's tell-tale texts that appear in ``text``."""
        return [secret for secret in self.secrets if secret in text]


@dataclass(frozen=True)
class World:
    """The caller's operator (home) and another one (away)."""

    home: Tenant
    away: Tenant


def seed_world(client: TestClient, session: Session, catalog: RuleCatalog) -> World:
    """Two operators with the same kinds of records, seeded through the API."""
    return World(
        home=seed_tenant(client, session, catalog, label="Alpha"),
        away=seed_tenant(client, session, catalog, label="Bravo"),
    )


def seed_tenant(
    client: TestClient, session: Session, catalog: RuleCatalog, *, label: str
) -> Tenant:
    """One operator with a record of every kind the API serves."""
    operator = make_operator(session, name=f"{label} Zq Transport")
    logins = {role: make_login(session, operator, role) for role in Role}
    session.commit()
    tenant = Tenant(label=label, operator_id=operator.id, logins=logins)
    tenant.secrets.append(operator.name)
    for login in logins.values():
        tenant.add("user_id", login.actor.user_id)
    seeder = _Seeder(client, tenant, catalog)
    seeder.fleet()
    seeder.maintenance()
    seeder.inspections()
    seeder.people_and_parts()
    seeder.work()
    return tenant


def row_counts(connection: Connection) -> dict[str, int]:
    """The number of rows in every table of the schema, in one query."""
    tables = Base.metadata.sorted_tables
    counts = union_all(*(select(func.count().label("n")).select_from(table) for table in tables))
    return {t.name: n for t, n in zip(tables, connection.execute(counts).scalars(), strict=True)}


class _Seeder:
    """Steps of seeding one tenant; each request's status is checked."""

    def __init__(self, client: TestClient, tenant: Tenant, catalog: RuleCatalog) -> None:
        self.client = client
        self.tenant = tenant
        self.catalog = catalog
        self.mark = f"QZ{tenant.label[0]}"

    def call(
        self, role: Role, method: str, path: str, body: object = None, *, expect: int = 201
    ) -> dict[str, object]:
        """Send one request as ``role`` and insist on ``expect``."""
        headers = self.tenant.logins[role].headers
        response = self.client.request(method, API + path, json=body, headers=headers)
        assert response.status_code == expect, (
            f"seed {method} {path}: {response.status_code} {response.text}"
        )
        found: dict[str, object] = response.json() if response.content else {}
        return found

    def secret(self, text: str) -> str:
        """A text that names this tenant's record, remembered for the leak checks."""
        self.tenant.secrets.append(text)
        return text

    def fleet(self) -> None:
        """Two depots and three vehicles."""
        manager = Role.FLEET_MANAGER
        label = self.tenant.label
        ru = self.call(
            manager,
            "POST",
            "/depots",
            {
                "name": self.secret(f"{label} Zqnorth depot"),
                "timezone": "Europe/Moscow",
                "jurisdiction": "RU",
                "shift_starts": ["00:00", "08:00", "16:00"],
            },
        )
        us = self.call(
            manager,
            "POST",
            "/depots",
            {
                "name": self.secret(f"{label} Zqprairie yard"),
                "timezone": "America/Chicago",
                "jurisdiction": "US",
                "shift_starts": ["00:00", "12:00"],
            },
        )
        self.ru_depot = self.tenant.add("depot_id", _id(ru))
        self.us_depot = self.tenant.add("depot_id", _id(us))
        self.bus = self._vehicle(self.ru_depot, 1, "bus", "diesel", "city-bus-12m")
        self.gas_bus = self._vehicle(self.ru_depot, 2, "bus", "cng", "city-bus-12m")
        self.truck = self._vehicle(self.us_depot, 3, "truck", "diesel", "class-8-tractor")

    def _vehicle(self, depot_id: int, n: int, kind: str, engine: str, family: str) -> int:
        body: dict[str, object] = {
            "depot_id": depot_id,
            "plate": self.secret(f"{self.mark}{n:04d}"),
            "vehicle_class": kind,
            "make": "Generic Works",
            "model": self.secret(f"{self.tenant.label} Zqmodel {n}"),
            "model_family": family,
            "engine_type": engine,
            "fastener_positions": 10,
            "odometer_km": 100_000.0,
            "engine_hours": 5_000.0,
        }
        if engine == "cng":
            body["gas_cylinder_cert_due"] = (date.today() + timedelta(days=365)).isoformat()
        return self.tenant.add(
            "vehicle_id", _id(self.call(Role.FLEET_MANAGER, "POST", "/vehicles", body))
        )

    def maintenance(self) -> None:
        """The shipped programmes, meter readings, a baseline and a wheel change."""
        shipped = self.client.post(
            f"{API}/programmes/import-shipped",
            headers=self.tenant.logins[Role.FLEET_MANAGER].headers,
        )
        assert shipped.status_code == 201, f"seed import-shipped: {shipped.text}"
        bus_tasks: list[int] = []
        for programme in shipped.json():
            self.tenant.add("programme_id", programme["id"])
            for task in programme["tasks"]:
                self.tenant.add("task_id", task["id"])
                fits = not task["engine_types"] or "diesel" in task["engine_types"]
                if "city-bus-12m" in programme["model_families"] and fits:
                    bus_tasks.append(task["id"])
        assert bus_tasks, "the shipped programmes have no city-bus task"
        self.bus_task = bus_tasks[0]
        for vehicle in (self.bus, self.gas_bus, self.truck):
            self.call(
                Role.DRIVER,
                "POST",
                f"/vehicles/{vehicle}/meters",
                {"meter": "odometer_km", "value": 100_000.0},
            )
        done = {
            "last_done_km": 100_000.0,
            "last_done_hours": 5_000.0,
            "last_done_on": (date.today() - timedelta(days=1)).isoformat(),
        }
        for task in bus_tasks:  # done yesterday, so no overdue work blocks the bus's release
            self.call(
                Role.FLEET_MANAGER,
                "PUT",
                f"/vehicles/{self.bus}/tasks/{task}/baseline",
                done,
                expect=200,
            )
        self.call(
            Role.DRIVER,
            "POST",
            f"/vehicles/{self.bus}/events",
            {
                "kind": "wheel_change",
                "odometer_km": 100_000.0,
                "note": self.secret(f"{self.tenant.label} Zqwheels"),
            },
        )

    def inspections(self) -> None:
        """A clean inspection and a release; two failing ones, their defects and a refusal."""
        self._inspect(self.bus, "RU", "bus", "diesel", failures=None)
        gas = self._inspect(self.gas_bus, "RU", "bus", "cng", failures="brakes.service")
        truck = self._inspect(self.truck, "US", "truck", "diesel", failures="brakes.parking")
        self.defect, self.truck_defect = gas[0], truck[0]
        self.call(Role.INSPECTOR, "POST", f"/vehicles/{self.bus}/release", {})
        self.call(Role.INSPECTOR, "POST", f"/vehicles/{self.gas_bus}/release", {}, expect=409)

    def _inspect(
        self, vehicle: int, jurisdiction: str, kind: str, engine: str, *, failures: str | None
    ) -> list[int]:
        items = self.catalog.checklist(
            jurisdiction=jurisdiction, vehicle_class=kind, engine_type=engine
        )
        failed = (
            {
                failures: {
                    "passed": False,
                    "note": self.secret(f"{self.tenant.label} Zqfault {vehicle}"),
                }
            }
            if failures
            else None
        )
        results = results_for(items, vehicle_class=kind, fastener_positions=10, failures=failed)
        found = self.call(
            Role.INSPECTOR, "POST", "/inspections", {"vehicle_id": vehicle, "results": results}
        )
        self.tenant.add("inspection_id", _id(found))
        defect_ids = [int(d) for d in found["defect_ids"]]  # type: ignore[attr-defined]
        assert bool(defect_ids) == bool(failures), f"seed inspection of {vehicle}: {found}"
        for defect_id in defect_ids:
            self.tenant.add("defect_id", defect_id)
        return defect_ids

    def people_and_parts(self) -> None:
        """A technician certified for the gas bus with a training, and a part in stock."""
        engineer = self.tenant.logins[Role.SERVICE_ENGINEER]
        technician = self.call(
            Role.SERVICE_ENGINEER,
            "POST",
            "/technicians",
            {
                "full_name": self.secret(f"{self.tenant.label} Zqtechnician"),
                "user_id": engineer.actor.user_id,
                "hub": self.secret(f"{self.tenant.label} Zqhub"),
            },
        )
        self.technician = self.tenant.add("technician_id", _id(technician))
        today = date.today()
        self.call(
            Role.SERVICE_ENGINEER,
            "POST",
            f"/technicians/{self.technician}/certifications",
            {
                "model_family": "city-bus-12m",
                "engine_type": "cng",
                "issued_on": (today - timedelta(days=100)).isoformat(),
                "expires_on": (today + timedelta(days=600)).isoformat(),
            },
        )
        self.call(
            Role.SERVICE_ENGINEER,
            "POST",
            f"/technicians/{self.technician}/trainings",
            {
                "title": self.secret(f"{self.tenant.label} Zqcourse"),
                "provider": "Generic Academy",
                "model_family": "city-bus-12m",
                "engine_type": "diesel",
                "completed_on": (today - timedelta(days=10)).isoformat(),
            },
        )
        part = self.call(
            Role.FLEET_MANAGER,
            "POST",
            "/parts",
            {
                "sku": self.secret(f"{self.mark}-OF1"),
                "name": self.secret(f"{self.tenant.label} Zqfilter"),
            },
        )
        self.part = self.tenant.add("part_id", _id(part))
        self.call(
            Role.FLEET_MANAGER,
            "PUT",
            f"/parts/{self.part}/stock/{self.ru_depot}",
            {"quantity": 40.0},
            expect=200,
        )

    def work(self) -> None:
        """Two work orders (one assigned), a defect in repair, a maintenance plan, a new user."""
        planner = Role.FLEET_MANAGER
        repair = self.call(planner, "POST", f"/defects/{self.defect}/work-order")
        self.tenant.add("work_order_id", _id(repair))
        self.call(
            planner,
            "POST",
            f"/work-orders/{_id(repair)}/assign",
            {"version": repair["version"], "technician_id": self.technician},
            expect=200,
        )
        service = self.call(
            planner,
            "POST",
            "/work-orders",
            {
                "vehicle_id": self.bus,
                "title": self.secret(f"{self.tenant.label} Zqservice"),
                "task_ids": [self.bus_task],
            },
        )
        self.tenant.add("work_order_id", _id(service))
        self.call(
            Role.SERVICE_ENGINEER,
            "POST",
            f"/defects/{self.truck_defect}/start-repair",
            {"note": self.secret(f"{self.tenant.label} Zqrepair")},
            expect=200,
        )
        self.call(planner, "POST", "/maintenance/plan", {"depot_id": self.ru_depot, "days": 30})
        user = self.call(
            Role.ADMIN,
            "POST",
            "/users",
            {
                "email": self.secret(f"{self.tenant.label.lower()}.zq@example.test"),
                "full_name": self.secret(f"{self.tenant.label} Zqperson"),
                "role": "dispatcher",
            },
        )
        self.tenant.add("user_id", _id(user))
        for login in self.tenant.logins.values():
            self.secret(_email_of(self.client, login))
        token = self.call(
            Role.DRIVER,
            "POST",
            "/me/tokens",
            {"label": self.secret(f"{self.tenant.label} Zqtablet")},
        )
        self.tenant.add("token_id", _id(token))


def _id(body: dict[str, object]) -> int:
    value = body["id"]
    assert isinstance(value, int), f"no id in {body}"
    return value


def _email_of(client: TestClient, login: Login) -> str:
    me = client.get(f"{API}/me", headers=login.headers)
    assert me.status_code == 200, f"seed /me: {me.text}"
    email: str = me.json()["email"]
    return email
