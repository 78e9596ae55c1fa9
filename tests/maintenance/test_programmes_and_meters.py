"""Programmes as data and meter batches: bad input names its field and writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories import Login, make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Role
from tightnut.db import utcnow
from tightnut.fleet.models import Depot, MeterReading, Vehicle
from tightnut.maintenance.models import Programme, ProgrammeTask
from tightnut.maintenance.programmes import shipped_programmes


@pytest.fixture
def manager(session: Session) -> tuple[Login, Depot]:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    login = make_login(session, operator, Role.FLEET_MANAGER)
    session.commit()
    return login, depot


def _programme(**task_overrides: object) -> dict[str, object]:
    task: dict[str, object] = {
        "code": "TO-1",
        "name": "TO-1",
        "interval_km": 10000,
        "tolerance_pct": 10,
    }
    task.update(task_overrides)
    return {"code": "p1", "name": "P", "model_families": ["x"], "source": "test", "tasks": [task]}


def _count(
    session: Session, model: type[Programme] | type[ProgrammeTask] | type[MeterReading]
) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_shipped_programmes_load_and_mark_their_sources() -> None:
    programmes = {p.code: p for p in shipped_programmes()}
    assert {"city-bus-12m", "wheeled-tractor-80hp", "combine-class-5"} <= set(programmes)
    tractor = {t.code: t for t in programmes["wheeled-tractor-80hp"].tasks}
    assert (
        tractor["TO-1"].interval_hours,
        tractor["TO-2"].interval_hours,
        tractor["TO-3"].interval_hours,
    ) == (
        125,
        500,
        1000,
    )
    assert (tractor["TO-2"].tolerance_pct, tractor["TO-3"].tolerance_pct) == (10, 5)
    assert tractor["TO-3"].includes == ["TO-2"]
    assert all(p.source and p.illustrative for p in programmes.values())


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"interval_km": 0}, "body.tasks[0].interval_km"),
        ({"interval_km": -5}, "body.tasks[0].interval_km"),
        ({"tolerance_pct": 60}, "body.tasks[0].tolerance_pct"),
        ({"interval_km": None}, "body.tasks[0]"),
    ],
    ids=["zero interval", "negative interval", "tolerance over 50", "no interval"],
)
def test_bad_task_is_refused_naming_the_field(
    client: TestClient,
    session: Session,
    manager: tuple[Login, Depot],
    overrides: dict[str, object],
    field: str,
) -> None:
    login, _ = manager
    answer = client.post("/api/v1/programmes", json=_programme(**overrides), headers=login.headers)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == field
    assert _count(session, Programme) == 0


def test_nesting_cycle_is_refused_on_create_and_on_edit(
    client: TestClient, session: Session, manager: tuple[Login, Depot]
) -> None:
    login, _ = manager
    body = _programme(includes=["TO-2"])
    body["tasks"].append(
        {"code": "TO-2", "name": "TO-2", "interval_km": 20000, "includes": ["TO-1"]}
    )  # type: ignore[attr-defined]
    cyclic = client.post("/api/v1/programmes", json=body, headers=login.headers)
    assert cyclic.status_code == 422
    assert "cycle" in cyclic.json()["error"]["message"]

    body["tasks"][0]["includes"] = []  # type: ignore[index]
    created = client.post("/api/v1/programmes", json=body, headers=login.headers).json()
    to1 = next(t for t in created["tasks"] if t["code"] == "TO-1")
    edit = client.patch(
        f"/api/v1/programmes/{created['id']}/tasks/{to1['id']}",
        json={"includes": ["TO-2"]},
        headers=login.headers,
    )
    assert edit.status_code == 422
    assert edit.json()["error"]["field"] == "includes"
    session.expire_all()
    assert session.get_one(ProgrammeTask, to1["id"]).includes == []


def test_task_edit_changes_the_interval(
    client: TestClient, session: Session, manager: tuple[Login, Depot]
) -> None:
    login, _ = manager
    created = client.post("/api/v1/programmes", json=_programme(), headers=login.headers).json()
    task_id = created["tasks"][0]["id"]
    edit = client.patch(
        f"/api/v1/programmes/{created['id']}/tasks/{task_id}",
        json={"interval_km": 12000},
        headers=login.headers,
    )
    assert edit.status_code == 200
    assert edit.json()["interval_km"] == 12000
    zero = client.patch(
        f"/api/v1/programmes/{created['id']}/tasks/{task_id}",
        json={"tolerance_pct": 51},
        headers=login.headers,
    )
    assert zero.status_code == 422


def _aged(session: Session, vehicle: Vehicle, meter: str, value: float, hours_ago: float) -> None:
    at = utcnow() - timedelta(hours=hours_ago)
    session.add(
        MeterReading(vehicle_id=vehicle.id, meter=meter, value=value, read_at=at, source="test")
    )


def test_meter_batch_goes_in_whole(
    client: TestClient, session: Session, manager: tuple[Login, Depot]
) -> None:
    login, depot = manager
    bus, tractor = make_vehicle(session, depot), make_vehicle(session, depot, engine_hours=900.0)
    _aged(session, bus, "odometer_km", 100_000, 24)
    _aged(session, tractor, "engine_hours", 900, 24)
    session.commit()
    readings = [
        {"vehicle_id": bus.id, "meter": "odometer_km", "value": 100_300},
        {"vehicle_id": tractor.id, "meter": "engine_hours", "value": 910},
    ]
    answer = client.post(
        "/api/v1/meter-readings", json={"readings": readings}, headers=login.headers
    )
    assert answer.status_code == 201, answer.text
    session.expire_all()
    assert session.get_one(Vehicle, bus.id).odometer_km == 100_300


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"meter": "odometer_km", "value": 90_000}, "lower than the last reading"),
        ({"meter": "odometer_km", "value": 104_000}, "not plausible"),
        ({"meter": "engine_hours", "value": 5_030}, "not plausible"),
    ],
    ids=["going down", "km jump", "hours jump"],
)
def test_one_bad_reading_keeps_the_whole_batch_out(
    client: TestClient,
    session: Session,
    manager: tuple[Login, Depot],
    bad: dict[str, object],
    reason: str,
) -> None:
    login, depot = manager
    good, other = make_vehicle(session, depot), make_vehicle(session, depot)
    _aged(session, good, "odometer_km", 100_000, 24)
    _aged(session, other, "odometer_km", 100_000, 24)
    _aged(session, other, "engine_hours", 5_000, 24)
    session.commit()
    before = _count(session, MeterReading)
    readings = [
        {"vehicle_id": good.id, "meter": "odometer_km", "value": 100_200},
        {"vehicle_id": other.id, **bad},
    ]
    answer = client.post(
        "/api/v1/meter-readings", json={"readings": readings}, headers=login.headers
    )
    assert answer.status_code == 422
    [error] = answer.json()["error"]["detail"]["errors"]
    assert error["line"] == 1
    assert reason in error["reason"]
    session.expire_all()
    assert session.get_one(Vehicle, good.id).odometer_km == 100_000
    assert _count(session, MeterReading) == before


def test_meter_csv_names_each_bad_line(
    client: TestClient, session: Session, manager: tuple[Login, Depot]
) -> None:
    login, depot = manager
    bus = make_vehicle(session, depot)
    _aged(session, bus, "odometer_km", 100_000, 48)
    session.commit()
    rows = [f"{bus.plate},odometer_km,100500", "NOPE1,odometer_km,5", f"{bus.plate},fuel,3"]
    text = "plate,meter,value\n" + "\n".join(rows) + "\n"
    answer = client.post(
        "/api/v1/meter-readings/import", content=text.encode(), headers=login.headers
    )
    assert answer.status_code == 422
    errors = answer.json()["error"]["detail"]["errors"]
    assert [(e["line"], e["column"]) for e in errors] == [(3, "plate"), (4, "meter")]
    session.expire_all()
    assert session.get_one(Vehicle, bus.id).odometer_km == 100_000


def test_utilisation_comes_from_the_last_thirty_days(
    client: TestClient, session: Session, manager: tuple[Login, Depot]
) -> None:
    login, depot = manager
    bus = make_vehicle(session, depot, odometer_km=104_000.0)
    _aged(session, bus, "odometer_km", 100_000, 24 * 40)
    _aged(session, bus, "odometer_km", 104_000, 24 * 10)
    session.commit()
    client.post(
        f"/api/v1/vehicles/{bus.id}/meters",
        json={"meter": "odometer_km", "value": 106_000},
        headers=login.headers,
    )
    session.expire_all()
    # 6,000 km since the reading 40 days ago (the newest at or before 30 days back): 150 km a day.
    assert session.get_one(Vehicle, bus.id).km_per_day == pytest.approx(150, rel=1e-3)
