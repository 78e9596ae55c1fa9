"""Due points for every (vehicle, task) row, built with array operations over the whole fleet.

Pure NumPy: the database layer hands in plain arrays, this module hands the due engine its
rows. Per task (a handful) there is Python; per row (tens of thousands) there is none.

A row exists for each vehicle and each task of its programme that applies to its engine:
- periodic: the last-done point plus the interval per meter; never recorded counts as done at
  0 km and 0 h on the day the vehicle was registered;
- seasonal: the end of the latest window that has begun, or next year's once served;
- wheel-change re-torque: only while armed, due at the armed km plus the window's far edge;
- gas-cylinder certification: the vehicle's certification day, where it has one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import numpy as np
import numpy.typing as npt

from tightnut.maintenance.due import DueRows

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
EPOCH = date(1970, 1, 1)
NAN = np.nan


class TaskLike(Protocol):
    """What the builder reads of a task."""

    @property
    def code(self) -> str: ...
    @property
    def programme_id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def trigger(self) -> str | None: ...
    @property
    def engine_types(self) -> Sequence[str]: ...
    @property
    def includes(self) -> Sequence[str]: ...
    @property
    def interval_km(self) -> float | None: ...
    @property
    def interval_hours(self) -> float | None: ...
    @property
    def interval_days(self) -> float | None: ...
    @property
    def window_max_km(self) -> float | None: ...
    @property
    def season_start(self) -> str | None: ...
    @property
    def season_end(self) -> str | None: ...


@dataclass(frozen=True, eq=False)
class VehicleArrays:
    """Per vehicle (length V): lifetime meters, rates, days, engine and programme indices."""

    km: FloatArray
    hours: FloatArray
    km_per_day: FloatArray
    hours_per_day: FloatArray
    registered_day: FloatArray
    gas_due_day: FloatArray
    engine: IntArray
    programme: IntArray  # index into the programme ids, -1 for none


@dataclass(frozen=True, eq=False)
class StateArrays:
    """Per recorded task state (length S): vehicle and task indices and the last-done point."""

    vehicle: IntArray
    task: IntArray
    last_km: FloatArray
    last_hours: FloatArray
    last_day: FloatArray
    armed_km: FloatArray


@dataclass(frozen=True, eq=False)
class BuiltRows:
    """The engine's rows and, per row, the vehicle, task and recorded state (or -1) behind it."""

    rows: DueRows
    vehicle: IntArray
    task: IntArray
    state: IntArray


def day_number(day: date) -> float:
    """Days since 1970-01-01."""
    return float((day - EPOCH).days)


def build_rows(
    vehicles: VehicleArrays,
    states: StateArrays,
    tasks: Sequence[TaskLike],
    programme_ids: Sequence[int],
    engines: Sequence[str],
    today: date,
) -> BuiltRows:
    """Every applicable (vehicle, task) row with its due points and parent row."""
    vehicle, task = _candidates(vehicles, tasks, programme_ids, engines)
    size = len(tasks)
    state = _lookup(vehicle * size + task, states.vehicle * size + states.task)
    last_km = _pick(states.last_km, state)
    last_hours = _pick(states.last_hours, state)
    last_day = _pick(states.last_day, state)
    armed_km = _pick(states.armed_km, state)
    table = _TaskColumns(tasks, today)
    kind = table.kind[task]
    periodic = kind == _PERIODIC
    due_km = np.where(periodic, np.nan_to_num(last_km) + table.interval_km[task], NAN)
    due_km = np.where(kind == _WHEEL, armed_km + table.window_km[task], due_km)
    due_km[np.isnan(vehicles.km[vehicle])] = NAN
    due_hours = np.where(periodic, np.nan_to_num(last_hours) + table.interval_hours[task], NAN)
    due_hours[np.isnan(vehicles.hours[vehicle])] = NAN
    first_day = np.where(np.isnan(last_day), vehicles.registered_day[vehicle], last_day)
    due_day = np.where(periodic, first_day + table.interval_days[task], NAN)
    served = last_day >= table.season_start[task]
    seasonal_due = np.where(served, table.next_season_end[task], table.season_end[task])
    due_day = np.where(kind == _SEASONAL, seasonal_due, due_day)
    due_day = np.where(kind == _GAS, vehicles.gas_due_day[vehicle], due_day)
    keep = ~(np.isnan(due_km) & np.isnan(due_hours) & np.isnan(due_day))
    vehicle, task, state = vehicle[keep], task[keep], state[keep]
    parent = _parents(vehicle, task, table.parent, size)
    rows = DueRows(
        vehicle=vehicle,
        task=task,
        due_km=due_km[keep],
        due_hours=due_hours[keep],
        due_day=due_day[keep],
        parent=parent,
    )
    return BuiltRows(rows=rows, vehicle=vehicle, task=task, state=state)


