"""The due list: builds the due engine's arrays from the database and reads its answer back.

Baseline: a vehicle with no recorded state for a periodic task is taken as never serviced:
last done at 0 km and 0 h, on the day it was registered. Unknown maintenance is not assumed
done; record the last service as a baseline (``PUT /vehicles/{id}/tasks/{task_id}/baseline``).

Bad rows: a row resting on a value no vehicle can have (an infinite odometer written before
inputs were bounded, a meter offset of 1e308 …) is flagged by ``screen`` and never reaches
the kernel, so every other row is judged. Its status is ``invalid_input`` and ``problem``
names the value; such rows come back only when ``statuses`` asks for them, and each
computation that meets one logs a warning naming the vehicle, task and field.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from tightnut.maintenance.due import (
    DueResult,
    FleetState,
    MeterKind,
    Status,
    TaskTable,
    compute_due,
)
from tightnut.maintenance.dueread import (
    ProgrammeSpec,
    TaskSpec,
    VehicleFacts,
    day_numbers,
    facts_of,
    load_programmes,
    load_states,
    load_vehicles,
)
from tightnut.maintenance.programmes import programme_for
from tightnut.maintenance.rows import (
    BuiltRows,
    IntArray,
    StateArrays,
    VehicleArrays,
    build_rows,
    day_number,
)
from tightnut.maintenance.screen import (
    Finding,
    Findings,
    clean_table,
    flag_rows,
    neutralised,
    row_findings,
    screen_inputs,
)
from tightnut.rules.schema import ENGINE_TYPES

STATUS_NAMES = ("ok", "due_soon", "due", "overdue", "invalid_input")
INVALID = STATUS_NAMES.index("invalid_input")
DRIVER_NAMES = ("km", "hours", "days")
NAN = math.nan
FloatArray = npt.NDArray[np.float64]
MAX_LOGGED = 20
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DueEntry:
    """One (vehicle, task) with the engine's verdict, or the problem that kept it from one."""

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
    problem: str | None = None


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
    ``statuses`` keeps only the rows in those states; rows the engine could not judge
    (``invalid_input``) come back only when ``statuses`` names that state.
    """
    by_scope = vehicles is None or depot_id is not None
    if vehicles is None:
        vehicles = load_vehicles(session, operator_id, depot_id=depot_id)
    programmes, tasks = load_programmes(
        session, operator_id, only_safety_critical=only_safety_critical
    )
    if not vehicles or not tasks:
        return []
    states = load_states(
        session, operator_id, depot_id, vehicles, by_scope, tasks, only_safety_critical
    )
    arrays, states, findings = screen_inputs(_vehicle_arrays(vehicles, programmes), states, tasks)
    if findings.items:
        _warn(findings, vehicles, tasks, states)
    built = build_rows(arrays, states, tasks, [p.id for p in programmes], ENGINE_TYPES, today)
    if built.vehicle.size == 0:
        return []
    flagged, slots = flag_rows(built, findings)
    rows = neutralised(built.rows, flagged, day_number(today))
    table = clean_table(_task_table(tasks))
    result = compute_due(rows, table, _fleet(arrays), today=day_number(today))
    problems = _mark_flagged(result, built, findings, flagged, slots)
    wanted = set(range(INVALID)) if statuses is None else {STATUS_NAMES.index(s) for s in statuses}
    keep = np.flatnonzero(np.isin(result.status, sorted(wanted)))
    return _entries(keep, built, result, vehicles, tasks, programmes, problems)


def _mark_flagged(
    result: DueResult,
    built: BuiltRows,
    findings: Findings,
    flagged: npt.NDArray[np.bool_],
    slots: IntArray,
) -> dict[int, str]:
    """Set flagged rows to ``invalid_input`` with no amounts; their problems by row."""
    if not flagged.any():
        return {}
    result.status[flagged] = INVALID
    for values in (
        result.remaining_km,
        result.remaining_hours,
        result.remaining_days,
        result.forecast_day,
    ):
        values[flagged] = NAN
    result.overdue_by[flagged] = 0.0
    result.suppressed[flagged] = False
    result.driver[flagged] = np.minimum(slots[flagged], int(MeterKind.DAYS))
    rows = np.flatnonzero(flagged).tolist()
    found = row_findings(findings, built, rows, slots[flagged].tolist())
    return {row: _row_problem(item) for row, item in zip(rows, found, strict=True)}


def _row_problem(item: Finding | None) -> str:
    if item is None:
        return "a due point is not a finite number"
    where = {"vehicle": "", "state": "recorded task state: ", "task": "task: "}[item.record]
    return where + item.message


def _warn(
    findings: Findings,
    vehicles: Sequence[VehicleFacts],
    tasks: Sequence[TaskSpec],
    states: StateArrays,
) -> None:
    """One warning naming each record the due engine cannot use (the first few of them)."""

    def name(item: Finding) -> str:
        if item.record == "vehicle":
            return f"vehicle {vehicles[item.index].plate} (id {vehicles[item.index].id})"
        if item.record == "task":
            return f"task {tasks[item.index].code} (id {tasks[item.index].id})"
        vehicle = vehicles[int(states.vehicle[item.index])]
        return f"vehicle {vehicle.plate} task {tasks[int(states.task[item.index])].code} state"

    listed = "; ".join(f"{name(i)}: {i.message}" for i in findings.items[:MAX_LOGGED])
    more = len(findings.items) - MAX_LOGGED
    log.warning(
        "due list: %d value(s) no vehicle can have; the rows resting on them are reported as "
        "invalid_input: %s%s",
        len(findings.items),
        listed,
        f"; and {more} more" if more > 0 else "",
    )


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
        registered_day=day_numbers([v.registered_on for v in vehicles]),
        gas_due_day=day_numbers([v.gas_cert_due for v in vehicles]),
        engine=np.array([engine.get(v.engine_type, 0) for v in vehicles], dtype=np.int64),
        programme=np.array(programme, dtype=np.int64),
    )


def _fleet(arrays: VehicleArrays) -> FleetState:
    return FleetState(
        now_km=arrays.km,
        now_hours=arrays.hours,
        km_per_day=arrays.km_per_day,
        hours_per_day=arrays.hours_per_day,
    )


def _entries(
    index: IntArray,
    built: BuiltRows,
    result: DueResult,
    vehicles: Sequence[VehicleFacts],
    tasks: Sequence[TaskSpec],
    programmes: list[ProgrammeSpec],
    problems: dict[int, str],
) -> list[DueEntry]:
    """The chosen rows as entries: columns become Python lists once, not element by element."""
    by_id = {p.id: p for p in programmes}
    forecast = result.forecast_day[index]
    dates = np.where(np.isnan(forecast), 0, np.floor(forecast)).astype("datetime64[D]").tolist()
    columns = zip(
        index.tolist(),
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
            problem=problems.get(row),
        )
        for row, v, t, status, suppressed, km, hours, days, day, driver, overdue in columns
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


__all__ = [
    "DueEntry",
    "MeterKind",
    "Status",
    "VehicleFacts",
    "compute_entries",
    "day_number",
    "facts_of",
    "load_vehicles",
    "meter_unit",
]
