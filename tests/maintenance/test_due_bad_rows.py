"""A bad row already in the database is reported on its own; it never takes the due list down.

The rows are written straight with SQL, as data from before inputs were bounded would be:
an infinite odometer, a meter offset of 1e308, an infinite rate, interval or last-done point.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from factories import Login, make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Role
from tightnut.fleet.models import Depot, Vehicle
from tightnut.maintenance.duelist import compute_entries
from tightnut.maintenance.models import ProgrammeTask, TaskState
from tightnut.maintenance.programmes import import_shipped

API = "/api/v1"
INF = float("inf")


@dataclass(frozen=True)
class Fleet:
    """A depot with two overdue buses: one to spoil, one that must stay on every list."""

    depot: Depot
    good: Vehicle
    bad: Vehicle
    manager: Login
    inspector: Login


@pytest.fixture
def fleet(session: Session) -> Fleet:
    """Two buses whose TO-1 is overdue (last done 20,000 km ago), under the shipped programmes."""
    operator = make_operator(session)
    depot = make_depot(session, operator)
    manager = make_login(session, operator, Role.FLEET_MANAGER)
    inspector = make_login(session, operator, Role.INSPECTOR)
    import_shipped(session, manager.actor)
    good, bad = make_vehicle(session, depot), make_vehicle(session, depot)
    for bus in (good, bad):
        for task in session.scalars(select(ProgrammeTask)):
            km = 80_000.0 if task.code == "TO-1" else 100_000.0
            session.add(
                TaskState(
                    vehicle_id=bus.id, task_id=task.id, last_done_km=km, last_done_on=date.today()
                )
            )
    session.commit()
    return Fleet(depot=depot, good=good, bad=bad, manager=manager, inspector=inspector)


def _spoil(session: Session, sql: str, **values: object) -> None:
    session.execute(text(sql), values)
    session.commit()


# what is spoilt: SQL, the value, the field the warning names, and whether the bad bus's
# km-counted rows are still judged (a bad engine-hour meter does not spoil them)
SPOILS = {
    "infinite odometer": (
        "UPDATE vehicles SET odometer_km = :v WHERE id = :bad",
        INF,
        "odometer_km",
        False,
    ),
    "offset of 1e308": (
        "UPDATE vehicles SET odometer_offset_km = :v WHERE id = :bad",
        1e308,
        "odometer_km (lifetime)",
        False,
    ),
    "infinite utilisation": (
        "UPDATE vehicles SET km_per_day = :v WHERE id = :bad",
        INF,
        "km_per_day",
        False,
    ),
    "last done at 1e308 km": (
        "UPDATE task_states SET last_done_km = :v WHERE vehicle_id = :bad",
        1e308,
        "last_done_km",
        False,
    ),
    "negative engine hours": (
        "UPDATE vehicles SET engine_hours = :v WHERE id = :bad",
        -5e6,
        "engine_hours",
        True,
    ),
}


@pytest.mark.parametrize(("sql", "value", "named", "km_judged"), SPOILS.values(), ids=list(SPOILS))
def test_one_vehicle_with_absurd_meters_leaves_every_other_row_on_the_due_list(
    client: TestClient,
    session: Session,
    fleet: Fleet,
    caplog: pytest.LogCaptureFixture,
    sql: str,
    value: float,
    named: str,
    km_judged: bool,
) -> None:
    before = client.get(API + "/maintenance/due", headers=fleet.manager.headers)
    assert before.status_code == 200, before.text
    good_rows = [row for row in before.json() if row["vehicle_id"] == fleet.good.id]
    bad_rows = [row for row in before.json() if row["vehicle_id"] == fleet.bad.id]
    assert [row["task"] for row in good_rows if row["status"] == "overdue"] == ["TO-1"]
    _spoil(session, sql, v=value, bad=fleet.bad.id)

    with caplog.at_level(logging.WARNING, logger="tightnut.maintenance"):
        after = client.get(API + "/maintenance/due", headers=fleet.manager.headers)
    assert after.status_code == 200, after.text
    assert [row for row in after.json() if row["vehicle_id"] == fleet.good.id] == good_rows
    still = [row for row in after.json() if row["vehicle_id"] == fleet.bad.id]
    judged = [row for row in still if row["status"] != "invalid_input"]
    assert judged == (bad_rows if km_judged else [])
    unjudged = [row for row in still if row["status"] == "invalid_input"]
    assert all(row["problem"] for row in unjudged)
    if not km_judged:
        assert unjudged, "the rows that rest on the bad value are listed for a person to look"
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(fleet.bad.plate in message and named in message for message in warned), warned


def test_the_board_and_the_plan_still_answer_for_the_depot(
    client: TestClient, session: Session, fleet: Fleet
) -> None:
    _spoil(session, SPOILS["infinite odometer"][0], v=INF, bad=fleet.bad.id)
    board = client.get(f"{API}/depots/{fleet.depot.id}/board", headers=fleet.inspector.headers)
    assert board.status_code == 200, board.text
    plates = {row["plate"] for row in board.json()["vehicles"]}
    assert plates == {fleet.good.plate, fleet.bad.plate}
    page_board = client.get(f"{API}/vehicles/{fleet.good.id}/gate", headers=fleet.inspector.headers)
    assert page_board.status_code == 200, page_board.text
    plan = client.post(
        API + "/maintenance/plan",
        json={"depot_id": fleet.depot.id, "days": 7},
        headers=fleet.manager.headers,
    )
    assert plan.status_code == 201, plan.text
    assert [order["vehicle_id"] for order in plan.json()] == [fleet.good.id]


def test_asked_for_them_the_due_list_reports_each_row_it_could_not_judge(
    session: Session, fleet: Fleet
) -> None:
    _spoil(session, SPOILS["offset of 1e308"][0], v=1e308, bad=fleet.bad.id)
    entries = compute_entries(
        session,
        fleet.depot.operator_id,
        today=date.today(),
        statuses=frozenset({"overdue", "invalid_input"}),
    )
    bad = [e for e in entries if e.vehicle.id == fleet.bad.id]
    good = [e for e in entries if e.vehicle.id == fleet.good.id]
    assert bad, "the spoilt bus's rows are reported"
    assert {e.status for e in bad} == {"invalid_input"}
    assert all(e.problem and "odometer" in e.problem for e in bad)
    assert all(e.remaining_km is None and e.forecast_date is None for e in bad)
    assert [e.task.code for e in good if e.status == "overdue"] == ["TO-1"]
    assert all(e.problem is None for e in good)


def test_a_task_with_an_infinite_interval_is_reported_and_the_others_judged(
    session: Session, fleet: Fleet
) -> None:
    _spoil(session, "UPDATE programme_tasks SET interval_km = :v WHERE code = 'TO-2'", v=INF)
    entries = compute_entries(
        session,
        fleet.depot.operator_id,
        today=date.today(),
        statuses=frozenset({"ok", "due_soon", "due", "overdue", "invalid_input"}),
    )
    by_task: dict[str, set[str]] = {}
    for entry in entries:
        by_task.setdefault(entry.task.code, set()).add(entry.status)
    assert by_task["TO-2"] == {"invalid_input"}
    assert by_task["TO-1"] == {"overdue"}


def test_the_gate_refuses_a_bus_whose_safety_critical_maintenance_cannot_be_judged(
    client: TestClient, session: Session, fleet: Fleet
) -> None:
    _spoil(session, SPOILS["infinite odometer"][0], v=INF, bad=fleet.bad.id)
    bad = client.get(f"{API}/vehicles/{fleet.bad.id}/gate", headers=fleet.inspector.headers)
    assert bad.status_code == 200, bad.text
    unknown = [r for r in bad.json()["reasons"] if r["code"] == "maintenance_unknown"]
    assert unknown, bad.json()["reasons"]
    assert all(r["blocking"] and "odometer" in r["evidence"]["problem"] for r in unknown)
    assert all("нельзя оценить" in r["message_ru"] for r in unknown)
    good = client.get(f"{API}/vehicles/{fleet.good.id}/gate", headers=fleet.inspector.headers)
    assert good.status_code == 200, good.text
    assert "maintenance_unknown" not in {r["code"] for r in good.json()["reasons"]}
