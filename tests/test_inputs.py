"""Every input the API takes is sane: bad input is a 422 naming the field and changes nothing.

Numbers are finite and inside physical ranges, ids are JSON integers, PATCH nulls are refused,
client clocks carry a zone and a sane year, dates are ISO text, text has no NUL byte and a
length limit, lists are bounded, and the meter batch is capped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from factories import Login, inspection_body, make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Role
from tightnut.db import Base
from tightnut.fleet.models import Depot, Vehicle
from tightnut.maintenance import programmes
from tightnut.maintenance.models import Programme, ProgrammeTask
from tightnut.maintenance.schemas import ProgrammeIn
from tightnut.people.models import Technician
from tightnut.rules import RuleCatalog
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


@pytest.fixture
def world(session: Session) -> World:
    """A committed world to send bad input to."""
    operator = make_operator(session)
    depot = make_depot(session, operator)
    bus = make_vehicle(session, depot)
    logins = {role: make_login(session, operator, role) for role in Role}
    manager = logins[Role.FLEET_MANAGER].actor
    part = parts.create_part(session, manager, sku="NUT-1", name="Wheel nut")
    programme = programmes.import_programme(session, manager, data=_programme())
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


def _programme() -> ProgrammeIn:
    return ProgrammeIn.model_validate(
        {
            "code": "bus-basic",
            "name": "Bus basic",
            "model_families": ["city-bus-12m"],
            "source": "test",
            "tasks": [{"code": "TO-1", "name": "TO-1", "interval_km": 10_000, "soon_km": 500}],
        }
    )


def _send(client: TestClient, login: Login, method: str, url: str, body: object) -> Response:
    """Send ``body`` as JSON as Python writes it: Infinity and NaN are written out, unquoted."""
    content = json.dumps(body, allow_nan=True)
    headers = {**login.headers, "Content-Type": "application/json"}
    return client.request(method, url, content=content, headers=headers)


def _database(session: Session) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but token bookkeeping: what 'changes nothing' compares."""
    session.expire_all()
    return {
        table.name: sorted(
            (tuple(row) for row in session.execute(select(table))), key=lambda row: repr(row)
        )
        for table in Base.metadata.sorted_tables
        if table.name not in BOOKKEEPING
    }


def _refused(answer: Response, field: str) -> None:
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == field, answer.text


def _vehicle(world: World, **overrides: object) -> dict[str, object]:
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

