"""The due engine: every (vehicle, task) row's status, remaining amount and forecast due day.

A pure NumPy kernel: no database, no web, no clock (``today`` is an argument).

Model. Each row has a due point per meter m ∈ {km, engine hours, calendar day}: ``due_m``
(NaN when the task has no interval on that meter). With ``r = due − now`` remaining and the
task's absolute tolerances ``early``, ``late`` and due-soon window ``soon`` (all ≥ 0):

    OVERDUE   if r < −late
    DUE       if r ≤ early
    DUE_SOON  if r ≤ early + soon
    OK        otherwise

A row's status is the worst over the meters it uses (whichever comes first). Its driver is
the meter giving that status (ties: the earliest forecast day, then km < hours < days);
``overdue_by = −r − late`` of the driver when OVERDUE, else 0. The forecast due day of a
meter is ``today + r / per_day`` for km and hours (only where utilisation per day > 0) and
``due_day`` for the calendar; the row's forecast is the minimum of those (NaN if none).

Nesting: a row is suppressed when an ancestor row (parent, grandparent, …, the higher-level
tasks that include it) has status ≥ DUE_SOON and forecast ≤ the row's forecast + slack; when
either forecast is NaN, when the ancestor's status ≥ the row's status instead.

Rows are processed in blocks of ``BLOCK_ROWS`` so temporaries stay in cache and memory stays
near inputs + outputs; within a block every operation is vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.int32] | npt.NDArray[np.int64]
ParentArray = npt.NDArray[np.int64]
Int8Array = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]

BLOCK_ROWS = 1 << 15  # 32 Ki rows: a block's temporaries stay in a 1 MiB L2 cache
# Indices are range-checked once up front, so gathers use np.take(mode="clip"): no second
# bounds check per element and no buffered copy of ``out``.
MAX_NESTING_DEPTH = 8


class Status(IntEnum):
    """How urgent a row is; larger is worse."""

    OK = 0
    DUE_SOON = 1
    DUE = 2
    OVERDUE = 3


class MeterKind(IntEnum):
    """The meter a due point is counted on."""

    KM = 0
    HOURS = 1
    DAYS = 2


class DueInputError(ValueError):
    """Bad input to the due engine; names the array and, where it applies, the first bad row."""

    def __init__(self, array: str, problem: str, row: int | None = None) -> None:
        where = "" if row is None else f" at row {row}"
        super().__init__(f"{array}: {problem}{where}")
        self.array = array
        self.row = row


@dataclass(frozen=True, eq=False)
class TaskTable:
    """Per task definition (length T): absolute tolerances and due-soon windows, all ≥ 0."""

    early_km: FloatArray
    late_km: FloatArray
    soon_km: FloatArray
    early_hours: FloatArray
    late_hours: FloatArray
    soon_hours: FloatArray
    early_days: FloatArray
    late_days: FloatArray
    soon_days: FloatArray


@dataclass(frozen=True, eq=False)
class FleetState:
    """Per vehicle (length V): current meters (NaN when absent) and utilisation per day."""

    now_km: FloatArray
    now_hours: FloatArray
    km_per_day: FloatArray
    hours_per_day: FloatArray


@dataclass(frozen=True, eq=False)
class DueRows:
    """Per (vehicle, task) row (length N): due points (NaN when unused) and the parent row."""

    vehicle: IndexArray
    task: IndexArray
    due_km: FloatArray
    due_hours: FloatArray
    due_day: FloatArray
    parent: ParentArray


@dataclass(frozen=True, eq=False)
class DueResult:
    """Per row (length N): status, remaining, forecast day, driver, overdue amount, suppression."""

    status: Int8Array
    remaining_km: FloatArray
    remaining_hours: FloatArray
    remaining_days: FloatArray
    forecast_day: FloatArray
    driver: Int8Array
    overdue_by: FloatArray
    suppressed: BoolArray


class _Meter(NamedTuple):
    kind: MeterKind
    name: str
    due: FloatArray
    now: FloatArray | None  # None: the calendar, whose "now" is today
    per_day: FloatArray | None
    early: FloatArray
    late: FloatArray
    soon: FloatArray
    remaining: FloatArray


def compute_due(
    rows: DueRows,
    tasks: TaskTable,
    fleet: FleetState,
    *,
    today: float,
    suppress_slack_days: float = 0.0,
) -> DueResult:
    """Return every row's status, remaining amounts, forecast, driver and suppression."""
    n = _validate(rows, tasks, fleet, today, suppress_slack_days)
    result = _empty_result(n)
    meters = _meters(rows, tasks, fleet, result)
    for start in range(0, n, BLOCK_ROWS):
        _status_block(slice(start, min(start + BLOCK_ROWS, n)), rows, meters, today, result)
    for start in range(0, n, BLOCK_ROWS):
        block = slice(start, min(start + BLOCK_ROWS, n))
        _suppress_block(block, rows, result, suppress_slack_days)
    return result


