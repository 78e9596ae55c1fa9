"""The due list: builds the due engine's arrays from the database and reads its answer back.

Baseline: a vehicle with no recorded state for a periodic task is taken as never serviced:
last done at 0 km and 0 h, on the day it was registered. Unknown maintenance is not assumed
done; record the last service as a baseline (``PUT /vehicles/{id}/tasks/{task_id}/baseline``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tightnut.fleet.models import Vehicle
from tightnut.maintenance.due import (
    DueResult,
    FleetState,
    MeterKind,
    Status,
    TaskTable,
    compute_due,
)
from tightnut.maintenance.models import Programme, ProgrammeTask, TaskState
from tightnut.maintenance.programmes import programme_for
from tightnut.maintenance.rows import (
    BuiltRows,
    IntArray,
    StateArrays,
    VehicleArrays,
    build_rows,
    day_number,
)
from tightnut.rules.schema import ENGINE_TYPES

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
            km=_lifetime(km, km_offset),
            hours=_lifetime(hours, hours_offset),
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


def _cached(session: Session, query: Select[*tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows as tuples through SQLAlchemy's compiled-statement cache (for small results)."""
    return [tuple(row) for row in session.connection().execute(query).all()]


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
    for row in session.connection().execute(query):
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


def _lifetime(reading: float | None, offset: float) -> float:
    """A meter's lifetime value (its reading plus what replaced meters had run); NaN if none."""
    return NAN if reading is None else reading + offset