def _candidates(
    vehicles: VehicleArrays,
    tasks: Sequence[TaskLike],
    programme_ids: Sequence[int],
    engines: Sequence[str],
) -> tuple[IntArray, IntArray]:
    """Each vehicle crossed with the tasks of its programme that apply to its engine."""
    allowed = np.ones((len(tasks), len(engines)), dtype=bool)
    for index, t in enumerate(tasks):
        if t.engine_types:
            allowed[index] = [engine in t.engine_types for engine in engines]
    parts_v, parts_t = [], []
    for p, programme_id in enumerate(programme_ids):
        own = np.array(
            [i for i, t in enumerate(tasks) if t.programme_id == programme_id], dtype=np.int64
        )
        members = np.flatnonzero(vehicles.programme == p)
        if own.size and members.size:
            parts_v.append(np.repeat(members, own.size))
            parts_t.append(np.tile(own, members.size))
    if not parts_v:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    vehicle, task = np.concatenate(parts_v), np.concatenate(parts_t)
    applies = allowed[task, vehicles.engine[vehicle]]
    return vehicle[applies], task[applies]


def _lookup(keys: IntArray, among: IntArray) -> IntArray:
    """For each key, its position in ``among`` (which has unique keys), or -1."""
    if among.size == 0:
        return np.full(keys.size, -1, dtype=np.int64)
    order = np.argsort(among, kind="stable")
    ordered = among[order]
    position = np.searchsorted(ordered, keys)
    clipped = np.minimum(position, ordered.size - 1)
    found = ordered[clipped] == keys
    return np.where(found, order[clipped], -1)


def _pick(values: FloatArray, index: IntArray) -> FloatArray:
    picked = values[np.maximum(index, 0)] if values.size else np.full(index.size, NAN)
    return np.where(index >= 0, picked, NAN)


def _parents(vehicle: IntArray, task: IntArray, parent_task: IntArray, size: int) -> IntArray:
    """The row of the including task of the same vehicle, or -1."""
    wanted = parent_task[task]
    found = _lookup(vehicle * size + wanted, vehicle * size + task)
    return np.where(wanted >= 0, found, -1)


_PERIODIC, _SEASONAL, _WHEEL, _GAS, _OTHER = range(5)


class _TaskColumns:
    """Per-task columns the row arithmetic indexes into."""

    def __init__(self, tasks: Sequence[TaskLike], today: date) -> None:
        def column(values: Sequence[float | None]) -> FloatArray:
            return np.array([NAN if v is None else v for v in values], dtype=np.float64)

        self.kind = np.array([_kind(t) for t in tasks], dtype=np.int64)
        self.interval_km = column([t.interval_km for t in tasks])
        self.interval_hours = column([t.interval_hours for t in tasks])
        self.interval_days = column([t.interval_days for t in tasks])
        self.window_km = column([t.window_max_km for t in tasks])
        windows = [_season(t, today) for t in tasks]
        self.season_start = column([w[0] for w in windows])
        self.season_end = column([w[1] for w in windows])
        self.next_season_end = column([w[2] for w in windows])
        code_index = {(t.programme_id, t.code): i for i, t in enumerate(tasks)}
        parent = np.full(len(tasks), -1, dtype=np.int64)
        for i, t in enumerate(tasks):
            for code in t.includes:
                child = code_index.get((t.programme_id, code))
                if child is not None and parent[child] < 0:
                    parent[child] = i
        self.parent = parent


def _kind(task: TaskLike) -> int:
    if task.kind == "periodic":
        return _PERIODIC
    if task.kind == "seasonal":
        return _SEASONAL
    return {"wheel_change": _WHEEL, "gas_cylinder_certification": _GAS}.get(
        task.trigger or "", _OTHER
    )


def _season(task: TaskLike, today: date) -> tuple[float | None, float | None, float | None]:
    """(start, end) of the latest window that has begun, and the next window's end, as days."""
    if task.kind != "seasonal" or not task.season_start or not task.season_end:
        return None, None, None

    def window(year: int) -> tuple[date, date]:
        start = date.fromisoformat(f"{year}-{task.season_start}")
        return start, date.fromisoformat(f"{year}-{task.season_end}")

    year = today.year if window(today.year)[0] <= today else today.year - 1
    start, end = window(year)
    return day_number(start), day_number(end), day_number(window(year + 1)[1])
