"""A vehicle's records read back through the API: paged newest first, tenant-scoped, validated."""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from factories import Login, inspection_body, make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Operator, Role
from tightnut.db import utcnow
from tightnut.defects.models import Defect
from tightnut.fleet.models import Depot, MeterReading, Vehicle, VehicleEvent
from tightnut.gate.models import ReleaseDecision
from tightnut.inspections.models import Inspection
from tightnut.rules import RuleCatalog
from tightnut.workorders.models import WorkOrder

# Out of order on purpose, with a tie at 3: the id breaks it.
MINUTES = (5, 1, 3, 3, 0, 4, 2)
_serial = itertools.count(1)


@dataclass(frozen=True)
class Fleet:
    """One operator's depot with two buses, a user, and a stranger operator with its own bus."""

    operator: Operator
    depot: Depot
    bus: Vehicle
    other_bus: Vehicle
    user: Login
    stranger: Login
    strangers_bus: Vehicle


@pytest.fixture
def fleet(session: Session) -> Fleet:
    operator, foreign = make_operator(session), make_operator(session)
    depot, foreign_depot = make_depot(session, operator), make_depot(session, foreign)
    built = Fleet(
        operator=operator,
        depot=depot,
        bus=make_vehicle(session, depot),
        other_bus=make_vehicle(session, depot),
        user=make_login(session, operator, Role.INSPECTOR),
        stranger=make_login(session, foreign, Role.ADMIN),
        strangers_bus=make_vehicle(session, foreign_depot),
    )
    session.commit()
    return built


Adder = Callable[[Session, Fleet, Vehicle, datetime], object]


def _inspection(session: Session, fleet: Fleet, bus: Vehicle, at: datetime) -> object:
    return Inspection(
        operator_id=bus.operator_id,
        vehicle_id=bus.id,
        depot_id=bus.depot_id,
        inspector_id=fleet.user.actor.user_id,
        jurisdiction="RU",
        performed_at=at,
        results=[],
    )


def _release(session: Session, fleet: Fleet, bus: Vehicle, at: datetime) -> object:
    return ReleaseDecision(
        operator_id=bus.operator_id,
        vehicle_id=bus.id,
        depot_id=bus.depot_id,
        user_id=fleet.user.actor.user_id,
        released=False,
        decided_at=at,
        shift_start=at,
        reasons=[],
        warnings=[],
    )


def _defect(session: Session, fleet: Fleet, bus: Vehicle, at: datetime) -> object:
    return Defect(
        operator_id=bus.operator_id,
        vehicle_id=bus.id,
        item_id=f"item.{next(_serial)}",
        jurisdiction="RU",
        rule_ref="test rule",
        severity="minor",
        gate="warn",
        description="a test defect",
        evidence={},
        opened_at=at,
    )


def _reading(session: Session, fleet: Fleet, bus: Vehicle, at: datetime) -> object:
    return MeterReading(
        vehicle_id=bus.id, meter="odometer_km", value=float(next(_serial)), read_at=at, source="t"
    )


def _event(session: Session, fleet: Fleet, bus: Vehicle, at: datetime) -> object:
    return VehicleEvent(vehicle_id=bus.id, kind="wheel_change", at=at, detail={})


def _work_order(session: Session, fleet: Fleet, bus: Vehicle, at: datetime) -> object:
    return WorkOrder(
        operator_id=bus.operator_id,
        vehicle_id=bus.id,
        depot_id=bus.depot_id,
        title="test visit",
        created_at=at,
    )


HISTORIES: dict[str, Adder] = {
    "inspections": _inspection,
    "releases": _release,
    "defects": _defect,
    "meter-readings": _reading,
    "events": _event,
    "work-orders": _work_order,
}


def _add_rows(session: Session, fleet: Fleet, kind: str) -> list[int]:
    """Rows of ``kind`` for the bus (newest first by time, then id), and one for the other bus."""
    base = utcnow() - timedelta(days=1)
    rows = []
    for minutes in MINUTES:
        row = HISTORIES[kind](session, fleet, fleet.bus, base + timedelta(minutes=minutes))
        session.add(row)
        session.flush()
        rows.append((minutes, row.id))
    session.add(HISTORIES[kind](session, fleet, fleet.other_bus, base))
    session.commit()
    return [row_id for _, row_id in sorted(rows, reverse=True)]


def _pages(
    client: TestClient, url: str, login: Login, limit: int, **filters: int
) -> Iterator[dict[str, Any]]:
    params: dict[str, str | int] = {"limit": limit, **filters}
    while True:
        answer = client.get(url, params=params, headers=login.headers)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        yield page
        if page["next_cursor"] is None:
            return
        params["cursor"] = page["next_cursor"]


