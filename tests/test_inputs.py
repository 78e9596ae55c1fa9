"""Numbers, ids, nulls and sizes the API takes: bad input is a 422 naming the field, and nothing
changes.

Numbers are finite and inside the physical ranges the OpenAPI states, ids are JSON integers,
an explicit null in a PATCH is refused where it means nothing, lists are bounded, the meter
batch is capped, and importing the shipped programmes needs the right.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import Session

from factories import inspection_body
from input_world import (
    API,
    FM,
    INF,
    INSPECTOR,
    NAN,
    SE,
    Case,
    World,
    build_world,
    database,
    refused,
    refused_and_unchanged,
    send,
    vehicle_body,
)
from tightnut.auth.models import Role
from tightnut.maintenance.models import Programme, ProgrammeTask
from tightnut.rules import RuleCatalog


@pytest.fixture
def world(session: Session) -> World:
    """One operator with a depot, a bus, a part, a programme task, a work order, a technician."""
    return build_world(session)


# (role, method, path, body or a function of the world giving it, the field the 422 names)
NUMBERS = [
    (FM, "POST", "/vehicles", lambda w: vehicle_body(w, odometer_km=INF), "body.odometer_km"),
    (FM, "POST", "/vehicles", lambda w: vehicle_body(w, odometer_km=NAN), "body.odometer_km"),
    (FM, "POST", "/vehicles", lambda w: vehicle_body(w, odometer_km=1e308), "body.odometer_km"),
    (FM, "POST", "/vehicles", lambda w: vehicle_body(w, engine_hours=2e6), "body.engine_hours"),
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
    refused_and_unchanged(client, session, world, Case(role, method, path, body, field))


def test_inspection_meters_and_measured_values_are_finite(
    client: TestClient, session: Session, world: World, catalog: RuleCatalog
) -> None:
    inspector = world.logins[INSPECTOR]
    before = database(session)
    body = inspection_body(catalog, world.depot, world.bus, odometer_km=INF)
    refused(send(client, inspector, "POST", API + "/inspections", body), "body.odometer_km")
    results = inspection_body(catalog, world.depot, world.bus)["results"]
    assert isinstance(results, list)
    results[0] = {**results[0], "value": NAN}
    body = {"vehicle_id": world.bus.id, "results": results}
    refused(send(client, inspector, "POST", API + "/inspections", body), "body.results[0].value")
    results[0] = {**results[0], "value": None, "count": 10**30}
    refused(send(client, inspector, "POST", API + "/inspections", body), "body.results[0].count")
    assert database(session) == before


def test_the_openapi_names_each_physical_range(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    odometer = schemas["VehicleCreate"]["properties"]["odometer_km"]["anyOf"][0]
    assert (odometer["minimum"], odometer["maximum"]) == (0, 10_000_000)
    hours = schemas["VehicleCreate"]["properties"]["engine_hours"]["anyOf"][0]
    assert hours["maximum"] == 1_000_000
    assert schemas["StockSet"]["properties"]["quantity"]["maximum"] > 0
    assert schemas["MeterBatch"]["properties"]["readings"]["maxItems"] == 1_000


def _unbounded(
    schema: dict[str, Any], where: str, spec: dict[str, Any], seen: frozenset[str]
) -> list[str]:
    """Every string without maxLength, number without maximum, list without maxItems."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        return _unbounded(spec["components"]["schemas"][name], name, spec, seen | {name})
    found = [
        problem
        for key in ("anyOf", "oneOf", "allOf")
        for sub in schema.get(key, [])
        for problem in _unbounded(sub, where, spec, seen)
    ]
    kind = schema.get("type")
    free_text = "enum" not in schema and "const" not in schema and "format" not in schema
    if kind == "string" and free_text and "maxLength" not in schema:
        found.append(f"{where}: text without maxLength")
    if kind in ("number", "integer") and not {"maximum", "exclusiveMaximum"} & set(schema):
        found.append(f"{where}: {kind} without maximum")
    if kind == "array":
        if "maxItems" not in schema:
            found.append(f"{where}: list without maxItems")
        found += _unbounded(schema.get("items", {}), f"{where}[]", spec, seen)
    for name, sub in schema.get("properties", {}).items():
        found += _unbounded(sub, f"{where}.{name}", spec, seen)
    return found


