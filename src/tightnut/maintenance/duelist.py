"""The due list: builds the due engine's arrays from the database and reads its answer back.

Baseline: a vehicle with no recorded state for a periodic task is taken as never serviced:
last done at 0 km and 0 h, on the day it was registered. Unknown maintenance is not assumed
done; record the last service as a baseline (``PUT /vehicles/{id}/tasks/{task_id}/baseline``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tightnut.fleet.models import Vehicle
from tightnut.maintenance.due import (
    DueResult,
    DueRows,
    FleetState,
    MeterKind,
    Status,
    TaskTable,
    compute_due,
)
from tightnut.maintenance.models import Programme, ProgrammeTask, TaskState
from tightnut.maintenance.programmes import programme_for

EPOCH = date(1970, 1, 1)
STATUS_NAMES = ("ok", "due_soon", "due", "overdue")
DRIVER_NAMES = ("km", "hours", "days")
NAN = math.nan
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class VehicleFacts:
    """What the due list needs of a vehicle, in lifetime units."""

    id: int
    plate: str
    depot_id: int
    model_family: str
    vehicle_class: str
    engine_type: str
    km: float
    hours: float
    km_per_day: float
    hours_per_day: float
    gas_cert_due: date | None
    registered_on: date


@dataclass(frozen=True)
class DueEntry:
    """One (vehicle, task) with the engine's verdict."""

    vehicle: VehicleFacts
    programme: ProgrammeSpec
    task: TaskSpec
    status: str
    suppressed: bool
    remaining_km: float | None
    remaining_hours: float | None
    remaining_days: float | None
    forecast_date: date | None
    driver: str
    overdue_by: float


def day_number(day: date) -> float:
    """Days since 1970-01-01."""
    return float((day - EPOCH).days)


def _date_of(day: float) -> date | None:
    return None if math.isnan(day) else EPOCH + timedelta(days=math.floor(day))


def load_vehicles(
    session: Session,
    operator_id: int,
    *,
    depot_id: int | None = None,
    vehicle_ids: Sequence[int] | None = None,
) -> list[VehicleFacts]:
    """The operator's vehicles (optionally of one depot or these ids) as plain facts."""
    query = select(
        Vehicle.id,
        Vehicle.plate,
        Vehicle.depot_id,
        Vehicle.model_family,
        Vehicle.vehicle_class,
        Vehicle.engine_type,
        Vehicle.odometer_km,
        Vehicle.odometer_offset_km,
        Vehicle.engine_hours,
        Vehicle.engine_hours_offset,
        Vehicle.km_per_day,
        Vehicle.hours_per_day,
        Vehicle.gas_cylinder_cert_due,
        Vehicle.created_at,
    ).where(Vehicle.operator_id == operator_id)
    if depot_id is not None:
        query = query.where(Vehicle.depot_id == depot_id)
    if vehicle_ids is not None:
        query = query.where(Vehicle.id.in_(vehicle_ids))
    return [
        VehicleFacts(
            id=vid,
            plate=plate,
            depot_id=depot,
            model_family=family,
            vehicle_class=klass,
            engine_type=engine,
            km=NAN if km is None else km + km_offset,
            hours=NAN if hours is None else hours + hours_offset,
            km_per_day=km_rate,
            hours_per_day=hours_rate,
            gas_cert_due=_day(gas_due),
            registered_on=_day(created) or EPOCH,
        )
        for (
            vid,
            plate,
            depot,
            family,
            klass,
            engine,
            km,
            km_offset,
            hours,
            hours_offset,
            km_rate,
            hours_rate,
            gas_due,
            created,
        ) in _raw(session, query.order_by(Vehicle.plate))
    ]


def _raw(session: Session, query: Select[*tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows as plain tuples straight from the driver: the due list reads tens of thousands.

    The query only binds integers, so it is rendered with literal values for every driver.
    """
    connection = session.connection()
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        rows = cast(list[tuple[Any, ...]], cursor.fetchall())
    finally:
        cursor.close()
    return rows


def _day(value: date | datetime | str | None) -> date | None:
    """A date from what the driver returns (SQLite gives text, PostgreSQL date objects)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])


@dataclass(frozen=True)
class ProgrammeSpec:
    """A programme as plain data (the due list reads many attributes in tight loops)."""

    id: int
    code: str
    source: str
    illustrative: bool
    model_families: tuple[str, ...]
    vehicle_class: str | None
    engine_types: tuple[str, ...]