# (role, method, path, body or a function of the world giving it, the field the 422 names)
NUMBERS = [
    (FM, "POST", "/vehicles", lambda w: _vehicle(w, odometer_km=INF), "body.odometer_km"),
    (FM, "POST", "/vehicles", lambda w: _vehicle(w, odometer_km=NAN), "body.odometer_km"),
    (FM, "POST", "/vehicles", lambda w: _vehicle(w, odometer_km=1e308), "body.odometer_km"),
    (FM, "POST", "/vehicles", lambda w: _vehicle(w, engine_hours=2e6), "body.engine_hours"),
    (
        FM,
        "POST",
        "/vehicles/{vehicle}/meters",
        {"meter": "odometer_km", "value": INF},
        "body.value",
    ),
    (
        FM,
        "POST",
        "/vehicles/{vehicle}/meters",
        {"meter": "engine_hours", "value": 5e6},
        "body.value",
    ),
    (
        FM,
        "POST",
        "/vehicles/{vehicle}/meter-replacements",
        {"meter": "odometer_km", "old_final_value": 1e308, "new_start_value": 0, "reason": "new"},
        "body.old_final_value",
    ),
    (
        FM,
        "POST",
        "/vehicles/{vehicle}/meter-replacements",
        {"meter": "engine_hours", "old_final_value": 6000, "new_start_value": NAN, "reason": "x1"},
        "body.new_start_value",
    ),
    (FM, "PUT", "/parts/{part}/stock/{depot}", {"quantity": INF}, "body.quantity"),
    (FM, "PUT", "/parts/{part}/stock/{depot}", {"quantity": 1e12}, "body.quantity"),
    (FM, "POST", "/parts/{part}/stock/{depot}/receipts", {"quantity": NAN}, "body.quantity"),
    (
        FM,
        "POST",
        "/meter-readings",
        lambda w: {"readings": [{"vehicle_id": w.bus.id, "meter": "odometer_km", "value": 1e308}]},
        "body.readings[0].value",
    ),
    (
        FM,
        "POST",
        "/meter-readings",
        lambda w: {"readings": [{"vehicle_id": w.bus.id, "meter": "odometer_km", "value": INF}]},
        "body.readings[0].value",
    ),
    (
        FM,
        "PATCH",
        "/programmes/{programme}/tasks/{task}",
        {"interval_km": INF},
        "body.interval_km",
    ),
    (FM, "PATCH", "/programmes/{programme}/tasks/{task}", {"soon_days": 1e9}, "body.soon_days"),
    (
        FM,
        "POST",
        "/vehicles/{vehicle}/events",
        {"kind": "wheel_change", "odometer_km": INF},
        "body.odometer_km",
    ),
    (
        FM,
        "PUT",
        "/vehicles/{vehicle}/tasks/{task}/baseline",
        {"last_done_hours": 1e308},
        "body.last_done_hours",
    ),
    (SE, "PATCH", "/work-orders/{order}", {"version": 1, "labour_hours": INF}, "body.labour_hours"),
    (
        SE,
        "POST",
        "/work-orders/{order}/parts",
        lambda w: {"version": 1, "part_id": w.ids["part"], "quantity": 1e300},
        "body.quantity",
    ),
    (
        FM,
        "POST",
        "/technicians/{technician}/trainings",
        {
            "title": "CNG",
            "provider": "Academy",
            "model_family": "city-bus-12m",
            "engine_type": "cng",
            "completed_on": "2024-01-10",
            "hours": INF,
        },
        "body.hours",
    ),
]


@pytest.mark.parametrize(("role", "method", "path", "body", "field"), NUMBERS)
def test_non_finite_or_absurd_numbers_are_refused_naming_the_field(
    client: TestClient,
    session: Session,
    world: World,
    role: Role,
    method: str,
    path: str,
    body: object,
    field: str,
) -> None:
    before = _database(session)
    payload = body(world) if callable(body) else body
    _refused(_send(client, world.logins[role], method, world.path(path), payload), field)
    assert _database(session) == before


def test_inspection_meters_and_measured_values_are_finite(
    client: TestClient, session: Session, world: World, catalog: RuleCatalog
) -> None:
    inspector = world.logins[INSPECTOR]
    before = _database(session)
    body = inspection_body(catalog, world.depot, world.bus, odometer_km=INF)
    _refused(_send(client, inspector, "POST", API + "/inspections", body), "body.odometer_km")
    results = inspection_body(catalog, world.depot, world.bus)["results"]
    assert isinstance(results, list)
    results[0] = {**results[0], "value": NAN}
    body = {"vehicle_id": world.bus.id, "results": results}
    _refused(_send(client, inspector, "POST", API + "/inspections", body), "body.results[0].value")
    results[0] = {**results[0], "value": None, "count": 10**30}
    _refused(_send(client, inspector, "POST", API + "/inspections", body), "body.results[0].count")
    assert _database(session) == before


