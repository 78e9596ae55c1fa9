"""Due-engine benchmark: 1,000,000 vehicles × 10 tasks through the vectorised kernel.

The fleet is a realistic mix: 60 % city buses serviced by km and calendar (TO-1 → TO-2 → TO-3
chains, brake fluid, coolant, emergency exits, a seasonal service, a wheel-nut re-torque
event) and 40 % tractors by engine hours (TO-1 → TO-2 → TO-3 → special service, per-shift
service, seasonal services, hydraulics). It prints, for the kernel section:

- the kernel's time (best of 3) and peak memory, inputs included — target ≤ 1.0 s, ≤ 1.5 GB;
- the per-row reference run on a 20,000-vehicle sample in the same process, scaled to the
  full fleet, and the ratio of the two per row — target ≥ 50×;
- whether kernel and reference agree on the sample.

`--quick` shrinks the run (20,000 vehicles, a 2,000-vehicle reference sample) so CI proves the
script runs in seconds.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from due_list_db import database_section
from maintenance.reference_due import reference_due
from tightnut.maintenance.due import (
    DueResult,
    DueRows,
    FleetState,
    TaskTable,
    compute_due,
)

TASKS_PER_VEHICLE = 10
TODAY = float((date(2026, 3, 1) - date(1970, 1, 1)).days)
TARGET_SECONDS = 1.0
TARGET_BYTES = 1.5e9
TARGET_RATIO = 50.0
MB = 1e6
SLACK_DAYS = 7.0
NAN = np.nan


@dataclass(frozen=True)
class TaskSpec:
    """One task definition: intervals (0 = none), tolerance share, soon window, parent column."""

    name: str
    km: float = 0.0
    hours: float = 0.0
    days: float = 0.0
    tolerance: float = 0.10
    soon: float = 0.05
    parent: int = -1
    event_window: float = 0.0  # event tasks: the early edge is the whole window, no lateness


BUS = (
    TaskSpec("TO-1", km=10_000, days=180, parent=1),
    TaskSpec("TO-2", km=20_000, days=365, parent=2),
    TaskSpec("TO-3", km=60_000, days=730, tolerance=0.05),
    TaskSpec("seasonal", days=30, event_window=30),
    TaskSpec("wheel-nut re-torque", km=100, event_window=50, soon=0.5),
    TaskSpec("brake fluid", km=40_000, days=730),
    TaskSpec("coolant", km=90_000, days=1_460),
    TaskSpec("emergency exits", days=90),
    TaskSpec("fire extinguisher", days=365),
    TaskSpec("tachograph", days=730, tolerance=0.0),
)
TRACTOR = (
    TaskSpec("TO-1", hours=125, parent=1),
    TaskSpec("TO-2", hours=500, parent=2),
    TaskSpec("TO-3", hours=1_000, tolerance=0.05, parent=3),
    TaskSpec("special", hours=2_000, tolerance=0.05),
    TaskSpec("ETO per shift", hours=10, tolerance=0.2, soon=0.0),
    TaskSpec("TO-VL spring-summer", days=30, event_window=30),
    TaskSpec("TO-OZ autumn-winter", days=30, event_window=30),
    TaskSpec("wheel-nut re-torque", hours=10, event_window=5, soon=0.5),
    TaskSpec("hydraulic oil", hours=1_000, days=730),
    TaskSpec("air filter", hours=500),
)
KINDS = (BUS, TRACTOR)
BUS_SHARE = 0.6


def task_table() -> TaskTable:
    """Absolute tolerances for every task definition: buses first, then tractors."""
    specs = [spec for kind in KINDS for spec in kind]
    columns: dict[str, list[float]] = {}
    for unit, interval in (("km", "km"), ("hours", "hours"), ("days", "days")):
        sizes = [getattr(s, interval) for s in specs]
        columns[f"early_{unit}"] = [
            s.event_window if s.event_window else s.tolerance * n
            for s, n in zip(specs, sizes, strict=True)
        ]
        columns[f"late_{unit}"] = [
            0.0 if s.event_window else s.tolerance * n for s, n in zip(specs, sizes, strict=True)
        ]
        columns[f"soon_{unit}"] = [s.soon * n for s, n in zip(specs, sizes, strict=True)]
    return TaskTable(**{name: np.array(values) for name, values in columns.items()})


def fleet_state(vehicles: int, rng: np.random.Generator) -> tuple[FleetState, np.ndarray]:
    """Meters and utilisation per vehicle, and which vehicles are tractors."""
    tractor = rng.random(vehicles) >= BUS_SHARE
    now_km = rng.uniform(0, 1_500_000, vehicles)
    now_km[tractor] = NAN
    now_hours = rng.uniform(0, 20_000, vehicles)
    now_hours[~tractor] = NAN
    km_per_day = np.where(tractor, 0.0, rng.uniform(80, 400, vehicles))
    idle = rng.random(vehicles) < 0.2  # off-season tractors: no hours forecast
    hours_per_day = np.where(tractor & ~idle, rng.uniform(4, 16, vehicles), 0.0)
    return FleetState(now_km, now_hours, km_per_day, hours_per_day), tractor


def due_rows(fleet: FleetState, tractor: np.ndarray, rng: np.random.Generator) -> DueRows:
    """Ten rows per vehicle, vehicle-major, with last-done points spread around the interval."""
    vehicles = tractor.size
    n = vehicles * TASKS_PER_VEHICLE
    rows = DueRows(
        vehicle=np.repeat(np.arange(vehicles, dtype=np.int32), TASKS_PER_VEHICLE),
        task=np.empty(n, np.int32),
        due_km=np.full(n, NAN),
        due_hours=np.full(n, NAN),
        due_day=np.full(n, NAN),
        parent=np.full(n, -1, np.int64),
    )
    first_row = np.arange(vehicles, dtype=np.int64) * TASKS_PER_VEHICLE
    today = np.full(vehicles, TODAY)
    meters = (("km", "due_km", fleet.now_km), ("hours", "due_hours", fleet.now_hours))
    for column in range(TASKS_PER_VEHICLE):
        bus, trac = BUS[column], TRACTOR[column]
        rows.task[column::TASKS_PER_VEHICLE] = np.where(tractor, len(BUS) + column, column)
        used = rng.uniform(0.0, 1.15, vehicles)  # share of the interval used since last done
        for unit, array, now in (*meters, ("days", "due_day", today)):
            interval = np.where(tractor, getattr(trac, unit), getattr(bus, unit))
            due = np.where(interval > 0, now + interval * (1.0 - used), NAN)
            getattr(rows, array)[column::TASKS_PER_VEHICLE] = due
        parent = np.where(tractor, trac.parent, bus.parent)
        rows.parent[column::TASKS_PER_VEHICLE] = np.where(parent >= 0, first_row + parent, -1)
    return rows


@dataclass(frozen=True)
class Measured:
    """Figures of one implementation on `rows` rows: times, peak bytes, status counts."""

    rows: int
    wall_s: float
    cpu_s: float
    peak_bytes: float
    statuses: tuple[int, ...] = ()

    @property
    def per_row_s(self) -> float:
        """Wall time per row."""
        return self.wall_s / self.rows


def _timed(call: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - wall, time.process_time() - cpu


def _traced_peak(call: Callable[[], object]) -> int:
    """Peak bytes allocated during the call (outputs and temporaries), as tracemalloc sees them."""
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def _nbytes(*tables: object) -> int:
    return sum(array.nbytes for table in tables for array in vars(table).values())


def _sample(rows: DueRows, fleet: FleetState, vehicles: int) -> tuple[DueRows, FleetState]:
    """The first vehicles and their rows (rows are vehicle-major, so parents stay inside)."""
    n = vehicles * TASKS_PER_VEHICLE
    sample_rows = DueRows(*(np.ascontiguousarray(a[:n]) for a in vars(rows).values()))
    sample_fleet = FleetState(*(np.ascontiguousarray(a[:vehicles]) for a in vars(fleet).values()))
    return sample_rows, sample_fleet


def _agree(kernel: DueResult, reference: DueResult) -> bool:
    exact = all(
        np.array_equal(getattr(kernel, name), getattr(reference, name))
        for name in ("status", "driver", "suppressed")
    )
    floats = all(
        np.allclose(getattr(kernel, name), getattr(reference, name), rtol=1e-12, equal_nan=True)
        for name in ("remaining_km", "remaining_hours", "remaining_days", "forecast_day")
    )
    return exact and floats


def measure_kernel(rows: DueRows, tasks: TaskTable, fleet: FleetState) -> Measured:
    """Best of 3 runs by wall time; peak = inputs + what one run allocates."""

    def run() -> DueResult:
        return compute_due(rows, tasks, fleet, today=TODAY, suppress_slack_days=SLACK_DAYS)

    wall, cpu = min(_timed(run) for _ in range(3))
    peak = _nbytes(rows, tasks, fleet) + _traced_peak(run)
    statuses = tuple(np.bincount(run().status, minlength=4).tolist())
    return Measured(rows.due_km.size, wall, cpu, peak, statuses)


def measure_reference(rows: DueRows, tasks: TaskTable, fleet: FleetState) -> tuple[Measured, bool]:
    """One reference run (it is slow), its peak, and whether the kernel agrees with it."""
    expected: list[DueResult] = []

    def run() -> None:
        expected.append(
            reference_due(rows, tasks, fleet, today=TODAY, suppress_slack_days=SLACK_DAYS)
        )

    wall, cpu = _timed(run)
    peak = _nbytes(rows, tasks, fleet) + _traced_peak(run)
    got = compute_due(rows, tasks, fleet, today=TODAY, suppress_slack_days=SLACK_DAYS)
    return Measured(rows.due_km.size, wall, cpu, peak), _agree(got, expected[0])


def kernel_section(args: argparse.Namespace) -> None:
    """Time and measure the kernel on the full fleet and the reference on a sample."""
    rng = np.random.default_rng(20260301)
    tasks = task_table()
    fleet, tractor = fleet_state(args.vehicles, rng)
    rows = due_rows(fleet, tractor, rng)
    del tractor
    kernel = measure_kernel(rows, tasks, fleet)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    sample_rows, sample_fleet = _sample(rows, fleet, args.sample)
    reference, agree = measure_reference(sample_rows, tasks, sample_fleet)
    _report(args.vehicles, kernel, rss, reference, agree)


def _report(vehicles: int, kernel: Measured, rss: float, reference: Measured, agree: bool) -> None:
    n, m = kernel.rows, reference.rows
    scale = n / m
    lines = [
        f"Due engine — {vehicles:,} vehicles × {TASKS_PER_VEHICLE} tasks = {n:,} rows",
        "  statuses ok / due soon / due / overdue: "
        + " / ".join(f"{c:,}" for c in kernel.statuses),
        f"  kernel, best of 3:   {kernel.wall_s:7.3f} s wall, {kernel.cpu_s:.3f} s CPU"
        f"  ({kernel.per_row_s * 1e9:.0f} ns/row)   target ≤ {TARGET_SECONDS:.1f} s",
        f"  kernel peak memory:  {kernel.peak_bytes / MB:7.0f} MB (inputs + outputs + temporaries,"
        f" tracemalloc)   target ≤ {TARGET_BYTES / 1e9:.1f} GB",
        f"  process max RSS:     {rss / MB:7.0f} MB (interpreter, NumPy, data generation, kernel)",
        f"  reference, {m:,} rows: {reference.wall_s:.2f} s wall"
        f" ({reference.per_row_s * 1e6:.2f} µs/row), peak {reference.peak_bytes / MB:.0f} MB",
        f"  reference scaled to {n:,} rows: {reference.wall_s * scale:.1f} s,"
        f" peak {reference.peak_bytes * scale / MB:,.0f} MB",
        f"  ratio reference/kernel per row: {reference.per_row_s / kernel.per_row_s:.0f}×"
        f"   target ≥ {TARGET_RATIO:.0f}×",
        f"  kernel and reference agree on the sample: {'yes' if agree else 'NO'}",
    ]
    print("\n".join(lines))


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark sections."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small run for CI")
    parser.add_argument("--vehicles", type=int, default=None)
    parser.add_argument("--sample", type=int, default=None)
    parser.add_argument("--skip-database", action="store_true", help="the kernel section only")
    args = parser.parse_args(argv)
    args.vehicles = args.vehicles or (20_000 if args.quick else 1_000_000)
    args.sample = min(args.sample or (2_000 if args.quick else 20_000), args.vehicles)
    kernel_section(args)
    if not args.skip_database:
        database_section(args)


if __name__ == "__main__":
    main()
