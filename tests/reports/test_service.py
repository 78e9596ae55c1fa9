"""The overview's figures: availability per shift, on time per month, open defects by system."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from factories import make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Role
from tightnut.auth.rights import Actor
from tightnut.defects.models import Defect
from tightnut.fleet.models import Depot, Vehicle
from tightnut.gate.models import ReleaseDecision
from tightnut.gate.shifts import current_shift
from tightnut.maintenance.models import ProgrammeTask, TaskCompletion
from tightnut.maintenance.programmes import import_shipped
from tightnut.reports import service

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _decide(
    session: Session, vehicle: Vehicle, user_id: int, shift: datetime, *, released: bool
) -> None:
    session.add(
        ReleaseDecision(
            operator_id=vehicle.operator_id,
            vehicle_id=vehicle.id,
            depot_id=vehicle.depot_id,
            user_id=user_id,
            released=released,
            decided_at=shift + timedelta(minutes=5),
            shift_start=shift,
            reasons=[],
            warnings=[],
        )
    )


def _defect(session: Session, vehicle: Vehicle, item_id: str, status: str) -> None:
    session.add(
        Defect(
            operator_id=vehicle.operator_id,
            vehicle_id=vehicle.id,
            item_id=item_id,
            jurisdiction="RU",
            rule_ref="x",
            severity="dangerous",
            gate="block",
            status=status,
            description="",
            evidence={},
        )
    )


def _fleet(session: Session) -> tuple[Depot, list[Vehicle], int, Actor]:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    vehicles = [make_vehicle(session, depot) for _ in range(4)]
    manager = make_login(session, operator, Role.FLEET_MANAGER).actor
    return depot, vehicles, manager.user_id, manager


def test_availability_counts_released_vehicles_over_those_in_service(session: Session) -> None:
    depot, vehicles, user_id, manager = _fleet(session)
    vehicles[3].out_of_service_at = NOW - timedelta(days=40)
    shift = NOW - timedelta(days=2)
    _decide(session, vehicles[0], user_id, shift, released=True)
    _decide(session, vehicles[1], user_id, shift, released=True)
    _decide(session, vehicles[2], user_id, shift, released=False)
    _decide(session, vehicles[0], user_id, NOW - timedelta(days=45), released=True)
    session.flush()
    (entry,) = service.availability(session, manager, since=NOW - timedelta(days=30))
    assert entry.depot.id == depot.id
    assert entry.fleet == 3
    (one,) = entry.shifts
    assert (one.shift_start, one.released, one.decided, one.fleet) == (shift, 2, 3, 3)
    assert one.share == 2 / 3


def test_a_vehicle_released_again_in_its_shift_counts_once(session: Session) -> None:
    _, vehicles, user_id, manager = _fleet(session)
    shift = NOW - timedelta(days=1)
    _decide(session, vehicles[0], user_id, shift, released=True)
    _decide(session, vehicles[0], user_id, shift, released=False)  # blocked mid-shift
    _decide(session, vehicles[0], user_id, shift, released=True)  # re-inspected, out again
    _decide(session, vehicles[1], user_id, shift, released=False)
    session.flush()
    (entry,) = service.availability(session, manager, since=NOW - timedelta(days=30))
    (one,) = entry.shifts
    assert (one.released, one.decided, one.fleet) == (1, 2, 4)
    assert one.share == 1 / 4


def test_the_shift_under_way_waits_until_it_ends(session: Session) -> None:
    depot, vehicles, user_id, manager = _fleet(session)
    now = current_shift(
        NOW, timezone=depot.timezone, shift_starts=depot.shift_starts, lead=timedelta(0)
    )
    _decide(session, vehicles[0], user_id, now.start, released=True)  # half the fleet is out
    _decide(session, vehicles[0], user_id, now.start - timedelta(days=1), released=True)
    session.flush()
    (entry,) = service.availability(session, manager, since=NOW - timedelta(days=30), until=NOW)
    assert [s.shift_start for s in entry.shifts] == [now.start - timedelta(days=1)]
    (later,) = service.availability(
        session, manager, since=NOW - timedelta(days=30), until=now.end + timedelta(minutes=1)
    )
    assert now.start in [s.shift_start for s in later.shifts]


def test_a_depot_without_decisions_has_no_shifts_rather_than_zeros(session: Session) -> None:
    depot, _, _, manager = _fleet(session)
    (entry,) = service.availability(session, manager, since=NOW - timedelta(days=30))
    assert entry.depot.id == depot.id
    assert entry.shifts == ()


def test_open_defects_group_by_system_and_leave_closed_ones_out(session: Session) -> None:
    _, vehicles, _, manager = _fleet(session)
    _defect(session, vehicles[0], "brakes.service", "open")
    _defect(session, vehicles[1], "brakes.parking", "repaired")
    _defect(session, vehicles[2], "gas.leak", "in_repair")
    _defect(session, vehicles[3], "lights.head", "closed")
    other_operator_vehicle = make_vehicle(session, make_depot(session, make_operator(session)))
    _defect(session, other_operator_vehicle, "wheels.fasteners", "open")
    session.flush()
    found = service.open_defects_by_system(session, manager)
    assert found == (service.SystemCount("brakes", 2), service.SystemCount("gas", 1))


def test_on_time_by_month_is_the_operators_overall_rate(session: Session) -> None:
    depot, vehicles, _, manager = _fleet(session)
    import_shipped(session, manager)
    task = session.query(ProgrammeTask).filter_by(code="TO-1").first()
    assert task is not None
    for on_time in (True, False):
        session.add(
            TaskCompletion(
                operator_id=depot.operator_id,
                depot_id=depot.id,
                vehicle_id=vehicles[0].id,
                task_id=task.id,
                done_at=datetime(2026, 1, 20, tzinfo=UTC),
                status_at_completion="due",
                on_time=on_time,
            )
        )
    session.add(
        TaskCompletion(
            operator_id=depot.operator_id,
            depot_id=depot.id,
            vehicle_id=vehicles[0].id,
            task_id=task.id,
            done_at=datetime(2024, 1, 20, tzinfo=UTC),
            status_at_completion="due",
            on_time=True,
        )
    )
    session.flush()
    months = service.on_time_by_month(session, manager, until=NOW)
    january = [m for m in months if m.month.isoformat() == "2026-01-01"]
    assert len(january) == 1
    assert january[0].rate == 0.5
    assert january[0].done == 2
    assert all(m.month.year >= 2025 for m in months)  # older than 12 months is left out