def test_the_openapi_names_each_physical_range(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    odometer = schemas["VehicleCreate"]["properties"]["odometer_km"]["anyOf"][0]
    assert (odometer["minimum"], odometer["maximum"]) == (0, 10_000_000)
    hours = schemas["VehicleCreate"]["properties"]["engine_hours"]["anyOf"][0]
    assert hours["maximum"] == 1_000_000
    assert schemas["StockSet"]["properties"]["quantity"]["maximum"] > 0
    assert schemas["MeterBatch"]["properties"]["readings"]["maxItems"] == 1_000


def test_an_infinite_odometer_no_longer_takes_the_due_list_and_board_down(
    client: TestClient, session: Session, world: World
) -> None:
    manager = world.logins[FM]
    created = _send(client, manager, "POST", API + "/vehicles", _vehicle(world, odometer_km=INF))
    _refused(created, "body.odometer_km")
    due = client.get(API + "/maintenance/due", headers=manager.headers)
    assert due.status_code == 200, due.text
    assert [row["vehicle_id"] for row in due.json()] == [world.bus.id]
    board = client.get(world.path("/depots/{depot}/board"), headers=manager.headers)
    assert board.status_code == 200, board.text


def test_stock_is_never_counted_beyond_its_range(
    client: TestClient, session: Session, world: World
) -> None:
    manager = world.logins[FM]
    url = world.path("/parts/{part}/stock/{depot}")
    assert _send(client, manager, "PUT", url, {"quantity": 9_999_999}).status_code == 200
    before = _database(session)
    receipt = _send(client, manager, "POST", url + "/receipts", {"quantity": 5})
    _refused(receipt, "quantity")
    assert _database(session) == before


IDS = [
    (lambda depot: False, "false"),
    (lambda depot: True, "true"),
    (str, "text"),
    (float, "float"),
    (lambda depot: 2**64, "beyond 64 bits"),
]


@pytest.mark.parametrize(("depot_id", "why"), IDS, ids=[why for _, why in IDS])
def test_ids_in_bodies_are_json_integers(
    client: TestClient, session: Session, world: World, depot_id: Callable[[int], object], why: str
) -> None:
    before = _database(session)
    body = _vehicle(world, depot_id=depot_id(world.depot.id))
    answer = _send(client, world.logins[FM], "POST", API + "/vehicles", body)
    _refused(answer, "body.depot_id")
    assert _database(session) == before


@pytest.mark.parametrize(
    ("role", "path", "body", "field"),
    [
        (FM, "/programmes/{programme}/tasks/{task}", {"soon_km": None}, "body.soon_km"),
        (FM, "/programmes/{programme}/tasks/{task}", {"tolerance_pct": None}, "body.tolerance_pct"),
        (FM, "/programmes/{programme}/tasks/{task}", {"includes": None}, "body.includes"),
        (
            FM,
            "/programmes/{programme}/tasks/{task}",
            {"safety_critical": None},
            "body.safety_critical",
        ),
        (FM, "/programmes/{programme}/tasks/{task}", {"interval_km": None}, "interval_km"),
        (SE, "/work-orders/{order}", {"version": 1, "labour_hours": None}, "body.labour_hours"),
        (SE, "/work-orders/{order}", {"version": None}, "body.version"),
    ],
)
def test_explicit_null_in_a_patch_is_refused_naming_the_field(
    client: TestClient,
    session: Session,
    world: World,
    role: Role,
    path: str,
    body: dict[str, object],
    field: str,
) -> None:
    before = _database(session)
    _refused(_send(client, world.logins[role], "PATCH", world.path(path), body), field)
    assert _database(session) == before


def test_a_null_interval_removes_it_when_another_one_remains(
    client: TestClient, session: Session, world: World
) -> None:
    manager = world.logins[FM]
    url = world.path("/programmes/{programme}/tasks/{task}")
    both = _send(client, manager, "PATCH", url, {"interval_days": 365})
    assert both.status_code == 200, both.text
    dropped = _send(client, manager, "PATCH", url, {"interval_km": None})
    assert dropped.status_code == 200, dropped.text
    assert (dropped.json()["interval_km"], dropped.json()["interval_days"]) == (None, 365)


def _aware(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


CLOCKS = [
    ("2024-05-01T08:00:00", "no time zone"),
    ("0001-01-01T00:00:00+00:00", "year 1"),
    ("9999-12-31T23:59:59+00:00", "year 9999"),
    ("1999-12-31T23:00:00+00:00", "before 2000"),
    (_aware(days=2), "two days ahead"),
    (1_700_000_000, "a number"),
]


@pytest.mark.parametrize(("client_time", "why"), CLOCKS, ids=[why for _, why in CLOCKS])
def test_client_times_carry_a_zone_and_lie_in_a_sane_window(
    client: TestClient,
    session: Session,
    world: World,
    catalog: RuleCatalog,
    client_time: object,
    why: str,
) -> None:
    before = _database(session)
    inspection = inspection_body(catalog, world.depot, world.bus, client_time=client_time)
    for role, path, body in (
        (INSPECTOR, "/inspections", inspection),
        (INSPECTOR, "/vehicles/{vehicle}/release", {"client_time": client_time}),
        (
            FM,
            "/vehicles/{vehicle}/meters",
            {"meter": "odometer_km", "value": 100_001, "client_time": client_time},
        ),
    ):
        answer = _send(client, world.logins[role], "POST", world.path(path), body)
        _refused(answer, "body.client_time")
    assert _database(session) == before


def test_a_client_time_with_a_zone_is_kept(
    client: TestClient, world: World, catalog: RuleCatalog
) -> None:
    sent = _aware(minutes=-5)
    body = inspection_body(catalog, world.depot, world.bus, client_time=sent)
    answer = _send(client, world.logins[INSPECTOR], "POST", API + "/inspections", body)
    assert answer.status_code == 201, answer.text
    kept = datetime.fromisoformat(answer.json()["client_time"])
    assert abs(kept - datetime.fromisoformat(sent)) < timedelta(seconds=1)


@pytest.mark.parametrize("day", [0, 20240110, "10.01.2024", "0001-01-01", "9999-12-31"])
def test_dates_are_iso_days_in_a_sane_range(
    client: TestClient, session: Session, world: World, day: object
) -> None:
    before = _database(session)
    certification = {
        "model_family": "city-bus-12m",
        "engine_type": "diesel",
        "issued_on": day,
        "expires_on": "2030-01-01",
    }
    for role, method, path, body, field in (
        (FM, "POST", "/technicians/{technician}/certifications", certification, "body.issued_on"),
        (
            FM,
            "PUT",
            "/vehicles/{vehicle}/tasks/{task}/baseline",
            {"last_done_on": day},
            "body.last_done_on",
        ),
        (
            FM,
            "POST",
            "/work-orders",
            {"vehicle_id": world.bus.id, "title": "x", "planned_on": day},
            "body.planned_on",
        ),
        (
            FM,
            "POST",
            "/vehicles",
            _vehicle(world, gas_cylinder_cert_due=day),
            "body.gas_cylinder_cert_due",
        ),
    ):
        _refused(_send(client, world.logins[role], method, world.path(path), body), field)
    assert _database(session) == before


NUL = "bad\x00text"
TEXTS = [
    (
        FM,
        "POST",
        "/depots",
        {"name": NUL, "timezone": "UTC", "jurisdiction": "EU", "shift_starts": ["06:00"]},
        "body.name",
    ),
    (FM, "POST", "/vehicles", lambda w: _vehicle(w, plate=NUL), "body.plate"),
    (
        FM,
        "POST",
        "/vehicles/{vehicle}/meter-replacements",
        {"meter": "odometer_km", "old_final_value": 100_000, "new_start_value": 0, "reason": NUL},
        "body.reason",
    ),
    (FM, "POST", "/parts", {"sku": "S-1", "name": NUL}, "body.name"),
    (FM, "POST", "/technicians", {"full_name": "A", "hub": NUL}, "body.hub"),
    (SE, "PATCH", "/work-orders/{order}", {"version": 1, "notes": NUL}, "body.notes"),
    (
        FM,
        "POST",
        "/programmes",
        lambda w: {**_programme().model_dump(), "code": "p2", "model_families": [NUL]},
        "body.model_families[0]",
    ),
    (FM, "PATCH", "/programmes/{programme}/tasks/{task}", {"includes": [NUL]}, "body.includes[0]"),
]


@pytest.mark.parametrize(("role", "method", "path", "body", "field"), TEXTS)
def test_a_nul_byte_in_text_is_refused_naming_the_field(
    client: TestClient,
    session: Session,
    world: World,
    role: Role,
    method: str,
    path: str,
    body: object,
    field: str,
) -> None:
    before = _database(session)
    payload = body(world) if callable(body) else body
    _refused(_send(client, world.logins[role], method, world.path(path), payload), field)
    assert _database(session) == before


def test_a_nul_byte_in_a_note_or_a_query_is_refused(
    client: TestClient, session: Session, world: World, catalog: RuleCatalog
) -> None:
    inspector = world.logins[INSPECTOR]
    before = _database(session)
    body = inspection_body(catalog, world.depot, world.bus, note=NUL)
    _refused(_send(client, inspector, "POST", API + "/inspections", body), "body.note")
    hub = client.get(API + "/technicians", params={"hub": NUL}, headers=inspector.headers)
    _refused(hub, "query.hub")
    assert client.get(API + "/technicians?hub=x", headers=inspector.headers).status_code == 200
    assert _database(session) == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/programmes",
            {**_programme().model_dump(), "code": "p3", "model_families": ["x" * 10_000]},
            "body.model_families[0]",
        ),
        (
            "/programmes",
            {**_programme().model_dump(), "code": "p4", "model_families": ["f"] * 1_000},
            "body.model_families",
        ),
        ("/programmes/{programme}/tasks/{task}", {"includes": ["x" * 10_000]}, "body.includes[0]"),
        (
            "/depots",
            {
                "name": "D",
                "timezone": "x" * 10_000,
                "jurisdiction": "EU",
                "shift_starts": ["06:00"],
            },
            "body.timezone",
        ),
    ],
)
def test_lists_and_their_items_are_bounded(
    client: TestClient, session: Session, world: World, path: str, body: object, field: str
) -> None:
    before = _database(session)
    method = "PATCH" if "tasks" in path else "POST"
    _refused(_send(client, world.logins[FM], method, world.path(path), body), field)
    assert _database(session) == before


