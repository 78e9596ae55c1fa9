"""Brief stories 2 and 3, the maintenance half, end to end through the API."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories import Login, inspection_body, make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Operator, Role
from tightnut.db import utcnow
from tightnut.fleet.models import Depot, MeterReading, Vehicle
from tightnut.maintenance.models import ProgrammeTask, TaskState
from tightnut.maintenance.programmes import import_shipped
from tightnut.rules import RuleCatalog


def _fleet(session: Session) -> tuple[Operator, Depot, dict[Role, Login]]:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    logins = {role: make_login(session, operator, role) for role in Role}
    import_shipped(session, logins[Role.FLEET_MANAGER].actor)
    return operator, depot, logins


def _history(session: Session, vehicle: Vehicle, meter: str, *points: tuple[int, float]) -> None:
    """Readings taken ``days`` ago, as the vehicle's past."""
    for days, value in points:
        at = utcnow() - timedelta(days=days)
        session.add(
            MeterReading(vehicle_id=vehicle.id, meter=meter, value=value, read_at=at, source="test")
        )


def _serviced(session: Session, vehicle: Vehicle, **hours_by_code: float) -> None:
    """Every task done today at the current readings, except those given: done at those hours."""
    for task in session.scalars(select(ProgrammeTask)):
        code = task.code.replace("-", "")
        hours = hours_by_code.get(code, vehicle.engine_hours)
        on = date.today() if code not in hours_by_code else date.today() - timedelta(days=60)
        session.add(
            TaskState(
                vehicle_id=vehicle.id,
                task_id=task.id,
                last_done_km=vehicle.odometer_km,
                last_done_hours=hours,
                last_done_on=on,
            )
        )


def _due(client: TestClient, login: Login, vehicle: Vehicle, task: str) -> dict[str, object]:
    rows = client.get("/api/v1/maintenance/due?include_ok=true", headers=login.headers).json()
    [row] = [r for r in rows if r["vehicle_id"] == vehicle.id and r["task"] == task]
    return row


def _release(
    client: TestClient, catalog: RuleCatalog, depot: Depot, vehicle: Vehicle, inspector: Login
) -> dict[str, object]:
    client.post(
        "/api/v1/inspections",
        json=inspection_body(catalog, depot, vehicle),
        headers=inspector.headers,
    )
    answer = client.post(
        f"/api/v1/vehicles/{vehicle.id}/release", json={}, headers=inspector.headers
    )
    return {"status": answer.status_code, **answer.json()}


def test_wheel_change_schedules_retorque_and_the_gate_blocks_past_its_limit(
    client: TestClient, session: Session, catalog: RuleCatalog
) -> None:
    _, depot, logins = _fleet(session)
    bus = make_vehicle(session, depot, odometer_km=100_000.0)
    _history(session, bus, "odometer_km", (3, 100_000.0))
    _serviced(session, bus)
    session.commit()
    driver, manager = logins[Role.DRIVER], logins[Role.FLEET_MANAGER]

    event = client.post(
        f"/api/v1/vehicles/{bus.id}/events",
        json={"kind": "wheel_change", "odometer_km": 100_000},
        headers=driver.headers,
    )
    assert event.status_code == 201, event.text
    retorque = _due(client, manager, bus, "WHEEL-RETORQUE")
    assert retorque["status"] == "due_soon"
    assert retorque["remaining_km"] == 100

    read = client.post(
        f"/api/v1/vehicles/{bus.id}/meters",
        json={"meter": "odometer_km", "value": 100_101},
        headers=driver.headers,
    )
    assert read.status_code == 201, read.text
    retorque = _due(client, manager, bus, "WHEEL-RETORQUE")
    assert (retorque["status"], retorque["overdue_by"]) == ("overdue", 1)

    refused = _release(client, catalog, depot, bus, logins[Role.INSPECTOR])
    assert refused["status"] == 409
    [reason] = refused["decision"]["reasons"]
    assert reason["code"] == "maintenance_overdue"
    assert reason["rule"]["item_id"] == "maintenance.WHEEL-RETORQUE"
    assert reason["evidence"]["overdue_by"] == 1