def _empty_result(n: int) -> DueResult:
    return DueResult(
        status=np.empty(n, np.int8),
        remaining_km=np.empty(n),
        remaining_hours=np.empty(n),
        remaining_days=np.empty(n),
        forecast_day=np.empty(n),
        driver=np.empty(n, np.int8),
        overdue_by=np.empty(n),
        suppressed=np.zeros(n, np.bool_),
    )


def _meters(rows: DueRows, tasks: TaskTable, fleet: FleetState, out: DueResult) -> list[_Meter]:
    return [
        _Meter(
            MeterKind.KM, "km", rows.due_km, fleet.now_km, _rate_or_nan(fleet.km_per_day),
            tasks.early_km, tasks.late_km, tasks.soon_km, out.remaining_km,
        ),
        _Meter(
            MeterKind.HOURS, "hours", rows.due_hours, fleet.now_hours,
            _rate_or_nan(fleet.hours_per_day),
            tasks.early_hours, tasks.late_hours, tasks.soon_hours, out.remaining_hours,
        ),
        _Meter(
            MeterKind.DAYS, "day", rows.due_day, None, None,
            tasks.early_days, tasks.late_days, tasks.soon_days, out.remaining_days,
        ),
    ]  # fmt: skip


# --- statuses, one block of rows at a time ------------------------------------------------


class _MeterBlock(NamedTuple):
    status: Int8Array  # 0 where the meter is unused
    forecast: FloatArray
    overdue: FloatArray  # −r − late: > 0 exactly when overdue
    used: BoolArray


def _status_block(
    block: slice, rows: DueRows, meters: list[_Meter], today: float, out: DueResult
) -> None:
    vehicle = rows.vehicle[block].astype(np.intp, copy=False)  # take is slow on int32 indices
    task = rows.task[block].astype(np.intp, copy=False)
    km, hours, days = (_meter_block(meter, block, vehicle, task, today) for meter in meters)
    no_meter = ~(km.used | hours.used | days.used)
    if no_meter.any():
        raise DueInputError("rows.due_*", "the row uses no meter", _first(no_meter, block))
    status = np.maximum(km.status, hours.status, out=out.status[block])
    np.maximum(status, days.status, out=status)
    forecast = np.fmin(km.forecast, hours.forecast, out=out.forecast_day[block])
    np.fmin(forecast, days.forecast, out=forecast)
    first, second = _drivers(status, (km, hours, days))
    driver = np.where(first, np.int8(MeterKind.KM), np.int8(MeterKind.DAYS))
    driver[second & ~first] = MeterKind.HOURS
    out.driver[block] = driver
    overdue_by = np.where(second, hours.overdue, days.overdue)
    np.copyto(overdue_by, km.overdue, where=first)
    np.maximum(overdue_by, 0.0, out=out.overdue_by[block])


