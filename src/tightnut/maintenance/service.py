"""Maintenance in the database: due list, vehicle events, completions, planning, on-time rate."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tightnut.auth.rights import Actor, Right
from tightnut.db import utcnow
from tightnut.errors import Invalid, NotFound
from tightnut.fleet.meters import MeterLimits
from tightnut.fleet.models import Meter, Vehicle, VehicleEvent
from tightnut.fleet.service import get_vehicle, record_meter
from tightnut.maintenance.duelist import (
    DueEntry,
    compute_entries,
    facts_of,
    load_vehicles,
    meter_unit,
)
from tightnut.maintenance.models import (
    Programme,
    ProgrammeTask,
    TaskCompletion,
    TaskState,
)
from tightnut.maintenance.programmes import programme_for, tasks_of
from tightnut.maintenance.schemas import BaselineIn, DueRow, OnTimeRow, VehicleEventIn
from tightnut.paging import PageRequest, Slice, keyset

# Rows the engine could not judge (a stored value out of physical range) always show: they
# need a person to look, and a safety-critical one blocks the gate.
ATTENTION = frozenset({"due_soon", "due", "overdue", "invalid_input"})
ALL_STATUSES = ATTENTION | {"ok"}


def due_list(
    session: Session,
    actor: Actor,
    *,
    depot_id: int | None = None,
    include_ok: bool = False,
    today: date | None = None,
) -> list[DueRow]:
    """The caller's due list: every task due soon, due or overdue (or all, with ``include_ok``)."""
    actor.require(Right.READ_FLEET)
    entries = compute_entries(
        session,
        actor.operator_id,
        today=today or utcnow().date(),
        depot_id=depot_id,
        statuses=ALL_STATUSES if include_ok else ATTENTION,
    )
    rows = [_row(e) for e in entries]
    order = {"invalid_input": 0, "overdue": 1, "due": 2, "due_soon": 3, "ok": 4}
    return sorted(rows, key=lambda r: (order[r.status], r.forecast_date or date.max, r.plate))


def _row(entry: DueEntry) -> DueRow:
    return DueRow(
        vehicle_id=entry.vehicle.id,
        plate=entry.vehicle.plate,
        depot_id=entry.vehicle.depot_id,
        programme=entry.programme.code,
        task_id=entry.task.id,
        task=entry.task.code,
        task_name=entry.task.name,
        status=entry.status,
        suppressed=entry.suppressed,
        safety_critical=entry.task.safety_critical,
        remaining_km=entry.remaining_km,
        remaining_hours=entry.remaining_hours,
        remaining_days=entry.remaining_days,
        forecast_date=entry.forecast_date,
        driver=entry.driver,
        overdue_by=round(entry.overdue_by, 1),
        problem=entry.problem,
    )


@dataclass(frozen=True)
class OverdueTask:
    """A safety-critical task of one vehicle past its tolerance: what the gate asks for."""

    vehicle_id: int
    task_code: str
    task_name: str
    programme_code: str
    driver: str
    unit: str
    overdue_by: float
    remaining_km: float | None
    remaining_hours: float | None
    remaining_days: float | None
    source: str
    illustrative: bool
    problem: str | None


def overdue_safety_critical(
    session: Session, vehicles: Sequence[Vehicle], *, today: date
) -> dict[int, list[OverdueTask]]:
    """Each vehicle's safety-critical tasks past their tolerance on ``today``, by vehicle id.

    A task whose state rests on an impossible stored value cannot be judged; it comes back with
    its ``problem`` so the gate refuses rather than assume the task is done.
    """
    if not vehicles:
        return {}
    depots = {v.depot_id for v in vehicles}
    # A whole depot is read straight from the table (faster than converting loaded objects).
    whole_depot = len(depots) == 1 and len(vehicles) > 50
    if whole_depot:
        session.flush()
    entries = compute_entries(
        session,
        vehicles[0].operator_id,
        today=today,
        depot_id=depots.pop() if whole_depot else None,
        vehicles=None if whole_depot else [facts_of(v) for v in vehicles],
        only_safety_critical=True,
        statuses=frozenset({"overdue", "invalid_input"}),
    )
    found: dict[int, list[OverdueTask]] = defaultdict(list)
    for entry in entries:
        found[entry.vehicle.id].append(_overdue(entry))
    return found


