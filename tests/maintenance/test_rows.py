"""Building the engine's rows from fleet arrays: which rows exist and where they fall due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from tightnut.maintenance.rows import StateArrays, VehicleArrays, build_rows, day_number

TODAY = date(2026, 11, 28)
ENGINES = ("diesel", "cng", "electric")


@dataclass(frozen=True)
class Task:
    code: str
    kind: str = "periodic"
    programme_id: int = 1
    trigger: str | None = None
    engine_types: tuple[str, ...] = ()
    includes: tuple[str, ...] = ()
    interval_km: float | None = None
    interval_hours: float | None = None
    interval_days: float | None = None
    window_max_km: float | None = None
    season_start: str | None = None
    season_end: str | None = None


TASKS = (
    Task("TO-1", interval_km=10_000, interval_days=180),
    Task("TO-2", interval_km=20_000, includes=("TO-1",)),
    Task("AW", kind="seasonal", season_start="10-01", season_end="11-15"),
    Task("RETORQUE", kind="event", trigger="wheel_change", window_max_km=100),
    Task("CYL", kind="event", trigger="gas_cylinder_certification", engine_types=("cng",)),
)


def _fleet(engines: list[int], gas_due: list[float] | None = None) -> VehicleArrays:
    size = len(engines)
    return VehicleArrays(
        km=np.full(size, 50_000.0),
        hours=np.full(size, np.nan),
        km_per_day=np.full(size, 200.0),
        hours_per_day=np.zeros(size),
        registered_day=np.full(size, day_number(date(2026, 1, 1))),
        gas_due_day=np.array(gas_due if gas_due else [np.nan] * size),
        engine=np.array(engines),
        programme=np.zeros(size, dtype=np.int64),
    )


def _states(rows: list[tuple[int, int, float, float]]) -> StateArrays:
    """(vehicle, task, last km, last day or armed km) — armed km for the re-torque task."""
    vehicle = np.array([r[0] for r in rows], dtype=np.int64)
    task = np.array([r[1] for r in rows], dtype=np.int64)
    retorque = task == 3
    return StateArrays(
        vehicle=vehicle,
        task=task,
        last_km=np.array([r[2] for r in rows], dtype=np.float64),
        last_hours=np.full(len(rows), np.nan),
        last_day=np.where(retorque, np.nan, np.array([r[3] for r in rows], dtype=np.float64)),
        armed_km=np.where(retorque, np.array([r[3] for r in rows], dtype=np.float64), np.nan),
    )


def _by_code(built: object, vehicle: int) -> dict[str, tuple[float, float, float, int]]:
    rows = built.rows  # type: ignore[attr-defined]
    found = {}
    for i in np.flatnonzero(built.vehicle == vehicle):  # type: ignore[attr-defined]
        code = TASKS[int(built.task[i])].code  # type: ignore[attr-defined]
        found[code] = (rows.due_km[i], rows.due_hours[i], rows.due_day[i], int(rows.parent[i]))
    return found


def test_never_recorded_counts_from_zero_and_registration() -> None:
    built = build_rows(_fleet([0]), _states([]), TASKS, [1], ENGINES, TODAY)
    rows = _by_code(built, 0)
    assert rows["TO-1"][0] == 10_000
    assert rows["TO-1"][2] == day_number(date(2026, 1, 1)) + 180
    assert "RETORQUE" not in rows, "a re-torque exists only after a wheel change"
    assert "CYL" not in rows, "cylinder certification is for gas engines only"


def test_recorded_state_and_nesting_give_due_points_and_parent_rows() -> None:
    day = day_number(date(2026, 10, 5))
    built = build_rows(
        _fleet([0]), _states([(0, 0, 45_000, day), (0, 1, 40_000, day)]), TASKS, [1], ENGINES, TODAY
    )
    rows = _by_code(built, 0)
    assert rows["TO-1"][0] == 55_000
    assert rows["TO-2"][0] == 60_000
    parent_row = rows["TO-1"][3]
    assert TASKS[int(built.task[parent_row])].code == "TO-2"


def test_seasonal_window_served_moves_to_next_year() -> None:
    served = _states([(0, 2, np.nan, day_number(date(2026, 10, 10)))])
    built = build_rows(_fleet([0, 0]), served, TASKS, [1], ENGINES, TODAY)
    assert _by_code(built, 0)["AW"][2] == day_number(date(2027, 11, 15))
    assert _by_code(built, 1)["AW"][2] == day_number(date(2026, 11, 15)), (
        "unserved: still this year's"
    )


def test_armed_wheel_change_and_gas_certificate_rows() -> None:
    fleet = _fleet([1], gas_due=[day_number(date(2027, 3, 1))])
    built = build_rows(fleet, _states([(0, 3, np.nan, 49_950.0)]), TASKS, [1], ENGINES, TODAY)
    rows = _by_code(built, 0)
    assert rows["RETORQUE"][0] == 50_050
    assert rows["CYL"][2] == day_number(date(2027, 3, 1))