def _drivers(status: Int8Array, meters: tuple[_MeterBlock, ...]) -> tuple[BoolArray, BoolArray]:
    """Whether km, and whether hours, can drive: the row's status and the earliest forecast.

    Among the used meters at the row's status, the one with the earliest forecast (NaN last)
    drives; ties go to the first. Rows where neither km nor hours drives are driven by days.
    """
    candidates = [meter.used & (meter.status == status) for meter in meters]
    keys = [
        np.where(candidate, np.fmin(meter.forecast, np.inf), np.inf)
        for candidate, meter in zip(candidates, meters, strict=True)
    ]
    earliest = np.minimum(np.minimum(keys[0], keys[1]), keys[2])
    first = candidates[0] & (keys[0] == earliest)
    second = candidates[1] & (keys[1] == earliest)
    return first, second


def _meter_block(
    meter: _Meter, block: slice, vehicle: IndexArray, task: IndexArray, today: float
) -> _MeterBlock:
    """Status, forecast day, overdue amount and use flag of one meter for one block."""
    due = meter.due[block]
    used = ~np.isnan(due)
    remaining = _remaining(meter, block, vehicle, used, today)
    edge = np.take(meter.early, task, mode="clip")
    status = (remaining <= edge).view(np.int8)
    edge += np.take(meter.soon, task, mode="clip")
    status += remaining <= edge
    np.take(meter.late, task, out=edge, mode="clip")
    overdue = np.negative(remaining)
    overdue -= edge  # −r − late > 0 exactly when r < −late
    status += overdue > 0
    return _MeterBlock(status, _forecast(meter, due, remaining, vehicle, today), overdue, used)


def _remaining(
    meter: _Meter, block: slice, vehicle: IndexArray, used: BoolArray, today: float
) -> FloatArray:
    due, remaining = meter.due[block], meter.remaining[block]
    if meter.now is None:
        np.subtract(due, today, out=remaining)
        return remaining
    np.take(meter.now, vehicle, out=remaining, mode="clip")
    np.subtract(due, remaining, out=remaining)
    missing = np.isnan(remaining)
    missing &= used
    if missing.any():
        problem = "the row uses a meter its vehicle does not have (fleet.now_* is NaN)"
        raise DueInputError(f"rows.due_{meter.name}", problem, _first(missing, block))
    return remaining


def _forecast(
    meter: _Meter, due: FloatArray, remaining: FloatArray, vehicle: IndexArray, today: float
) -> FloatArray:
    if meter.per_day is None:
        return due
    forecast = np.take(meter.per_day, vehicle, mode="clip")
    with np.errstate(over="ignore"):  # a trickle of use forecasts a day beyond any calendar
        np.divide(remaining, forecast, out=forecast)
    forecast += today
    # Already past the due point with no utilisation to date it: it is due now.
    np.copyto(forecast, today, where=np.isnan(forecast) & (remaining <= 0))
    return forecast


def _rate_or_nan(per_day: FloatArray) -> FloatArray:
    """Utilisation per vehicle, NaN where there is none, so the forecast comes out NaN."""
    return np.where(per_day > 0, per_day, np.nan)


# --- suppression of nested levels ---------------------------------------------------------


def _suppress_block(block: slice, rows: DueRows, out: DueResult, slack: float) -> None:
    """Mark rows whose ancestor falls due no later; walks chains one level per pass."""
    parents = rows.parent[block]
    local = np.flatnonzero(parents >= 0)
    ancestor = parents.take(local)
    _check_parents(rows, local + block.start, ancestor)
    own_status = out.status[block].take(local)
    own_forecast = out.forecast_day[block].take(local)
    own_forecast += slack
    own_nan = np.isnan(own_forecast)
    suppressed = out.suppressed[block]
    for _ in range(MAX_NESTING_DEPTH):
        if local.size == 0:
            return
        status = out.status.take(ancestor, mode="clip")
        forecast = out.forecast_day.take(ancestor, mode="clip")
        covers = np.where(
            own_nan | np.isnan(forecast), status >= own_status, forecast <= own_forecast
        )
        covers &= status >= Status.DUE_SOON
        suppressed[local[covers]] = True
        ancestor = rows.parent.take(ancestor, mode="clip")
        keep = ancestor >= 0
        local, ancestor = local[keep], ancestor[keep]
        own_status, own_forecast, own_nan = own_status[keep], own_forecast[keep], own_nan[keep]
    if local.size:
        problem = f"a parent chain deeper than {MAX_NESTING_DEPTH} levels, or a cycle"
        raise DueInputError("rows.parent", problem, int(local[0]) + block.start)