def _overdue(entry: DueEntry) -> OverdueTask:
    return OverdueTask(
        vehicle_id=entry.vehicle.id,
        task_code=entry.task.code,
        task_name=entry.task.name,
        programme_code=entry.programme.code,
        driver=entry.driver,
        unit=meter_unit(entry.driver),
        overdue_by=round(entry.overdue_by, 1),
        remaining_km=entry.remaining_km,
        remaining_hours=entry.remaining_hours,
        remaining_days=entry.remaining_days,
        source=entry.task.source or entry.programme.source,
        illustrative=entry.programme.illustrative,
        problem=entry.problem if entry.status == "invalid_input" else None,
    )


def record_event(
    session: Session,
    actor: Actor,
    vehicle_id: int,
    *,
    data: VehicleEventIn,
    limits: MeterLimits,
) -> VehicleEvent:
    """Record a wheel change (with its odometer) and arm the re-torque task it schedules."""
    actor.require(Right.RECORD_METERS)
    vehicle = get_vehicle(session, actor, vehicle_id)
    if data.odometer_km is not None and data.odometer_km != vehicle.odometer_km:
        meter = Meter.ODOMETER_KM
        value = data.odometer_km
        record_meter(
            session, actor, vehicle, meter=meter, value=value, source="event", limits=limits
        )
    lifetime_km = (vehicle.odometer_km or 0.0) + vehicle.odometer_offset_km
    event = VehicleEvent(
        vehicle_id=vehicle.id,
        kind=data.kind,
        odometer_km=vehicle.odometer_km,
        engine_hours=vehicle.engine_hours,
        detail={"note": data.note},
        user_id=actor.user_id,
    )
    session.add(event)
    for task in _tasks_for(session, vehicle):
        if task.trigger == data.kind:
            state = _state(session, vehicle.id, task.id)
            state.armed_km, state.armed_on, state.source = (
                lifetime_km,
                utcnow().date(),
                f"event:{data.kind}",
            )
    session.flush()
    return event


def _tasks_for(session: Session, vehicle: Vehicle) -> list[ProgrammeTask]:
    programmes = session.scalars(
        select(Programme).where(Programme.operator_id == vehicle.operator_id)
    ).all()
    programme = programme_for(vehicle, programmes)
    if programme is None:
        return []
    return [
        t
        for t in tasks_of(session, [programme.id])
        if not t.engine_types or vehicle.engine_type in t.engine_types
    ]


def _state(session: Session, vehicle_id: int, task_id: int) -> TaskState:
    state = session.scalar(
        select(TaskState).where(TaskState.vehicle_id == vehicle_id, TaskState.task_id == task_id)
    )
    if state is None:
        state = TaskState(vehicle_id=vehicle_id, task_id=task_id)
        session.add(state)
    return state


def set_baseline(
    session: Session, actor: Actor, vehicle_id: int, task_id: int, *, data: BaselineIn
) -> TaskState:
    """Record when a task was last done before Tightnut (odometer and engine-hour readings)."""
    actor.require(Right.MANAGE_FLEET)
    vehicle = get_vehicle(session, actor, vehicle_id)
    if task_id not in {t.id for t in _tasks_for(session, vehicle)}:
        raise NotFound(f"task {task_id} is not in this vehicle's programme", field="task_id")
    _check_not_ahead(data.last_done_km, vehicle.odometer_km, "last_done_km")
    _check_not_ahead(data.last_done_hours, vehicle.engine_hours, "last_done_hours")
    if data.last_done_on is not None and data.last_done_on > utcnow().date():
        raise Invalid("the date is in the future", field="last_done_on")
    state = _state(session, vehicle.id, task_id)
    state.last_done_km = _lifetime(data.last_done_km, None, vehicle.odometer_offset_km)
    state.last_done_hours = _lifetime(data.last_done_hours, None, vehicle.engine_hours_offset)
    state.last_done_on = data.last_done_on
    state.source = "baseline"
    session.flush()
    return state


def _check_not_ahead(value: float | None, current: float | None, field: str) -> None:
    if value is not None and current is not None and value > current:
        raise Invalid(f"{value:g} is above the current reading {current:g}", field=field)