@pytest.mark.parametrize("kind", HISTORIES)
def test_history_pages_give_every_record_once_newest_first(
    client: TestClient, session: Session, fleet: Fleet, kind: str
) -> None:
    expected = _add_rows(session, fleet, kind)
    url = f"/api/v1/vehicles/{fleet.bus.id}/{kind}"
    pages = list(_pages(client, url, fleet.user, limit=3))
    assert [len(page["items"]) for page in pages] == [3, 3, 1]
    seen = [item["id"] for page in pages for item in page["items"]]
    assert seen == expected


@pytest.mark.parametrize("kind", HISTORIES)
def test_history_default_page_holds_up_to_fifty(
    client: TestClient, session: Session, fleet: Fleet, kind: str
) -> None:
    expected = _add_rows(session, fleet, kind)
    answer = client.get(f"/api/v1/vehicles/{fleet.bus.id}/{kind}", headers=fleet.user.headers)
    assert answer.status_code == 200
    assert [item["id"] for item in answer.json()["items"]] == expected
    assert answer.json()["next_cursor"] is None


@pytest.mark.parametrize("kind", HISTORIES)
def test_another_operators_vehicle_history_is_not_found(
    client: TestClient, session: Session, fleet: Fleet, kind: str
) -> None:
    _add_rows(session, fleet, kind)
    theirs = client.get(f"/api/v1/vehicles/{fleet.bus.id}/{kind}", headers=fleet.stranger.headers)
    nowhere = client.get(f"/api/v1/vehicles/9999999/{kind}", headers=fleet.stranger.headers)
    assert theirs.status_code == nowhere.status_code == 404
    assert theirs.json()["error"]["code"] == nowhere.json()["error"]["code"] == "not_found"
    assert fleet.bus.plate not in theirs.text
    assert "items" not in theirs.json()