@dataclass(frozen=True)
class TaskSpec:
    """A programme task as plain data."""

    id: int
    programme_id: int
    code: str
    name: str
    kind: str
    engine_types: tuple[str, ...]
    interval_km: float | None
    interval_hours: float | None
    interval_days: float | None
    soon_km: float
    soon_hours: float
    soon_days: float
    tolerance_pct: float
    includes: tuple[str, ...]
    season_start: str | None
    season_end: str | None
    trigger: str | None
    window_min_km: float | None
    window_max_km: float | None
    safety_critical: bool
    source: str


class StateFacts(NamedTuple):
    """Where a vehicle stands on one task."""

    last_done_km: float | None
    last_done_hours: float | None
    last_done_on: date | None
    armed_km: float | None


def load_programmes(
    session: Session, operator_id: int, *, only_safety_critical: bool = False
) -> tuple[list[ProgrammeSpec], list[TaskSpec]]:
    """The operator's programmes and their tasks, in one query."""
    programme, task = Programme.__table__, ProgrammeTask.__table__
    condition = task.c.programme_id == programme.c.id
    if only_safety_critical:
        condition = condition & task.c.safety_critical.is_(True)
    query = (
        select(programme, task)
        .select_from(programme.outerjoin(task, condition))
        .where(programme.c.operator_id == operator_id)
        .order_by(programme.c.id, task.c.id)
    )
    width = len(programme.c)
    programmes: dict[int, ProgrammeSpec] = {}
    tasks: list[TaskSpec] = []
    for row in session.execute(query):
        p = dict(zip(programme.c.keys(), row[:width], strict=True))
        programmes.setdefault(p["id"], _programme_spec(p))
        t = dict(zip(task.c.keys(), row[width:], strict=True))
        if t["id"] is not None:
            tasks.append(_task_spec(t))
    return list(programmes.values()), tasks


def _programme_spec(p: dict[str, Any]) -> ProgrammeSpec:
    return ProgrammeSpec(
        id=p["id"],
        code=p["code"],
        source=p["source"],
        illustrative=p["illustrative"],
        model_families=tuple(p["model_families"]),
        vehicle_class=p["vehicle_class"],
        engine_types=tuple(p["engine_types"]),
    )


def _task_spec(t: dict[str, Any]) -> TaskSpec:
    return TaskSpec(
        **{**t, "engine_types": tuple(t["engine_types"]), "includes": tuple(t["includes"])}
    )


def facts_of(vehicle: Vehicle) -> VehicleFacts:
    """The due list's view of a loaded vehicle."""
    return VehicleFacts(
        id=vehicle.id,
        plate=vehicle.plate,
        depot_id=vehicle.depot_id,
        model_family=vehicle.model_family,
        vehicle_class=vehicle.vehicle_class,
        engine_type=vehicle.engine_type,
        km=NAN if vehicle.odometer_km is None else vehicle.odometer_km + vehicle.odometer_offset_km,
        hours=NAN
        if vehicle.engine_hours is None
        else vehicle.engine_hours + vehicle.engine_hours_offset,
        km_per_day=vehicle.km_per_day,
        hours_per_day=vehicle.hours_per_day,
        gas_cert_due=vehicle.gas_cylinder_cert_due,
        registered_on=vehicle.created_at.date(),
    )


def compute_entries(
    session: Session,
    operator_id: int,
    *,
    today: date,
    depot_id: int | None = None,
    vehicles: Sequence[VehicleFacts] | None = None,
    only_safety_critical: bool = False,
    statuses: frozenset[str] | None = None,
) -> list[DueEntry]:
    """Each applicable (vehicle, task) of the operator with its status and forecast.

    ``vehicles`` skips loading them; ``statuses`` keeps only the rows in those states.
    """
    loaded = vehicles is None
    if vehicles is None:
        vehicles = load_vehicles(session, operator_id, depot_id=depot_id)
    programmes, tasks = load_programmes(
        session, operator_id, only_safety_critical=only_safety_critical
    )
    if not vehicles or not tasks:
        return []
    states = _states(session, operator_id, depot_id, vehicles, loaded)
    builder = _RowBuilder(today, tasks, {p.id: p for p in programmes})
    for vehicle in vehicles:
        programme = programme_for(vehicle, programmes)
        if programme is not None:
            builder.add_vehicle(vehicle, programme, states)
    return builder.solve(statuses)