def complete_tasks(
    session: Session,
    *,
    work_order_id: int,
    vehicle: Vehicle,
    task_ids: Sequence[int],
    done_km: float | None,
    done_hours: float | None,
    done_at: datetime,
) -> list[TaskCompletion]:
    """Record each task done, judged against its tolerance; restart it and what it includes."""
    entries = {
        e.task.id: e
        for e in compute_entries(
            session, vehicle.operator_id, today=done_at.date(), vehicles=[facts_of(vehicle)]
        )
    }
    km = _lifetime(done_km, vehicle.odometer_km, vehicle.odometer_offset_km)
    hours = _lifetime(done_hours, vehicle.engine_hours, vehicle.engine_hours_offset)
    tasks = {t.id: t for t in _tasks_for(session, vehicle)}
    completions = []
    for task_id in task_ids:
        status = entries[task_id].status if task_id in entries else "ok"
        completion = TaskCompletion(
            operator_id=vehicle.operator_id,
            depot_id=vehicle.depot_id,
            vehicle_id=vehicle.id,
            task_id=task_id,
            work_order_id=work_order_id,
            done_at=done_at,
            done_km=km,
            done_hours=hours,
            status_at_completion=status,
            on_time=status != "overdue",
        )
        session.add(completion)
        completions.append(completion)
        for restarted in _with_included(tasks, task_id):
            _restart(session, vehicle.id, restarted, km, hours, done_at.date())
    session.flush()
    return completions


def _lifetime(reading: float | None, current: float | None, offset: float) -> float | None:
    value = reading if reading is not None else current
    return None if value is None else value + offset


def _with_included(tasks: Mapping[int, ProgrammeTask], task_id: int) -> list[ProgrammeTask]:
    """The task and every task it includes, transitively (TO-3 → TO-2 → TO-1)."""
    by_code = {t.code: t for t in tasks.values()}
    found: list[ProgrammeTask] = []
    pending = [tasks[task_id]] if task_id in tasks else []
    while pending:
        task = pending.pop()
        if task not in found:
            found.append(task)
            pending.extend(by_code[c] for c in task.includes if c in by_code)
    return found


def _restart(
    session: Session,
    vehicle_id: int,
    task: ProgrammeTask,
    km: float | None,
    hours: float | None,
    on: date,
) -> None:
    state = _state(session, vehicle_id, task.id)
    state.last_done_km, state.last_done_hours, state.last_done_on = km, hours, on
    state.armed_km = state.armed_on = None
    state.source = "work_order"


