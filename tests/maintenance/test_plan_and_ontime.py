"""Planning work orders from the due list, and the on-time rate from signed work."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories import Login, make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Role
from tightnut.fleet.models import Depot, Vehicle
from tightnut.maintenance.models import ProgrammeTask, TaskState
from tightnut.maintenance.programmes import import_shipped
from tightnut.people.models import Certification, Technician


def _workshop(session: Session) -> tuple[Depot, dict[Role, Login]]:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    logins = {role: make_login(session, operator, role) for role in Role}
    import_shipped(session, logins[Role.FLEET_MANAGER].actor)
    technician = Technician(
        operator_id=operator.id,
        user_id=logins[Role.SERVICE_ENGINEER].actor.user_id,
        full_name="Certified",
    )
    session.add(technician)
    session.flush()
    session.add(
        Certification(
            technician_id=technician.id,
            model_family="city-bus-12m",
            engine_type="diesel",
            issued_on=date.today() - timedelta(days=10),
            expires_on=date.today() + timedelta(days=300),
        )
    )
    return depot, logins


def _bus_with_to1_at(session: Session, depot: Depot, last_done_km: float) -> Vehicle:
    """A diesel bus at 100,000 km, every task fresh except TO-1, last done at ``last_done_km``."""
    bus = make_vehicle(session, depot, odometer_km=100_000.0, km_per_day=200.0)
    for task in session.scalars(select(ProgrammeTask)):
        km = last_done_km if task.code == "TO-1" else bus.odometer_km
        session.add(
            TaskState(
                vehicle_id=bus.id, task_id=task.id, last_done_km=km, last_done_on=date.today()
            )
        )
    return bus


def test_plan_groups_a_vehicles_due_tasks_into_one_visit_and_does_not_plan_twice(
    client: TestClient, session: Session
) -> None:
    depot, logins = _workshop(session)
    due_now = _bus_with_to1_at(session, depot, 90_000)  # TO-1 at 100,000: due
    due_in_a_week = _bus_with_to1_at(session, depot, 91_400)  # 1,400 km left at 200 km/day
    far = _bus_with_to1_at(session, depot, 99_000)
    session.commit()
    manager = logins[Role.FLEET_MANAGER]

    planned = client.post(
        "/api/v1/maintenance/plan", json={"depot_id": depot.id, "days": 10}, headers=manager.headers
    )
    assert planned.status_code == 201, planned.text
    by_vehicle = {order["vehicle_id"]: order for order in planned.json()}
    assert set(by_vehicle) == {due_now.id, due_in_a_week.id}
    assert far.id not in by_vehicle
    assert (
        by_vehicle[due_in_a_week.id]["planned_on"] == (date.today() + timedelta(days=7)).isoformat()
    )
    assert "TO-1" in by_vehicle[due_now.id]["title"]

    again = client.post(
        "/api/v1/maintenance/plan", json={"depot_id": depot.id, "days": 10}, headers=manager.headers
    )
    assert again.json() == []


def _do(
    client: TestClient, order_id: int, action: str, login: Login, **body: object
) -> dict[str, object]:
    current = client.get(f"/api/v1/work-orders/{order_id}", headers=login.headers).json()
    answer = client.post(
        f"/api/v1/work-orders/{order_id}/{action}",
        json={"version": current["version"], **body},
        headers=login.headers,
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, object] = answer.json()
    return result


def test_on_time_rate_counts_late_work_against_the_month(
    client: TestClient, session: Session
) -> None:
    depot, logins = _workshop(session)
    on_time_bus = _bus_with_to1_at(session, depot, 90_000)  # due, within tolerance
    late_bus = _bus_with_to1_at(
        session, depot, 88_000
    )  # 2,000 km late: past the 1,000 km tolerance
    session.commit()
    manager, engineer = logins[Role.FLEET_MANAGER], logins[Role.SERVICE_ENGINEER]
    technician_id = session.scalar(select(Technician.id))
    orders = client.post(
        "/api/v1/maintenance/plan", json={"depot_id": depot.id, "days": 1}, headers=manager.headers
    ).json()
    for order in orders:
        _do(client, order["id"], "assign", manager, technician_id=technician_id)
        _do(client, order["id"], "start", engineer)
        _do(
            client,
            order["id"],
            "sign-off",
            engineer,
            completion_km=100_000,
            completion_hours=5_000,
            labour_hours=3,
            notes="TO-1 done",
        )

    rows = client.get(
        f"/api/v1/maintenance/ontime?depot_id={depot.id}", headers=manager.headers
    ).json()
    [depot_row] = [r for r in rows if r["depot_id"] == depot.id]
    assert (depot_row["done"], depot_row["on_time"], depot_row["rate"]) == (2, 1, 0.5)
    due = client.get("/api/v1/maintenance/due", headers=manager.headers).json()
    assert not [
        r for r in due if r["vehicle_id"] in (on_time_bus.id, late_bus.id) and r["task"] == "TO-1"
    ]