def test_tractor_reaching_500_hours_has_to2_due_with_a_forecast_and_blocks_past_tolerance(
    client: TestClient, session: Session, catalog: RuleCatalog
) -> None:
    _, depot, logins = _fleet(session)
    tractor_fields = {
        "vehicle_class": "tractor",
        "model_family": "wheeled-tractor-80hp",
        "model": "80 hp tractor",
        "fastener_positions": 8,
        "odometer_km": None,
    }
    on_time = make_vehicle(session, depot, engine_hours=440.0, **tractor_fields)
    _history(session, on_time, "engine_hours", (40, 300.0), (20, 440.0))
    _serviced(session, on_time, TO1=375, TO2=0, TO3=0)
    late = make_vehicle(session, depot, engine_hours=540.0, **tractor_fields)
    _history(session, late, "engine_hours", (10, 540.0))
    _serviced(session, late, TO1=375, TO2=0, TO3=0)
    session.commit()
    driver, manager = logins[Role.DRIVER], logins[Role.FLEET_MANAGER]

    read = client.post(
        f"/api/v1/vehicles/{on_time.id}/meters",
        json={"meter": "engine_hours", "value": 500},
        headers=driver.headers,
    )
    assert read.status_code == 201, read.text
    to2 = _due(client, manager, on_time, "TO-2")
    assert (to2["status"], to2["remaining_hours"], to2["driver"]) == ("due", 0, "hours")
    assert to2["forecast_date"] == utcnow().date().isoformat()
    to1 = _due(client, manager, on_time, "TO-1")
    assert to1["suppressed"] is True, "TO-1 falling due with TO-2 is done by TO-2"
    to3 = _due(client, manager, on_time, "TO-3")
    # 200 h over the last 40 days: 5 h a day, so 500 h more take 100 days.
    assert to3["forecast_date"] == (utcnow().date() + timedelta(days=100)).isoformat()
    assert _release(client, catalog, depot, on_time, logins[Role.INSPECTOR])["status"] == 201

    read = client.post(
        f"/api/v1/vehicles/{late.id}/meters",
        json={"meter": "engine_hours", "value": 556},
        headers=driver.headers,
    )
    assert read.status_code == 201, read.text
    to2 = _due(client, manager, late, "TO-2")
    assert (to2["status"], to2["overdue_by"]) == ("overdue", 6)  # 500 h + 10 % = 550 h
    refused = _release(client, catalog, depot, late, logins[Role.INSPECTOR])
    assert refused["status"] == 409
    codes = {r["code"]: r for r in refused["decision"]["reasons"]}
    assert codes["maintenance_overdue"]["evidence"]["task"] == "TO-2"
    assert "6 h past tolerance" in codes["maintenance_overdue"]["message"]


def test_baseline_records_a_service_done_before_tightnut(
    client: TestClient, session: Session
) -> None:
    _, depot, logins = _fleet(session)
    bus = make_vehicle(session, depot, odometer_km=123_000.0)
    session.commit()
    manager = logins[Role.FLEET_MANAGER]
    to1 = _due(client, manager, bus, "TO-1")
    assert to1["status"] == "overdue", "a service never recorded is not assumed done"
    answer = client.put(
        f"/api/v1/vehicles/{bus.id}/tasks/{to1['task_id']}/baseline",
        json={"last_done_km": 121_000, "last_done_on": date.today().isoformat()},
        headers=manager.headers,
    )
    assert answer.status_code == 200, answer.text
    to1 = _due(client, manager, bus, "TO-1")
    assert (to1["status"], to1["remaining_km"]) == ("ok", 8000)
    ahead = client.put(
        f"/api/v1/vehicles/{bus.id}/tasks/{to1['task_id']}/baseline",
        json={"last_done_km": 130_000},
        headers=manager.headers,
    )
    assert ahead.status_code == 422
    assert ahead.json()["error"]["field"] == "last_done_km"