def on_time(session: Session, actor: Actor, *, depot_id: int | None = None) -> list[OnTimeRow]:
    """Per depot and month (and the operator overall): the share of tasks done within tolerance.

    A completion is on time when the task was not overdue (past its late tolerance) when signed.
    Tasks overdue and still not done count against the current month.
    """
    actor.require(Right.READ_FLEET)
    query = select(TaskCompletion.depot_id, TaskCompletion.done_at, TaskCompletion.on_time).where(
        TaskCompletion.operator_id == actor.operator_id
    )
    if depot_id is not None:
        query = query.where(TaskCompletion.depot_id == depot_id)
    tally: dict[tuple[int | None, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in session.execute(query):
        for scope in (row.depot_id, None):
            counts = tally[(scope, row.done_at.strftime("%Y-%m"))]
            counts[0] += 1
            counts[1] += int(row.on_time)
    month = utcnow().strftime("%Y-%m")
    for entry in compute_entries(
        session, actor.operator_id, today=utcnow().date(), depot_id=depot_id
    ):
        if entry.status == "overdue" and not entry.suppressed:
            for scope in (entry.vehicle.depot_id, None):
                tally[(scope, month)][2] += 1
    return [
        OnTimeRow(
            operator_id=actor.operator_id,
            depot_id=scope,
            month=m,
            done=done,
            on_time=ok,
            overdue_open=late,
            rate=None if done + late == 0 else round(ok / (done + late), 4),
        )
        for (scope, m), (done, ok, late) in sorted(
            tally.items(), key=lambda kv: (kv[0][1], kv[0][0] or 0)
        )
    ]


def event_history(session: Session, vehicle: Vehicle, *, page: PageRequest) -> Slice[VehicleEvent]:
    """One page of the vehicle's events, newest first."""
    query = select(VehicleEvent).where(VehicleEvent.vehicle_id == vehicle.id)
    return keyset(session, query, key=VehicleEvent.at, row_id=VehicleEvent.id, page=page)


# The due list's page: filters, one page of rows, and the rows of a CSV export.

DUE_VIEWS: dict[str, frozenset[str]] = {
    "attention": ATTENTION,
    "overdue": frozenset({"overdue"}),
    "due": frozenset({"due"}),
    "due_soon": frozenset({"due_soon"}),
    "invalid_input": frozenset({"invalid_input"}),
    "all": ALL_STATUSES,
}
STATUS_ORDER = {"invalid_input": 0, "overdue": 1, "due": 2, "due_soon": 3, "ok": 4}
DUE_PAGE_SIZE = 50
CSV_COLUMNS = (
    "plate",
    "depot_id",
    "programme",
    "task",
    "task_name",
    "status",
    "safety_critical",
    "due_by",
    "remaining_km",
    "remaining_hours",
    "remaining_days",
    "forecast_date",
    "overdue_by",
    "covered_by_higher_task",
    "problem",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class DueFilter:
    """What the due list shows: a depot, a view of statuses, safety-critical, plate, task."""

    depot_id: int | None = None
    view: str = "attention"
    safety_critical: bool = False
    plate: str = ""
    task: str = ""


@dataclass(frozen=True)
class DuePage:
    """One page of the filtered due list, and how many rows the whole list has."""

    rows: list[DueRow]
    total: int
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        """Where the next page starts, or None on the last page."""
        after = self.offset + self.limit
        return after if after < self.total else None

    @property
    def previous_offset(self) -> int | None:
        """Where the previous page starts, or None on the first."""
        return max(self.offset - self.limit, 0) if self.offset > 0 else None


def due_entries(
    session: Session, actor: Actor, *, filters: DueFilter, today: date | None = None
) -> list[DueEntry]:
    """The filtered due list as entries, most urgent first (only the chosen states are built)."""
    actor.require(Right.READ_FLEET)
    if filters.view not in DUE_VIEWS:
        raise Invalid(f"unknown view {filters.view!r}", field="status")
    vehicles = None
    if filters.plate:
        vehicles = load_vehicles(
            session,
            actor.operator_id,
            depot_id=filters.depot_id,
            vehicle_ids=_plates_like(session, actor.operator_id, filters.plate),
        )
        if not vehicles:
            return []
    entries = compute_entries(
        session,
        actor.operator_id,
        today=today or utcnow().date(),
        depot_id=filters.depot_id if vehicles is None else None,
        vehicles=vehicles,
        only_safety_critical=filters.safety_critical,
        statuses=DUE_VIEWS[filters.view],
    )
    if filters.task:
        entries = [e for e in entries if e.task.code == filters.task]
    return sorted(entries, key=_urgency)


def _urgency(entry: DueEntry) -> tuple[int, date, str, str]:
    forecast = entry.forecast_date or date.max
    return (STATUS_ORDER[entry.status], forecast, entry.vehicle.plate, entry.task.code)


def _plates_like(session: Session, operator_id: int, plate: str) -> list[int]:
    """Ids of the operator's vehicles whose plate holds ``plate`` (spaces and case ignored)."""
    wanted = plate.upper().replace(" ", "")
    query = select(Vehicle.id).where(
        Vehicle.operator_id == operator_id,
        Vehicle.plate.contains(wanted, autoescape=True),
    )
    return list(session.scalars(query))


def due_page(
    session: Session,
    actor: Actor,
    *,
    filters: DueFilter,
    offset: int = 0,
    limit: int = DUE_PAGE_SIZE,
    today: date | None = None,
) -> DuePage:
    """One page of the filtered due list: only that page's rows become response rows."""
    entries = due_entries(session, actor, filters=filters, today=today)
    chosen = entries[offset : offset + limit]
    return DuePage(rows=[_row(e) for e in chosen], total=len(entries), offset=offset, limit=limit)


def due_task_codes(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """The caller's task codes with a name each, for the due list's task filter."""
    query = (
        select(ProgrammeTask.code, func.min(ProgrammeTask.name))
        .join(Programme, Programme.id == ProgrammeTask.programme_id)
        .where(Programme.operator_id == actor.operator_id)
        .group_by(ProgrammeTask.code)
        .order_by(ProgrammeTask.code)
    )
    return [(code, name) for code, name in session.execute(query)]


def due_csv_rows(entries: Sequence[DueEntry]) -> Iterator[list[str]]:
    """The CSV export: a header, then one row per entry; no cell can start a formula."""
    yield list(CSV_COLUMNS)
    for entry in entries:
        row = _row(entry)
        yield [
            _text(row.plate),
            str(row.depot_id),
            _text(row.programme),
            _text(row.task),
            _text(row.task_name),
            row.status,
            "yes" if row.safety_critical else "no",
            row.driver,
            _number(row.remaining_km),
            _number(row.remaining_hours),
            _number(row.remaining_days),
            row.forecast_date.isoformat() if row.forecast_date else "",
            _number(row.overdue_by),
            "yes" if row.suppressed else "no",
            _text(row.problem or ""),
        ]


def _text(value: str) -> str:
    """Text a spreadsheet shows as text: a leading = + - @ or control gets a quote first."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"