def _states(
    session: Session,
    operator_id: int,
    depot_id: int | None,
    vehicles: Sequence[VehicleFacts],
    loaded: bool,
) -> dict[tuple[int, int], StateFacts]:
    """Task states of the vehicles: joined by operator (and depot) when loaded that way."""
    columns = (
        TaskState.vehicle_id,
        TaskState.task_id,
        TaskState.last_done_km,
        TaskState.last_done_hours,
        TaskState.last_done_on,
        TaskState.armed_km,
    )
    if loaded:
        query = select(*columns).join(Vehicle, Vehicle.id == TaskState.vehicle_id)
        query = query.where(Vehicle.operator_id == operator_id)
        if depot_id is not None:
            query = query.where(Vehicle.depot_id == depot_id)
        queries = [query]
    else:
        ids = [v.id for v in vehicles]
        queries = [
            select(*columns).where(TaskState.vehicle_id.in_(ids[start : start + 2000]))
            for start in range(0, len(ids), 2000)
        ]
    found: dict[tuple[int, int], StateFacts] = {}
    for query in queries:
        for vehicle_id, task_id, km, hours, on, armed in _raw(session, query):
            found[(vehicle_id, task_id)] = StateFacts(km, hours, _day(on), armed)
    return found


class _RowBuilder:
    """Collects rows for the engine, one vehicle at a time, then runs it once."""

    def __init__(
        self, today: date, tasks: Sequence[TaskSpec], programmes: dict[int, ProgrammeSpec]
    ) -> None:
        self.today = today
        self.programmes = programmes
        self.tasks = list(tasks)
        self.task_index = {t.id: i for i, t in enumerate(self.tasks)}
        self.by_programme: dict[int, list[TaskSpec]] = {}
        for task in self.tasks:
            self.by_programme.setdefault(task.programme_id, []).append(task)
        self.parent_code = {pid: _parents(ts) for pid, ts in self.by_programme.items()}
        self.vehicles: list[VehicleFacts] = []
        self.rows: list[tuple[int, int, float, float, float]] = []
        self.parent_keys: list[tuple[int, str] | None] = []

    def add_vehicle(
        self,
        vehicle: VehicleFacts,
        programme: ProgrammeSpec,
        states: dict[tuple[int, int], StateFacts],
    ) -> None:
        """Add the rows of every task of ``programme`` that applies to ``vehicle``."""
        index = len(self.vehicles)
        self.vehicles.append(vehicle)
        parents = self.parent_code.get(programme.id, {})
        for task in self.by_programme.get(programme.id, []):
            if task.engine_types and vehicle.engine_type not in task.engine_types:
                continue
            due = _due_point(task, vehicle, states.get((vehicle.id, task.id)), self.today)
            if due is None:
                continue
            self.rows.append((index, self.task_index[task.id], *due))
            parent = parents.get(task.code)
            self.parent_keys.append(None if parent is None else (index, parent))

    def solve(self, statuses: frozenset[str] | None = None) -> list[DueEntry]:
        """Run the engine over the collected rows; keep only ``statuses`` when given."""
        if not self.rows:
            return []
        table = np.array(self.rows, dtype=np.float64)
        position = {(int(r[0]), self.tasks[int(r[1])].code): i for i, r in enumerate(self.rows)}
        parent = np.array(
            [-1 if k is None else position.get(k, -1) for k in self.parent_keys], dtype=np.int64
        )
        rows = DueRows(
            vehicle=table[:, 0].astype(np.int64),
            task=table[:, 1].astype(np.int64),
            due_km=table[:, 2].copy(),
            due_hours=table[:, 3].copy(),
            due_day=table[:, 4].copy(),
            parent=parent,
        )
        result = compute_due(
            rows, _task_table(self.tasks), self._fleet(), today=day_number(self.today)
        )
        keep = np.ones(len(self.rows), dtype=bool)
        if statuses is not None:
            wanted = [STATUS_NAMES.index(name) for name in statuses]
            keep = np.isin(result.status, wanted)
        return [
            self._entry(i, int(self.rows[i][0]), int(self.rows[i][1]), result)
            for i in np.flatnonzero(keep).tolist()
        ]

    def _fleet(self) -> FleetState:
        return FleetState(
            now_km=np.array([v.km for v in self.vehicles]),
            now_hours=np.array([v.hours for v in self.vehicles]),
            km_per_day=np.array([v.km_per_day for v in self.vehicles]),
            hours_per_day=np.array([v.hours_per_day for v in self.vehicles]),
        )

    def _entry(self, i: int, vehicle: int, task: int, result: DueResult) -> DueEntry:
        found = self.tasks[task]
        return DueEntry(
            vehicle=self.vehicles[vehicle],
            programme=self.programmes[found.programme_id],
            task=found,
            status=STATUS_NAMES[int(result.status[i])],
            suppressed=bool(result.suppressed[i]),
            remaining_km=_maybe(result.remaining_km[i]),
            remaining_hours=_maybe(result.remaining_hours[i]),
            remaining_days=_maybe(result.remaining_days[i]),
            forecast_date=_date_of(float(result.forecast_day[i])),
            driver=DRIVER_NAMES[int(result.driver[i])],
            overdue_by=float(result.overdue_by[i]),
        )


