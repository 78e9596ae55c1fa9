"""The due list's inputs read from the database as plain facts and arrays.

Bulk reads go straight to the driver (the due list reads tens of thousands of rows); a few
vehicles use SQLAlchemy's statement cache instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tightnut.fleet.models import Vehicle
from tightnut.maintenance.models import Programme, ProgrammeTask, TaskState
from tightnut.maintenance.rows import StateArrays

EPOCH = date(1970, 1, 1)
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


def day_numbers(values: Sequence[date | str | None]) -> FloatArray:
    """Day numbers of dates (or ISO text from the driver); NaN for none."""
    days = np.array([None if v is None else str(v)[:10] for v in values], dtype="datetime64[D]")
    numbers = days.astype(np.int64).astype(np.float64)
    numbers[np.isnat(days)] = np.nan
    return numbers


def load_states(
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
        last_day=day_numbers([r[4] for r in raw]),
        armed_km=_floats([r[5] for r in raw]),
    )


def _floats(values: Sequence[float | None]) -> FloatArray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