def facts_of(vehicle: Vehicle) -> VehicleFacts:
    """The due list's view of a loaded vehicle."""
    return VehicleFacts(
        id=vehicle.id,
        plate=vehicle.plate,
        depot_id=vehicle.depot_id,
        model_family=vehicle.model_family,
        vehicle_class=vehicle.vehicle_class,
        engine_type=vehicle.engine_type,
        km=_lifetime(vehicle.odometer_km, vehicle.odometer_offset_km),
        hours=_lifetime(vehicle.engine_hours, vehicle.engine_hours_offset),
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

    ``vehicles`` skips loading them (with ``depot_id``, all of them are of that depot);
    ``statuses`` keeps only the rows in those states.
    """
    by_scope = vehicles is None or depot_id is not None
    if vehicles is None:
        vehicles = load_vehicles(session, operator_id, depot_id=depot_id)
    programmes, tasks = load_programmes(
        session, operator_id, only_safety_critical=only_safety_critical
    )
    if not vehicles or not tasks:
        return []
    arrays = _vehicle_arrays(vehicles, programmes)
    states = _states(
        session, operator_id, depot_id, vehicles, by_scope, tasks, only_safety_critical
    )
    built = build_rows(arrays, states, tasks, [p.id for p in programmes], ENGINE_TYPES, today)
    if built.vehicle.size == 0:
        return []
    result = compute_due(built.rows, _task_table(tasks), _fleet(arrays), today=day_number(today))
    keep = np.ones(built.vehicle.size, dtype=bool)
    if statuses is not None:
        keep = np.isin(result.status, [STATUS_NAMES.index(name) for name in statuses])
    return _entries(np.flatnonzero(keep), built, result, vehicles, tasks, programmes)


def _vehicle_arrays(
    vehicles: Sequence[VehicleFacts], programmes: list[ProgrammeSpec]
) -> VehicleArrays:
    index = {p.id: i for i, p in enumerate(programmes)}
    chosen: dict[tuple[str, str, str], int] = {}
    programme = []
    for v in vehicles:
        key = (v.model_family, v.vehicle_class, v.engine_type)
        if key not in chosen:
            found = programme_for(v, programmes)
            chosen[key] = -1 if found is None else index[found.id]
        programme.append(chosen[key])
    engine: dict[str, int] = {name: i for i, name in enumerate(ENGINE_TYPES)}
    return VehicleArrays(
        km=np.array([v.km for v in vehicles], dtype=np.float64),
        hours=np.array([v.hours for v in vehicles], dtype=np.float64),
        km_per_day=np.array([v.km_per_day for v in vehicles], dtype=np.float64),
        hours_per_day=np.array([v.hours_per_day for v in vehicles], dtype=np.float64),
        registered_day=_days([v.registered_on for v in vehicles]),
        gas_due_day=_days([v.gas_cert_due for v in vehicles]),
        engine=np.array([engine.get(v.engine_type, 0) for v in vehicles], dtype=np.int64),
        programme=np.array(programme, dtype=np.int64),
    )


def _days(values: Sequence[date | str | None]) -> FloatArray:
    """Day numbers of dates (or ISO text from the driver); NaN for none."""
    days = np.array([None if v is None else str(v)[:10] for v in values], dtype="datetime64[D]")
    numbers = days.astype(np.int64).astype(np.float64)
    numbers[np.isnat(days)] = np.nan
    return numbers


def _fleet(arrays: VehicleArrays) -> FleetState:
    return FleetState(
        now_km=arrays.km,
        now_hours=arrays.hours,
        km_per_day=arrays.km_per_day,
        hours_per_day=arrays.hours_per_day,
    )


def _states(
    session: Session,
    operator_id: int,
    depot_id: int | None,
    vehicles: Sequence[VehicleFacts],
    by_scope: bool,
    tasks: Sequence[TaskSpec],
    only_safety_critical: bool,
) -> StateArrays:
    """Recorded task states, joined by operator and depot (``by_scope``) or by vehicle id."""
    columns = (
        TaskState.vehicle_id,
        TaskState.task_id,
        TaskState.last_done_km,
        TaskState.last_done_hours,
        TaskState.last_done_on,
        TaskState.armed_km,
    )
    if by_scope:
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
    if only_safety_critical:
        queries = [
            q.join(ProgrammeTask, ProgrammeTask.id == TaskState.task_id).where(
                ProgrammeTask.safety_critical.is_(True)
            )
            for q in queries
        ]
    # Bulk loads go straight to the driver; a few vehicles use the statement cache instead.
    fetch = _raw if by_scope or len(vehicles) > 50 else _cached
    raw = [row for query in queries for row in fetch(session, query)]
    vehicle_index = {v.id: i for i, v in enumerate(vehicles)}
    task_index = {t.id: i for i, t in enumerate(tasks)}
    raw = [r for r in raw if r[0] in vehicle_index and r[1] in task_index]
    return StateArrays(
        vehicle=np.array([vehicle_index[r[0]] for r in raw], dtype=np.int64),
        task=np.array([task_index[r[1]] for r in raw], dtype=np.int64),
        last_km=_floats([r[2] for r in raw]),
        last_hours=_floats([r[3] for r in raw]),
        last_day=_days([r[4] for r in raw]),
        armed_km=_floats([r[5] for r in raw]),
    )


def _floats(values: Sequence[float | None]) -> FloatArray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _entries(
    index: IntArray,
    built: BuiltRows,
    result: DueResult,
    vehicles: Sequence[VehicleFacts],
    tasks: Sequence[TaskSpec],
    programmes: list[ProgrammeSpec],
) -> list[DueEntry]:
    """The chosen rows as entries: columns become Python lists once, not element by element."""
    by_id = {p.id: p for p in programmes}
    forecast = result.forecast_day[index]
    dates = np.where(np.isnan(forecast), 0, np.floor(forecast)).astype("datetime64[D]").tolist()
    columns = zip(
        built.vehicle[index].tolist(),
        built.task[index].tolist(),
        result.status[index].tolist(),
        result.suppressed[index].tolist(),
        _rounded(result.remaining_km[index]),
        _rounded(result.remaining_hours[index]),
        _rounded(result.remaining_days[index]),
        [
            None if missing else day
            for missing, day in zip(np.isnan(forecast).tolist(), dates, strict=True)
        ],
        result.driver[index].tolist(),
        result.overdue_by[index].tolist(),
        strict=True,
    )
    return [
        DueEntry(
            vehicle=vehicles[v],
            programme=by_id[tasks[t].programme_id],
            task=tasks[t],
            status=STATUS_NAMES[status],
            suppressed=suppressed,
            remaining_km=km,
            remaining_hours=hours,
            remaining_days=days,
            forecast_date=day,
            driver=DRIVER_NAMES[driver],
            overdue_by=overdue,
        )
        for v, t, status, suppressed, km, hours, days, day, driver, overdue in columns
    ]


def _rounded(values: FloatArray) -> list[float | None]:
    """Values to one decimal, NaN as None."""
    return [None if math.isnan(value) else value for value in np.round(values, 1).tolist()]


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
