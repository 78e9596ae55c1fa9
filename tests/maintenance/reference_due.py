"""The due engine written the plain way: one row at a time in Python, from the model's words.

It shares only the input and output containers with the kernel, never its code, so that a
property test comparing the two checks the model twice. It assumes valid input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tightnut.maintenance.due import DueResult, DueRows, FleetState, Status, TaskTable

OK, DUE_SOON, DUE, OVERDUE = (int(s) for s in Status)
KM, HOURS, DAYS = 0, 1, 2


@dataclass(frozen=True)
class MeterRow:
    """One meter of one row: remaining amount, tolerances and forecast day (NaN if none)."""

    kind: int
    remaining: float
    early: float
    late: float
    soon: float
    forecast: float


@dataclass(frozen=True)
class RowAnswer:
    """The answer for one row before suppression."""

    status: int
    remaining: tuple[float, float, float]
    forecast: float
    driver: int
    overdue_by: float


def meter_status(remaining: float, early: float, late: float, soon: float) -> int:
    """The status of one meter from its remaining amount and tolerances."""
    if remaining < -late:
        return OVERDUE
    if remaining <= early:
        return DUE
    if remaining <= early + soon:
        return DUE_SOON
    return OK


def forecast_from_rate(today: float, remaining: float, per_day: float) -> float:
    """The day a meter reaches its due point at a steady rate; NaN without utilisation.

    A meter already at or past its due point with no utilisation is due today.
    """
    if per_day > 0:
        return today + remaining / per_day
    return today if remaining <= 0 else math.nan


def row_answer(meters: list[MeterRow]) -> RowAnswer:
    """Worst status over the used meters, its driver, the earliest forecast, overdue amount."""
    if not meters:
        raise ValueError("a row must use at least one meter")
    remaining = [math.nan, math.nan, math.nan]
    driver, driver_status, driver_key = meters[0], -1, math.inf
    for meter in meters:
        remaining[meter.kind] = meter.remaining
        status = meter_status(meter.remaining, meter.early, meter.late, meter.soon)
        key = math.inf if math.isnan(meter.forecast) else meter.forecast
        if status > driver_status or (status == driver_status and key < driver_key):
            driver, driver_status, driver_key = meter, status, key
    overdue_by = -driver.remaining - driver.late if driver_status == OVERDUE else 0.0
    forecasts = [m.forecast for m in meters if not math.isnan(m.forecast)]
    return RowAnswer(
        status=driver_status,
        remaining=(remaining[0], remaining[1], remaining[2]),
        forecast=min(forecasts) if forecasts else math.nan,
        driver=driver.kind,
        overdue_by=overdue_by,
    )


def covers(ancestor: RowAnswer, row: RowAnswer, slack: float) -> bool:
    """True when a higher-level task's row falls due no later than this row (with slack)."""
    if ancestor.status < DUE_SOON:
        return False
    own = row.forecast + slack
    if math.isnan(ancestor.forecast) or math.isnan(own):
        return ancestor.status >= row.status
    return ancestor.forecast <= own


def reference_due(
    rows: DueRows,
    tasks: TaskTable,
    fleet: FleetState,
    *,
    today: float,
    suppress_slack_days: float = 0.0,
) -> DueResult:
    """The due engine one row at a time (slow, obvious, for tests and the benchmark)."""
    row, task, vehicle = _columns(rows), _columns(tasks), _columns(fleet)
    answers = [_answer(i, row, task, vehicle, today) for i in range(len(row["due_km"]))]
    parents = row["parent"]
    suppressed = []
    for i, answer in enumerate(answers):
        ancestor = int(parents[i])
        hidden = False
        while ancestor >= 0 and not hidden:
            hidden = covers(answers[ancestor], answer, suppress_slack_days)
            ancestor = int(parents[ancestor])
        suppressed.append(hidden)
    return _result(answers, suppressed)


def _columns(table: DueRows | TaskTable | FleetState) -> dict[str, list[float]]:
    """Each array of a table as a Python list, so the loop touches plain floats only."""
    return {name: array.tolist() for name, array in vars(table).items()}


def _answer(
    i: int,
    row: dict[str, list[float]],
    task: dict[str, list[float]],
    vehicle: dict[str, list[float]],
    today: float,
) -> RowAnswer:
    v, t = int(row["vehicle"][i]), int(row["task"][i])
    meters = []
    for kind, unit in ((KM, "km"), (HOURS, "hours")):
        due = row[f"due_{unit}"][i]
        if not math.isnan(due):
            remaining = due - vehicle[f"now_{unit}"][v]
            forecast = forecast_from_rate(today, remaining, vehicle[f"{unit}_per_day"][v])
            tolerances = (
                task[f"early_{unit}"][t],
                task[f"late_{unit}"][t],
                task[f"soon_{unit}"][t],
            )
            meters.append(MeterRow(kind, remaining, *tolerances, forecast))
    due_day = row["due_day"][i]
    if not math.isnan(due_day):
        tolerances = (task["early_days"][t], task["late_days"][t], task["soon_days"][t])
        meters.append(MeterRow(DAYS, due_day - today, *tolerances, due_day))
    return row_answer(meters)


def _result(answers: list[RowAnswer], suppressed: list[bool]) -> DueResult:
    return DueResult(
        status=np.array([a.status for a in answers], np.int8),
        remaining_km=np.array([a.remaining[0] for a in answers], np.float64),
        remaining_hours=np.array([a.remaining[1] for a in answers], np.float64),
        remaining_days=np.array([a.remaining[2] for a in answers], np.float64),
        forecast_day=np.array([a.forecast for a in answers], np.float64),
        driver=np.array([a.driver for a in answers], np.int8),
        overdue_by=np.array([a.overdue_by for a in answers], np.float64),
        suppressed=np.array(suppressed, np.bool_),
    )
