"""The due engine's inputs screened: a row resting on an impossible value is flagged, not computed.

Pure NumPy, like the rows it screens. Data written before the API bounded its inputs (or by
hand) can hold an infinite odometer, a meter offset of 1e308, an infinite rate, interval or
last-done point. The kernel refuses such arrays whole, so one bad vehicle would take the due
list, the board and the plan down for the whole operator. The screen runs first:

- each vehicle's lifetime meters and daily rates, each task's intervals, due-soon windows and
  tolerance, and each recorded state's last-done point must be finite and inside the
  physical ranges of ``tightnut.fields`` (odometer 0 … 10,000,000 km, engine hours
  0 … 1,000,000 h, …); every value outside is a ``Finding``;
- a row (vehicle, task) is flagged when a meter it uses (its due point on that meter is set)
  rests on a finding, when its task's tolerance is one, or when a due point it uses is not
  finite; a bad engine-hour meter does not flag a row counted in km only;
- bad values become 0 and flagged rows get neutral placeholders (due today on the calendar,
  no parent, no child), so the kernel judges every other row exactly as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

from tightnut.fields import (
    MAX_DAYS,
    MAX_ENGINE_HOURS,
    MAX_HOURS_PER_DAY,
    MAX_KM_PER_DAY,
    MAX_ODOMETER_KM,
)
from tightnut.maintenance.due import DueRows, MeterKind, TaskTable
from tightnut.maintenance.rows import BuiltRows, StateArrays, VehicleArrays

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
EVERY_METER = 3  # a finding that flags every row of its record (a task's tolerance)
_SLOTS = 4
_SLACK = 1e-9  # rounding in a rate or a lifetime sum is not a finding


class TaskNumbers(Protocol):
    """The numbers of a task the screen checks."""

    @property
    def interval_km(self) -> float | None: ...
    @property
    def interval_hours(self) -> float | None: ...
    @property
    def interval_days(self) -> float | None: ...
    @property
    def soon_km(self) -> float: ...
    @property
    def soon_hours(self) -> float: ...
    @property
    def soon_days(self) -> float: ...
    @property
    def tolerance_pct(self) -> float: ...
    @property
    def window_min_km(self) -> float | None: ...
    @property
    def window_max_km(self) -> float | None: ...


class _Check(NamedTuple):
    column: str  # attribute of the arrays (or of the task)
    field: str  # the name a person knows it by
    slot: int  # MeterKind, or EVERY_METER
    low: float
    high: float
    unit: str
    positive: bool = False  # low itself is out of range
    optional: bool = True  # NaN (no value) is fine


_KM, _HOURS, _DAYS = int(MeterKind.KM), int(MeterKind.HOURS), int(MeterKind.DAYS)
VEHICLE_CHECKS = (
    _Check("km", "odometer_km (lifetime)", _KM, 0, MAX_ODOMETER_KM, "km"),
    _Check("km_per_day", "km_per_day", _KM, 0, MAX_KM_PER_DAY, "km/day", optional=False),
    _Check("hours", "engine_hours (lifetime)", _HOURS, 0, MAX_ENGINE_HOURS, "h"),
    _Check("hours_per_day", "hours_per_day", _HOURS, 0, MAX_HOURS_PER_DAY, "h/day", optional=False),
)
STATE_CHECKS = (
    _Check("last_km", "last_done_km", _KM, 0, MAX_ODOMETER_KM, "km"),
    _Check("armed_km", "armed_km", _KM, 0, MAX_ODOMETER_KM, "km"),
    _Check("last_hours", "last_done_hours", _HOURS, 0, MAX_ENGINE_HOURS, "h"),
)
TASK_CHECKS = (
    _Check("interval_km", "interval_km", _KM, 0, MAX_ODOMETER_KM, "km", positive=True),
    _Check("soon_km", "soon_km", _KM, 0, MAX_ODOMETER_KM, "km", optional=False),
    _Check("window_min_km", "window_min_km", _KM, 0, MAX_ODOMETER_KM, "km"),
    _Check("window_max_km", "window_max_km", _KM, 0, MAX_ODOMETER_KM, "km", positive=True),
    _Check("interval_hours", "interval_hours", _HOURS, 0, MAX_ENGINE_HOURS, "h", positive=True),
    _Check("soon_hours", "soon_hours", _HOURS, 0, MAX_ENGINE_HOURS, "h", optional=False),
    _Check("interval_days", "interval_days", _DAYS, 0, MAX_DAYS, "days", positive=True),
    _Check("soon_days", "soon_days", _DAYS, 0, MAX_DAYS, "days", optional=False),
    _Check("tolerance_pct", "tolerance_pct", EVERY_METER, 0, 50, "%", optional=False),
)


@dataclass(frozen=True)
class Finding:
    """A value the due engine cannot use: which record (by index), which field, what it holds."""

    record: str  # "vehicle", "task" or "state"
    index: int
    field: str
    value: float
    slot: int
    allowed: str

    @property
    def message(self) -> str:
        """The finding in words: ``odometer_km (lifetime) = inf, outside 0 … 10,000,000 km``."""
        return f"{self.field} = {self.value:g}, outside {self.allowed}"


@dataclass(frozen=True, eq=False)
class Findings:
    """Every finding, and per record kind a mask [slot, record] of the meters they spoil."""

    items: list[Finding]
    vehicle: BoolArray
    state: BoolArray
    task: BoolArray


def screen_inputs(
    vehicles: VehicleArrays, states: StateArrays, tasks: Sequence[TaskNumbers]
) -> tuple[VehicleArrays, StateArrays, Findings]:
    """The arrays with every impossible value set to 0, and the findings."""
    task_arrays = {
        check.column: _column([getattr(t, check.column) for t in tasks]) for check in TASK_CHECKS
    }
    vehicle_mask, vehicle_items, clean_v = _scan("vehicle", vars(vehicles), VEHICLE_CHECKS)
    state_mask, state_items, clean_s = _scan("state", vars(states), STATE_CHECKS)
    task_mask, task_items, _ = _scan("task", task_arrays, TASK_CHECKS)
    findings = Findings(
        items=vehicle_items + state_items + task_items,
        vehicle=vehicle_mask,
        state=state_mask,
        task=task_mask,
    )
    vehicles = replace(
        vehicles,
        km=clean_v.get("km", vehicles.km),
        km_per_day=clean_v.get("km_per_day", vehicles.km_per_day),
        hours=clean_v.get("hours", vehicles.hours),
        hours_per_day=clean_v.get("hours_per_day", vehicles.hours_per_day),
    )
    states = replace(
        states,
        last_km=clean_s.get("last_km", states.last_km),
        armed_km=clean_s.get("armed_km", states.armed_km),
        last_hours=clean_s.get("last_hours", states.last_hours),
    )
    return vehicles, states, findings


def _column(values: Sequence[float | None]) -> FloatArray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _scan(
    record: str, arrays: dict[str, FloatArray], checks: Sequence[_Check]
) -> tuple[BoolArray, list[Finding], dict[str, FloatArray]]:
    size = len(next(iter(arrays.values()))) if arrays else 0
    mask = np.zeros((_SLOTS, size), dtype=bool)
    items: list[Finding] = []
    clean: dict[str, FloatArray] = {}
    for check in checks:
        values = arrays[check.column]
        bad = _out_of_range(values, check)
        if not bad.any():
            continue
        mask[check.slot] |= bad
        clean[check.column] = np.where(bad, 0.0, values)
        allowed = f"{'(' if check.positive else ''}{check.low:g} … {check.high:,.0f} {check.unit}"
        items += [
            Finding(record, int(i), check.field, float(values[i]), check.slot, allowed)
            for i in np.flatnonzero(bad)
        ]
    return mask, items, clean


def _out_of_range(values: FloatArray, check: _Check) -> BoolArray:
    high = check.high * (1 + _SLACK) + _SLACK
    with np.errstate(invalid="ignore"):
        fine = (values > check.low) if check.positive else (values >= check.low - _SLACK)
        fine &= values <= high
    if check.optional:
        fine |= np.isnan(values)
    return ~fine


def flag_rows(built: BuiltRows, findings: Findings) -> tuple[BoolArray, npt.NDArray[np.int64]]:
    """Per row, whether it is flagged, and the slot of the meter that flagged it (or -1)."""
    rows, v, t = built.rows, built.vehicle, built.task
    state = np.maximum(built.state, 0)
    has_state = built.state >= 0
    slot = np.full(v.size, -1, dtype=np.int64)
    for meter, due in ((_KM, rows.due_km), (_HOURS, rows.due_hours), (_DAYS, rows.due_day)):
        used = ~np.isnan(due)
        spoilt = findings.vehicle[meter][v] | findings.task[meter][t] | ~np.isfinite(due)
        if findings.state.shape[1]:
            spoilt |= has_state & findings.state[meter][state]
        slot = np.where((slot < 0) & used & spoilt, meter, slot)
    slot = np.where((slot < 0) & findings.task[EVERY_METER][t], EVERY_METER, slot)
    return slot >= 0, slot


def neutralised(rows: DueRows, flagged: BoolArray, today: float) -> DueRows:
    """The rows with flagged ones due today on the calendar and cut from their parents."""
    parent = np.where(flagged, -1, rows.parent)
    parent = np.where((parent >= 0) & flagged[np.maximum(parent, 0)], -1, parent)
    return replace(
        rows,
        due_km=np.where(flagged, np.nan, rows.due_km),
        due_hours=np.where(flagged, np.nan, rows.due_hours),
        due_day=np.where(flagged, today, rows.due_day),
        parent=parent,
    )


def clean_table(table: TaskTable) -> TaskTable:
    """The task table with values a spoilt task left non-finite or negative set to 0."""
    return TaskTable(
        **{
            name: np.where(np.isfinite(values) & (values >= 0), values, 0.0)
            for name, values in vars(table).items()
        }
    )


def row_findings(
    findings: Findings, built: BuiltRows, rows: Sequence[int], slots: Sequence[int]
) -> list[Finding | None]:
    """For each flagged row, the finding that flagged it (None: a non-finite due point)."""
    first: dict[tuple[str, int, int], Finding] = {}
    for item in findings.items:
        first.setdefault((item.record, item.index, item.slot), item)
    found: list[Finding | None] = []
    for row, slot in zip(rows, slots, strict=True):
        keys = (
            ("vehicle", int(built.vehicle[row]), slot),
            ("state", int(built.state[row]), slot),
            ("task", int(built.task[row]), slot),
            ("task", int(built.task[row]), EVERY_METER),
        )
        found.append(next((first[key] for key in keys if key in first), None))
    return found
