"""The due list as the pages ask for it: filtered, one page at a time, and as CSV rows."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories import make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Role
from tightnut.auth.rights import Actor
from tightnut.errors import Invalid
from tightnut.fleet.models import Depot, Vehicle
from tightnut.maintenance import service
from tightnut.maintenance.models import ProgrammeTask, TaskState
from tightnut.maintenance.programmes import import_shipped

TODAY = date(2026, 3, 10)


def _fleet(session: Session) -> tuple[Actor, Depot, list[Vehicle]]:
    """Five buses; the first has TO-1 long overdue, the others are fresh on every task."""
    operator = make_operator(session)
    depot = make_depot(session, operator)
    manager = make_login(session, operator, Role.FLEET_MANAGER).actor
    import_shipped(session, manager)
    buses = [
        make_vehicle(session, depot, plate=f"А{i:03d}ВЕ23", km_per_day=200.0) for i in range(5)
    ]
    tasks = session.scalars(select(ProgrammeTask)).all()
    for bus in buses:
        for task in tasks:
            late = bus is buses[0] and task.code == "TO-1"
            session.add(
                TaskState(
                    vehicle_id=bus.id,
                    task_id=task.id,
                    last_done_km=80_000.0 if late else bus.odometer_km,
                    last_done_hours=bus.engine_hours,
                    last_done_on=TODAY,
                )
            )
    session.flush()
    return manager, depot, buses


def test_the_overdue_view_keeps_only_overdue_rows(session: Session) -> None:
    manager, _, buses = _fleet(session)
    found = service.due_entries(
        session, manager, filters=service.DueFilter(view="overdue"), today=TODAY
    )
    assert [(e.vehicle.plate, e.task.code, e.status) for e in found] == [
        (buses[0].plate, "TO-1", "overdue")
    ]


def test_pages_cut_the_sorted_list_and_count_all_of_it(session: Session) -> None:
    manager, _, _ = _fleet(session)
    everything = service.due_entries(
        session, manager, filters=service.DueFilter(view="all"), today=TODAY
    )
    first = service.due_page(
        session, manager, filters=service.DueFilter(view="all"), limit=7, today=TODAY
    )
    second = service.due_page(
        session, manager, filters=service.DueFilter(view="all"), offset=7, limit=7, today=TODAY
    )
    assert first.total == second.total == len(everything) > 14
    assert [(r.plate, r.task) for r in first.rows + second.rows] == [
        (e.vehicle.plate, e.task.code) for e in everything[:14]
    ]
    assert first.previous_offset is None
    assert first.next_offset == 7
    assert second.previous_offset == 0
    assert second.next_offset == 14
    assert everything[0].status == "overdue"


def test_plate_task_and_safety_filters_narrow_the_list(session: Session) -> None:
    manager, _, buses = _fleet(session)
    by_plate = service.due_entries(
        session, manager, filters=service.DueFilter(view="all", plate="а001 ве"), today=TODAY
    )
    assert {e.vehicle.plate for e in by_plate} == {buses[1].plate}
    by_task = service.due_entries(
        session, manager, filters=service.DueFilter(view="all", task="TO-2"), today=TODAY
    )
    assert {e.task.code for e in by_task} == {"TO-2"}
    assert len(by_task) == 5
    critical = service.due_entries(
        session, manager, filters=service.DueFilter(view="all", safety_critical=True), today=TODAY
    )
    assert critical
    assert all(e.task.safety_critical for e in critical)
    none = service.due_entries(
        session, manager, filters=service.DueFilter(plate="ZZZ"), today=TODAY
    )
    assert none == []


def test_an_unknown_view_is_refused(session: Session) -> None:
    manager, _, _ = _fleet(session)
    with pytest.raises(Invalid):
        service.due_entries(session, manager, filters=service.DueFilter(view="late"))


def test_csv_rows_have_the_header_and_one_line_per_entry(session: Session) -> None:
    manager, depot, buses = _fleet(session)
    entries = service.due_entries(
        session, manager, filters=service.DueFilter(view="overdue"), today=TODAY
    )
    header, *rows = list(service.due_csv_rows(entries))
    assert header == list(service.CSV_COLUMNS)
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["plate"] == buses[0].plate
    assert row["depot_id"] == str(depot.id)
    assert row["status"] == "overdue"
    assert row["due_by"] == "km"
    assert float(row["remaining_km"]) < 0


def test_task_codes_are_the_operators_own(session: Session) -> None:
    manager, _, _ = _fleet(session)
    codes = [code for code, _ in service.due_task_codes(session, manager)]
    assert "TO-1" in codes
    assert codes == sorted(codes)
    assert len(codes) == len(set(codes))
