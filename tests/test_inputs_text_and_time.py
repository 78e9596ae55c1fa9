"""Clocks, days and text the API takes: bad input is a 422 naming the field, and nothing changes.

A client's clock carries its zone and lies between 2000 and a day ahead of the server; a day
is ISO text in 1900 … 2199; text has no NUL byte (PostgreSQL cannot store one) and a length
limit, in bodies, query strings and CSV files alike.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from factories import inspection_body
from input_world import (
    API,
    FM,
    INSPECTOR,
    SE,
    Case,
    World,
    build_world,
    database,
    programme_in,
    refused,
    refused_and_unchanged,
    send,
    vehicle_body,
)
from tightnut.auth.models import Role
from tightnut.rules import RuleCatalog


@pytest.fixture
def world(session: Session) -> World:
    """One operator with a depot, a bus, a part, a programme task, a work order, a technician."""
    return build_world(session)


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
    before = database(session)
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
        answer = send(client, world.logins[role], "POST", world.path(path), body)
        refused(answer, "body.client_time")
    assert database(session) == before


def test_a_client_time_with_a_zone_is_kept(
    client: TestClient, world: World, catalog: RuleCatalog
) -> None:
    sent = _aware(minutes=-5)
    body = inspection_body(catalog, world.depot, world.bus, client_time=sent)
    answer = send(client, world.logins[INSPECTOR], "POST", API + "/inspections", body)
    assert answer.status_code == 201, answer.text
    kept = datetime.fromisoformat(answer.json()["client_time"])
    assert abs(kept - datetime.fromisoformat(sent)) < timedelta(seconds=1)


@pytest.mark.parametrize("day", [0, 20240110, "10.01.2024", "0001-01-01", "9999-12-31"])
def test_dates_are_iso_days_in_a_sane_range(
    client: TestClient, session: Session, world: World, day: object
) -> None:
    before = database(session)
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
            vehicle_body(world, gas_cylinder_cert_due=day),
            "body.gas_cylinder_cert_due",
        ),
    ):
        refused(send(client, world.logins[role], method, world.path(path), body), field)
    assert database(session) == before


NUL = "bad\x00text"
TEXTS = [
    (
        FM,
        "POST",
        "/depots",
        {"name": NUL, "timezone": "UTC", "jurisdiction": "EU", "shift_starts": ["06:00"]},
        "body.name",
    ),
    (FM, "POST", "/vehicles", lambda w: vehicle_body(w, plate=NUL), "body.plate"),
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
        lambda w: {**programme_in().model_dump(), "code": "p2", "model_families": [NUL]},
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
    refused_and_unchanged(client, session, world, Case(role, method, path, body, field))


def test_a_nul_byte_in_a_note_or_a_query_isrefused(
    client: TestClient, session: Session, world: World, catalog: RuleCatalog
) -> None:
    inspector = world.logins[INSPECTOR]
    before = database(session)
    body = inspection_body(catalog, world.depot, world.bus, note=NUL)
    refused(send(client, inspector, "POST", API + "/inspections", body), "body.note")
    hub = client.get(API + "/technicians", params={"hub": NUL}, headers=inspector.headers)
    refused(hub, "query.hub")
    assert client.get(API + "/technicians?hub=x", headers=inspector.headers).status_code == 200
    assert database(session) == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/programmes",
            {**programme_in().model_dump(), "code": "p3", "model_families": ["x" * 10_000]},
            "body.model_families[0]",
        ),
        (
            "/programmes",
            {**programme_in().model_dump(), "code": "p4", "model_families": ["f"] * 1_000},
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
    before = database(session)
    method = "PATCH" if "tasks" in path else "POST"
    refused(send(client, world.logins[FM], method, world.path(path), body), field)
    assert database(session) == before


CSV_HEADER = "depot,plate,vehicle_class,make,model,model_family,engine_type\n"


def _csv_row(world: World, plate: str) -> str:
    return f"{world.depot.name},{plate},bus,Generic Works,12 m,city-bus-12m,diesel\n"


@pytest.mark.parametrize(
    ("rows", "why"),
    [
        (lambda w: _csv_row(w, "AB\x00123"), "a NUL byte in a plate"),
        (lambda w: _csv_row(w, "x" * 200_000), "a field beyond the CSV reader's limit"),
        (lambda w: "".join(_csv_row(w, f"P{n}") for n in range(2_001)), "2,001 vehicles"),
    ],
    ids=["nul", "huge field", "too many rows"],
)
def test_a_vehicle_csv_with_bad_text_is_refused_naming_the_file(
    client: TestClient, session: Session, world: World, rows: Callable[[World], str], why: str
) -> None:
    before = database(session)
    answer = client.post(
        API + "/vehicles/import",
        content=(CSV_HEADER + rows(world)).encode(),
        headers={**world.logins[FM].headers, "Content-Type": "text/csv"},
    )
    refused(answer, "file")
    assert database(session) == before


def test_a_meter_csv_takes_at_most_a_thousand_readings(
    client: TestClient, session: Session, world: World
) -> None:
    rows = "".join(f"{world.bus.plate},odometer_km,100000\n" for _ in range(1_001))
    before = database(session)
    answer = client.post(
        API + "/meter-readings/import",
        content=("plate,meter,value\n" + rows).encode(),
        headers={**world.logins[FM].headers, "Content-Type": "text/csv"},
    )
    refused(answer, "file")
    assert "at most 1000" in answer.json()["error"]["message"]
    assert database(session) == before