def _cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "query.limit"),
        ("limit=201", "query.limit"),
        ("limit=many", "query.limit"),
        ("cursor=not-a-cursor!", "query.cursor"),
        ("cursor=" + _cursor(["t", "2026-01-01T00:00:00+00:00", 2**63]), "query.cursor"),
        ("cursor=" + _cursor(["t", "2026-01-01T00:00:00", 1]), "query.cursor"),
        ("cursor=" + _cursor(["t", "0001-01-01T00:00:00+01:00", 1]), "query.cursor"),
        ("cursor=" + _cursor(["t", "yesterday", 1]), "query.cursor"),
        ("cursor=" + _cursor(["s", "AB\x00123", 1]), "query.cursor"),
        ("cursor=" + _cursor(["s", "AB123", 1]), "query.cursor"),
        ("cursor=" + _cursor({"t": 1}), "query.cursor"),
        ("cursor=" + "A" * 401, "query.cursor"),
    ],
    ids=[
        "zero",
        "over 200",
        "not a number",
        "not base64 json",
        "id beyond 64 bits",
        "naive time",
        "not utc",
        "not a time",
        "nul byte",
        "cursor of the fleet list",
        "object",
        "too long",
    ],
)
def test_bad_limit_or_cursor_is_422_naming_it(
    client: TestClient, fleet: Fleet, query: str, field: str
) -> None:
    answer = client.get(
        f"/api/v1/vehicles/{fleet.bus.id}/inspections?{query}", headers=fleet.user.headers
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == field


@pytest.fixture
def statements(connection: Connection) -> Iterator[list[str]]:
    """Every SQL statement the test's connection runs."""
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(connection, "before_cursor_execute", record)
    yield seen
    event.remove(connection, "before_cursor_execute", record)


@pytest.mark.parametrize(
    ("kind", "table"),
    [
        ("inspections", "inspections"),
        ("releases", "release_decisions"),
        ("defects", "defects"),
        ("meter-readings", "meter_readings"),
        ("events", "vehicle_events"),
        ("work-orders", "work_orders"),
    ],
)
def test_history_reads_one_page_with_limit_in_sql(
    client: TestClient,
    session: Session,
    fleet: Fleet,
    statements: list[str],
    kind: str,
    table: str,
) -> None:
    _add_rows(session, fleet, kind)
    statements.clear()
    answer = client.get(
        f"/api/v1/vehicles/{fleet.bus.id}/{kind}?limit=2", headers=fleet.user.headers
    )
    assert answer.status_code == 200
    assert len(answer.json()["items"]) == 2
    listing = [s for s in statements if f"FROM {table} " in s and f"{table}.vehicle_id =" in s]
    assert listing
    assert all("LIMIT" in s for s in listing)


def test_release_history_keeps_refusals_with_their_reasons(
    client: TestClient, session: Session, catalog: RuleCatalog, fleet: Fleet
) -> None:
    bus, inspector = fleet.bus, fleet.user
    url = f"/api/v1/vehicles/{bus.id}/release"
    assert client.post(url, json={}, headers=inspector.headers).status_code == 409
    body = inspection_body(catalog, fleet.depot, bus)
    assert (
        client.post("/api/v1/inspections", json=body, headers=inspector.headers).status_code == 201
    )
    assert client.post(url, json={}, headers=inspector.headers).status_code == 201

    answer = client.get(f"/api/v1/vehicles/{bus.id}/releases", headers=inspector.headers)
    assert answer.status_code == 200
    released, refused = answer.json()["items"]
    assert (released["released"], refused["released"]) == (True, False)
    assert [r["code"] for r in refused["reasons"]] == ["not_inspected"]
    assert refused["reasons"][0]["message_ru"]
    assert released["reasons"] == []
    assert released["inspection_id"] is not None


def test_defect_history_carries_its_events(
    client: TestClient, session: Session, catalog: RuleCatalog, fleet: Fleet
) -> None:
    bus = fleet.bus
    engineer = make_login(session, fleet.operator, Role.SERVICE_ENGINEER)
    session.commit()
    body = inspection_body(catalog, fleet.depot, bus, {"horn.operation": {"passed": False}})
    submitted = client.post("/api/v1/inspections", json=body, headers=fleet.user.headers)
    assert submitted.status_code == 201
    [defect_id] = submitted.json()["defect_ids"]
    started = client.post(
        f"/api/v1/defects/{defect_id}/start-repair",
        json={"note": "on lift"},
        headers=engineer.headers,
    )
    assert started.status_code == 200

    answer = client.get(f"/api/v1/vehicles/{bus.id}/defects", headers=fleet.user.headers)
    assert answer.status_code == 200
    [defect] = answer.json()["items"]
    assert defect["id"] == defect_id
    assert [e["to_status"] for e in defect["history"]] == ["open", "in_repair"]
    inspections = client.get(f"/api/v1/vehicles/{bus.id}/inspections", headers=fleet.user.headers)
    assert inspections.json()["items"][0]["defect_ids"] == [defect_id]


def test_a_record_added_between_pages_neither_repeats_nor_hides_another(
    client: TestClient, session: Session, fleet: Fleet
) -> None:
    expected = _add_rows(session, fleet, "inspections")
    url = f"/api/v1/vehicles/{fleet.bus.id}/inspections"
    first = client.get(f"{url}?limit=3", headers=fleet.user.headers)
    assert first.status_code == 200
    session.add(_inspection(session, fleet, fleet.bus, utcnow()))
    session.commit()
    rest = client.get(
        f"{url}?limit=50&cursor={first.json()['next_cursor']}", headers=fleet.user.headers
    )
    assert rest.status_code == 200
    seen = [item["id"] for item in first.json()["items"] + rest.json()["items"]]
    assert seen == expected


def test_fleet_list_pages_by_plate_within_the_operator(
    client: TestClient, session: Session, fleet: Fleet
) -> None:
    second_depot = make_depot(session, fleet.operator)
    for plate in ("C300", "A100", "E500"):
        make_vehicle(session, second_depot, plate=plate)
    session.commit()
    pages = list(_pages(client, "/api/v1/vehicles", fleet.user, limit=2))
    plates = [item["plate"] for page in pages for item in page["items"]]
    assert plates == sorted(["A100", "C300", "E500", fleet.bus.plate, fleet.other_bus.plate])
    one_depot = list(_pages(client, "/api/v1/vehicles", fleet.user, 2, depot_id=second_depot.id))
    assert [item["plate"] for page in one_depot for item in page["items"]] == [
        "A100",
        "C300",
        "E500",
    ]


def test_defect_list_pages_newest_first_over_the_operators_vehicles(
    client: TestClient, session: Session, fleet: Fleet
) -> None:
    mine = _add_rows(session, fleet, "defects")  # and one of the operator's other bus
    strangers = _defect(session, fleet, fleet.strangers_bus, utcnow())
    session.add(strangers)
    session.commit()
    pages = list(_pages(client, "/api/v1/defects", fleet.user, limit=3))
    seen = [item["id"] for page in pages for item in page["items"]]
    assert len(seen) == len(set(seen)) == len(mine) + 1
    assert [i for i in seen if i in mine] == mine
    assert strangers.id not in seen
    by_vehicle = list(_pages(client, "/api/v1/defects", fleet.user, 4, vehicle_id=fleet.bus.id))
    assert [item["id"] for page in by_vehicle for item in page["items"]] == mine