def _check_parents(rows: DueRows, own: ParentArray, ancestor: ParentArray) -> None:
    vehicle = rows.vehicle.take(ancestor, mode="clip")
    foreign = vehicle != rows.vehicle.take(own, mode="clip")
    foreign |= ancestor == own
    if foreign.any():
        problem = "the parent must be another row of the same vehicle"
        raise DueInputError("rows.parent", problem, int(own[foreign][0]))


# --- validation ---------------------------------------------------------------------------


def _first(mask: BoolArray, block: slice | None = None) -> int:
    offset = 0 if block is None else block.start
    return int(np.argmax(mask)) + offset


def _validate(
    rows: DueRows, tasks: TaskTable, fleet: FleetState, today: float, slack: float
) -> int:
    """Check shapes, dtypes, ranges and NaNs; return the number of rows."""
    if not np.isfinite(today):
        raise DueInputError("today", "must be a finite day number")
    if not (np.isfinite(slack) and slack >= 0):
        raise DueInputError("suppress_slack_days", "must be finite and ≥ 0")
    n_tasks = _check_table("tasks", vars(tasks), nan_ok=(), negative_ok=False)
    n_vehicles = _check_table(
        "fleet", vars(fleet), nan_ok=("now_km", "now_hours"), negative_ok=True
    )
    _check_rate("fleet.km_per_day", fleet.km_per_day)
    _check_rate("fleet.hours_per_day", fleet.hours_per_day)
    n = _check_table(
        "rows",
        {"due_km": rows.due_km, "due_hours": rows.due_hours, "due_day": rows.due_day},
        nan_ok=("due_km", "due_hours", "due_day"),
        negative_ok=True,
    )
    _check_index("rows.vehicle", rows.vehicle, n, 0, n_vehicles)
    _check_index("rows.task", rows.task, n, 0, n_tasks)
    _check_index("rows.parent", rows.parent, n, -1, n)
    return n


def _check_table(
    prefix: str, arrays: dict[str, FloatArray], *, nan_ok: tuple[str, ...], negative_ok: bool
) -> int:
    length: int | None = None
    for name, array in arrays.items():
        label = f"{prefix}.{name}"
        if not isinstance(array, np.ndarray) or array.dtype != np.float64:
            raise DueInputError(label, "must be a float64 NumPy array")
        length = array.size if length is None else length
        if array.shape != (length,):
            raise DueInputError(label, f"must be 1-D of the same length as the others ({length})")
        bad = np.isinf(array) if name in nan_ok else ~np.isfinite(array)
        if bad.any():
            problem = "infinite value" if name in nan_ok else "NaN or infinite value"
            raise DueInputError(label, problem, _first(bad))
        if not negative_ok and array.size and array.min() < 0:
            raise DueInputError(label, "must be ≥ 0", _first(array < 0))
    return length or 0


def _check_rate(label: str, rate: FloatArray) -> None:
    if rate.size and rate.min() < 0:
        raise DueInputError(label, "utilisation must be ≥ 0", _first(rate < 0))


def _check_index(label: str, index: IndexArray, n: int, low: int, high: int) -> None:
    if not isinstance(index, np.ndarray) or not np.issubdtype(index.dtype, np.integer):
        raise DueInputError(label, "must be an integer NumPy array")
    if index.shape != (n,):
        raise DueInputError(label, f"must be 1-D of length {n} like rows.due_km")
    if n and (index.min() < low or index.max() >= high):
        bad = (index < low) | (index >= high)
        raise DueInputError(label, f"index outside {low}..{high - 1}", _first(bad))
