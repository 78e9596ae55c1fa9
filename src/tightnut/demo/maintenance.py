"""Demo maintenance: programmes, where each vehicle stands on them, technicians and parts."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tightnut.auth.rights import Actor
from tightnut.fleet.models import Vehicle
from tightnut.maintenance.models import Programme, ProgrammeTask, TaskCompletion, TaskState
from tightnut.maintenance.programmes import import_shipped, programme_for, tasks_of
from tightnut.people import service as people
from tightnut.workorders import parts

TECHNICIANS = (
    ("Ivan Petrov", (("city-bus-12m", "diesel"), ("city-bus-12m", "cng"))),
    ("Olga Smirnova", (("city-bus-12m-e", "electric"), ("city-bus-12m", "diesel"))),
    ("Sergey Kuznetsov", (("wheeled-tractor-80hp", "diesel"), ("combine-class-5", "diesel"))),
)
COMPLETION_HISTORY_DAYS = 183
LATE_SHARE = 0.1
PARTS = (
    ("OF-100", "Oil filter", 40),
    ("BP-220", "Brake pad set", 12),
    ("WN-22", "Wheel nut M22", 200),
)


def load_maintenance(
    session: Session, manager: Actor, engineer: Actor, vehicles: list[Vehicle], rng: random.Random
) -> None:
    """Programmes for the operator, a spread of task states, technicians and stock."""
    import_shipped(session, manager)
    programmes = session.scalars(
        select(Programme).where(Programme.operator_id == manager.operator_id)
    ).all()
    today = date.today()
    late = {v.id for v in vehicles[7::60]}  # a few vehicles ran past their TO-2 tolerance
    for vehicle in vehicles:
        programme = programme_for(vehicle, programmes)
        if programme is not None:
            tasks = tasks_of(session, [programme.id])
            _states(session, vehicle, tasks, today, rng, late=vehicle.id in late)
    session.flush()
    _past_completions(session, vehicles, today, random.Random(manager.operator_id))
    _technicians(session, engineer, today)
    _parts(session, manager, {v.depot_id for v in vehicles})


def _states(
    session: Session,
    vehicle: Vehicle,
    tasks: Sequence[ProgrammeTask],
    today: date,
    rng: random.Random,
    *,
    late: bool = False,
) -> None:
    """Last done somewhere within one interval, so some tasks are due soon, due or overdue."""
    for task in tasks:
        if task.kind == "event":
            continue
        if task.kind == "seasonal":
            done_on = today - timedelta(days=rng.randint(14, 50))
            session.add(TaskState(vehicle_id=vehicle.id, task_id=task.id, last_done_on=done_on))
            continue
        share = (
            rng.choice((0.1, 0.3, 0.5, 0.7, 0.85, 0.93, 0.97, 1.02)) if rng.random() < 0.9 else 0.2
        )
        if late and task.code == "TO-2":
            share = 1.14
        session.add(
            TaskState(
                vehicle_id=vehicle.id,
                task_id=task.id,
                last_done_km=_back(vehicle.odometer_km, task.interval_km, share),
                last_done_hours=_back(vehicle.engine_hours, task.interval_hours, share),
                last_done_on=today
                - timedelta(days=round((task.interval_days or 365) * share * 0.5)),
            )
        )


def _past_completions(
    session: Session, vehicles: list[Vehicle], today: date, rng: random.Random
) -> None:
    """Each periodic task's services over half a year, back from its last one, as far apart as
    the vehicle's use makes its interval; about one in ten was signed late. The overview's
    on-time chart has its months."""
    by_id = {v.id: v for v in vehicles}
    states = session.execute(
        select(
            TaskState,
            ProgrammeTask.interval_km,
            ProgrammeTask.interval_hours,
            ProgrammeTask.interval_days,
        )
        .join(ProgrammeTask, ProgrammeTask.id == TaskState.task_id)
        .where(TaskState.vehicle_id.in_(by_id), ProgrammeTask.kind == "periodic")
    ).all()
    rows: list[dict[str, object]] = []
    for state, km, hours, days in states:
        vehicle = by_id[state.vehicle_id]
        spacing = _spacing_days(vehicle, km, hours, days)
        if state.last_done_on is None or spacing is None:
            continue
        done_on = state.last_done_on
        while done_on > today - timedelta(days=COMPLETION_HISTORY_DAYS):
            late = rng.random() < LATE_SHARE
            rows.append(
                dict(
                    operator_id=vehicle.operator_id,
                    depot_id=vehicle.depot_id,
                    vehicle_id=vehicle.id,
                    task_id=state.task_id,
                    done_at=datetime.combine(done_on, time(14), UTC),
                    status_at_completion="overdue" if late else "due",
                    on_time=not late,
                )
            )
            done_on -= timedelta(days=spacing)
    if rows:
        session.execute(insert(TaskCompletion), rows)


def _spacing_days(
    vehicle: Vehicle, km: float | None, hours: float | None, days: float | None
) -> int | None:
    """Days between services of a task for this vehicle's daily use, whichever comes first
    (at least a week, so a tractor's 60-hour service does not fill the history)."""
    candidates = [days] if days else []
    if km and vehicle.km_per_day:
        candidates.append(km / vehicle.km_per_day)
    if hours and vehicle.hours_per_day:
        candidates.append(hours / vehicle.hours_per_day)
    return max(7, round(min(candidates))) if candidates else None


def _back(now: float | None, interval: float | None, share: float) -> float | None:
    if now is None or interval is None:
        return None
    return round(max(now - interval * share, 0.0), 1)


def _technicians(session: Session, engineer: Actor, today: date) -> None:
    for name, rights in TECHNICIANS:
        user_id = engineer.user_id if name == TECHNICIANS[0][0] else None
        technician = people.create_technician(session, engineer, full_name=name, user_id=user_id)
        for family, engine in rights:
            people.add_certification(
                session,
                engineer,
                technician_id=technician.id,
                model_family=family,
                engine_type=engine,
                issued_on=today - timedelta(days=400),
                expires_on=today + timedelta(days=700),
            )


def _parts(session: Session, manager: Actor, depot_ids: set[int]) -> None:
    for sku, name, quantity in PARTS:
        part = parts.create_part(session, manager, sku=sku, name=name)
        for depot_id in sorted(depot_ids):
            parts.set_stock(session, manager, part_id=part.id, depot_id=depot_id, quantity=quantity)