def test_the_meter_batch_takes_at_most_a_thousand_readings(
    client: TestClient, session: Session, world: World
) -> None:
    manager = world.logins[FM]
    reading = {"vehicle_id": world.bus.id, "meter": "odometer_km", "value": 100_000}
    before = _database(session)
    over = _send(client, manager, "POST", API + "/meter-readings", {"readings": [reading] * 1_001})
    _refused(over, "body.readings")
    assert "1000" in over.json()["error"]["message"]
    assert _database(session) == before
    at_cap = _send(
        client, manager, "POST", API + "/meter-readings", {"readings": [reading] * 1_000}
    )
    assert at_cap.status_code == 201, at_cap.text
    assert at_cap.json() == {"recorded": 1_000}


@pytest.mark.parametrize("role", [r for r in Role if r not in (Role.FLEET_MANAGER, Role.ADMIN)])
def test_importing_shipped_programmes_needs_the_right(
    client: TestClient, session: Session, world: World, role: Role
) -> None:
    manager = world.logins[FM]
    imported = client.post(API + "/programmes/import-shipped", headers=manager.headers)
    assert imported.status_code == 201, imported.text
    assert imported.json(), "the shipped programmes went in for the fleet manager"
    before = _database(session)
    for _ in range(2):  # with nothing left to import as with something to import
        answer = client.post(API + "/programmes/import-shipped", headers=world.logins[role].headers)
        assert answer.status_code == 403, answer.text
        assert _database(session) == before
        session.execute(delete(ProgrammeTask))
        session.execute(delete(Programme))
        session.commit()
        before = _database(session)