def test_every_value_a_request_takes_is_bounded_in_the_openapi(client: TestClient) -> None:
    """Generated from the OpenAPI, so a new endpoint is covered without editing this test.

    CSV bodies are plain text under the 1 MiB body limit; their rows are bounded by the import.
    """
    spec = client.get("/openapi.json").json()
    problems: list[str] = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                where = f"{method.upper()} {path} {parameter['in']} {parameter['name']}"
                problems += _unbounded(parameter.get("schema", {}), where, spec, frozenset())
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                schema = content["application/json"].get("schema", {})
                problems += _unbounded(schema, f"{method.upper()} {path}", spec, frozenset())
    assert sorted(set(problems)) == []


def test_an_infinite_odometer_no_longer_takes_the_due_list_and_board_down(
    client: TestClient, session: Session, world: World
) -> None:
    manager = world.logins[FM]
    created = send(client, manager, "POST", API + "/vehicles", vehicle_body(world, odometer_km=INF))
    refused(created, "body.odometer_km")
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
    assert send(client, manager, "PUT", url, {"quantity": 9_999_999}).status_code == 200
    before = database(session)
    receipt = send(client, manager, "POST", url + "/receipts", {"quantity": 5})
    refused(receipt, "quantity")
    assert database(session) == before


IDS = [
    (lambda depot: False, "false"),
    (lambda depot: True, "true"),
    (str, "text"),
    (float, "float"),
    (lambda depot: 2**64, "beyond 64 bits"),
    (lambda depot: 2**31, "beyond the 32-bit id columns"),
]


@pytest.mark.parametrize(("depot_id", "why"), IDS, ids=[why for _, why in IDS])
def test_ids_in_bodies_are_json_integers(
    client: TestClient, session: Session, world: World, depot_id: Callable[[int], object], why: str
) -> None:
    before = database(session)
    body = vehicle_body(world, depot_id=depot_id(world.depot.id))
    answer = send(client, world.logins[FM], "POST", API + "/vehicles", body)
    refused(answer, "body.depot_id")
    assert database(session) == before


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
    before = database(session)
    refused(send(client, world.logins[role], "PATCH", world.path(path), body), field)
    assert database(session) == before


def test_a_null_interval_removes_it_when_another_one_remains(
    client: TestClient, session: Session, world: World
) -> None:
    manager = world.logins[FM]
    url = world.path("/programmes/{programme}/tasks/{task}")
    both = send(client, manager, "PATCH", url, {"interval_days": 365})
    assert both.status_code == 200, both.text
    dropped = send(client, manager, "PATCH", url, {"interval_km": None})
    assert dropped.status_code == 200, dropped.text
    assert (dropped.json()["interval_km"], dropped.json()["interval_days"]) == (None, 365)


def test_the_meter_batch_takes_at_most_a_thousand_readings(
    client: TestClient, session: Session, world: World
) -> None:
    manager = world.logins[FM]
    reading = {"vehicle_id": world.bus.id, "meter": "odometer_km", "value": 100_000}
    before = database(session)
    over = send(client, manager, "POST", API + "/meter-readings", {"readings": [reading] * 1_001})
    refused(over, "body.readings")
    assert "1000" in over.json()["error"]["message"]
    assert database(session) == before
    at_cap = send(client, manager, "POST", API + "/meter-readings", {"readings": [reading] * 1_000})
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
    before = database(session)
    for _ in range(2):  # with nothing left to import as with something to import
        answer = client.post(API + "/programmes/import-shipped", headers=world.logins[role].headers)
        assert answer.status_code == 403, answer.text
        assert database(session) == before
        session.execute(delete(ProgrammeTask))
        session.execute(delete(Programme))
        session.commit()
        before = database(session)


@pytest.mark.parametrize("path", ["/vehicles/{id}", "/defects/{id}", "/work-orders/{id}"])
def test_an_id_beyond_the_id_columns_is_refused_not_a_server_error(
    client: TestClient, world: World, path: str
) -> None:
    answer = client.get(API + path.format(id=2**31), headers=world.logins[FM].headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"].startswith("path.")
    listed = client.get(
        API + "/work-orders", params={"depot_id": 2**31}, headers=world.logins[FM].headers
    )
    assert listed.status_code == 422, listed.text
    assert listed.json()["error"]["field"] == "query.depot_id"