def _maybe(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 1)


def _parents(tasks: list[TaskSpec]) -> dict[str, str]:
    """Each task's immediate including task (the first that lists it)."""
    parents: dict[str, str] = {}
    for task in tasks:
        for code in task.includes:
            parents.setdefault(code, task.code)
    return parents


def _due_point(
    task: TaskSpec, vehicle: VehicleFacts, state: StateFacts | None, today: date
) -> tuple[float, float, float] | None:
    """(due_km, due_hours, due_day) of one row, or None when the task does not apply now."""
    if task.kind == "seasonal":
        return (NAN, NAN, day_number(_season_end(task, state, today)))
    if task.trigger == "wheel_change":
        if state is None or state.armed_km is None or math.isnan(vehicle.km):
            return None
        return (state.armed_km + (task.window_max_km or 0.0), NAN, NAN)
    if task.trigger == "gas_cylinder_certification":
        return (
            None if vehicle.gas_cert_due is None else (NAN, NAN, day_number(vehicle.gas_cert_due))
        )
    return _periodic(task, vehicle, state)


def _periodic(
    task: TaskSpec, vehicle: VehicleFacts, state: StateFacts | None
) -> tuple[float, float, float] | None:
    due_km = _next(task.interval_km, vehicle.km, state.last_done_km if state else None)
    due_hours = _next(task.interval_hours, vehicle.hours, state.last_done_hours if state else None)
    last_day = state.last_done_on if state and state.last_done_on else vehicle.registered_on
    due_day = day_number(last_day) + task.interval_days if task.interval_days else NAN
    if math.isnan(due_km) and math.isnan(due_hours) and math.isnan(due_day):
        return None
    return (due_km, due_hours, due_day)


def _next(interval: float | None, now: float, last: float | None) -> float:
    if not interval or math.isnan(now):
        return NAN
    return (last or 0.0) + interval


def _season_end(task: TaskSpec, state: StateFacts | None, today: date) -> date:
    """The end of the latest season window that has begun; the next one's once it was served.

    A window that passed unserved stays overdue until it is served or the next one begins.
    """
    start_md, end_md = task.season_start or "01-01", task.season_end or "12-31"

    def window(year: int) -> tuple[date, date]:
        return date.fromisoformat(f"{year}-{start_md}"), date.fromisoformat(f"{year}-{end_md}")

    year = today.year if window(today.year)[0] <= today else today.year - 1
    start, end = window(year)
    served = state is not None and state.last_done_on is not None and state.last_done_on >= start
    return window(year + 1)[1] if served else end


def _task_table(tasks: Sequence[TaskSpec]) -> TaskTable:
    def column(fn: Callable[[TaskSpec], float]) -> FloatArray:
        return np.array([fn(t) for t in tasks], dtype=np.float64)

    return TaskTable(
        early_km=column(
            lambda t: _tolerance(t, t.interval_km) if t.trigger != "wheel_change" else _window(t)
        ),
        late_km=column(lambda t: _tolerance(t, t.interval_km)),
        soon_km=column(lambda t: t.soon_km),
        early_hours=column(lambda t: _tolerance(t, t.interval_hours)),
        late_hours=column(lambda t: _tolerance(t, t.interval_hours)),
        soon_hours=column(lambda t: t.soon_hours),
        early_days=column(
            lambda t: _season_length(t) if t.kind == "seasonal" else _tolerance(t, t.interval_days)
        ),
        late_days=column(lambda t: _tolerance(t, t.interval_days)),
        soon_days=column(lambda t: t.soon_days),
    )


def _tolerance(task: TaskSpec, interval: float | None) -> float:
    return (interval or 0.0) * task.tolerance_pct / 100 if task.kind == "periodic" else 0.0


def _window(task: TaskSpec) -> float:
    return (task.window_max_km or 0.0) - (task.window_min_km or 0.0)


def _season_length(task: TaskSpec) -> float:
    start = date.fromisoformat(f"2001-{task.season_start}")
    end = date.fromisoformat(f"2001-{task.season_end}")
    return float((end - start).days)


def meter_unit(driver: str) -> str:
    """The unit of a driver meter, for messages."""
    return {"km": "km", "hours": "h", "days": "days"}[driver]


__all__ = ["DueEntry", "MeterKind", "Status", "compute_entries", "day_number", "meter_unit"]
