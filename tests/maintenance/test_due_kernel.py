"""The due engine: statuses at the right points, forecasts, nesting, bad input, the reference."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maintenance.reference_due import reference_due
from tightnut.maintenance import due
from tightnut.maintenance.due import (
    DueInputError,
    DueResult,
    DueRows,
    FleetState,
    MeterKind,
    Status,
    TaskTable,
    compute_due,
)

EPOCH = date(1970, 1, 1)
TODAY = float((date(2026, 3, 1) - EPOCH).days)
NAN = math.nan
TOLERANCE_FIELDS = [
    f"{edge}_{unit}" for unit in ("km", "hours", "days") for edge in ("early", "late", "soon")
]


def _day(day: float) -> date:
    return EPOCH + timedelta(days=day)


@dataclass
class Programme:
    """A tiny fleet and programme written row by row, turned into the kernel's arrays."""

    tasks: list[dict[str, float]] = field(default_factory=list)
    vehicles: list[tuple[float, float, float, float]] = field(default_factory=list)
    rows: list[tuple[int, int, float, float, float, int]] = field(default_factory=list)

    def task(self, **tolerances: float) -> int:
        self.tasks.append({name: tolerances.get(name, 0.0) for name in TOLERANCE_FIELDS})
        return len(self.tasks) - 1

    def vehicle(
        self, km: float = NAN, hours: float = NAN, km_day: float = 0, h_day: float = 0
    ) -> int:
        self.vehicles.append((km, hours, km_day, h_day))
        return len(self.vehicles) - 1

    def row(
        self,
        vehicle: int,
        task: int,
        *,
        km: float = NAN,
        hours: float = NAN,
        day: float = NAN,
        parent: int = -1,
    ) -> int:
        self.rows.append((vehicle, task, km, hours, day, parent))
        return len(self.rows) - 1

    def arrays(self) -> tuple[DueRows, TaskTable, FleetState]:
        tasks = TaskTable(
            **{n: np.array([t[n] for t in self.tasks], np.float64) for n in TOLERANCE_FIELDS}
        )
        v = np.array(self.vehicles, dtype=np.float64).reshape(-1, 4)
        fleet = FleetState(*(np.ascontiguousarray(v[:, i]) for i in range(4)))
        r = list(zip(*self.rows, strict=True))
        rows = DueRows(
            vehicle=np.array(r[0], np.int64),
            task=np.array(r[1], np.int64),
            due_km=np.array(r[2], np.float64),
            due_hours=np.array(r[3], np.float64),
            due_day=np.array(r[4], np.float64),
            parent=np.array(r[5], np.int64),
        )
        return rows, tasks, fleet

    def run(self, today: float = TODAY, slack: float = 0.0) -> DueResult:
        rows, tasks, fleet = self.arrays()
        return compute_due(rows, tasks, fleet, today=today, suppress_slack_days=slack)


def _bus_to1(now_km: float) -> DueResult:
    """City bus TO-1 every 10,000 km, ±10 % (1,000 km), due-soon 500 km before the early edge."""
    p = Programme()
    to1 = p.task(early_km=1000, late_km=1000, soon_km=500)
    p.row(p.vehicle(km=now_km, km_day=200), to1, km=10_000)
    return p.run()


@pytest.mark.parametrize(
    ("now_km", "status"),
    [
        (8_000, Status.OK),
        (8_499.9, Status.OK),
        (8_500, Status.DUE_SOON),
        (8_999.9, Status.DUE_SOON),
        (9_000, Status.DUE),
        (10_000, Status.DUE),
        (11_000, Status.DUE),
        (11_000.1, Status.OVERDUE),
    ],
)
def test_bus_to1_falls_due_soon_due_and_overdue_at_the_right_km(
    now_km: float, status: Status
) -> None:
    result = _bus_to1(now_km)
    assert result.status[0] == status
    assert result.remaining_km[0] == pytest.approx(10_000 - now_km)
    assert result.driver[0] == MeterKind.KM


def test_overdue_bus_reports_how_far_past_tolerance_in_km() -> None:
    result = _bus_to1(11_250)
    assert result.status[0] == Status.OVERDUE
    assert result.overdue_by[0] == pytest.approx(250)


def test_rows_within_tolerance_are_not_overdue_by_anything() -> None:
    assert _bus_to1(10_900).overdue_by[0] == 0


def test_whichever_first_the_calendar_overrides_a_quiet_odometer() -> None:
    p = Programme()
    to1 = p.task(
        early_km=1000, late_km=1000, soon_km=500, early_days=18, late_days=18, soon_days=14
    )
    bus = p.vehicle(km=52_000, km_day=50)
    p.row(bus, to1, km=60_000, day=TODAY - 30)  # 8,000 km to go, but 30 days past the date
    p.row(bus, to1, km=52_500, day=TODAY + 100)  # 500 km to go, date far away
    result = p.run()
    assert list(result.status) == [Status.OVERDUE, Status.DUE]
    assert list(result.driver) == [MeterKind.DAYS, MeterKind.KM]
    assert result.overdue_by[0] == pytest.approx(12)
    assert result.forecast_day[0] == TODAY - 30
    assert result.forecast_day[1] == TODAY + 10
    assert result.remaining_days[1] == 100


def test_tractor_to2_forecast_from_eight_hours_a_day() -> None:
    p = Programme()
    to2 = p.task(early_hours=50, late_hours=50, soon_hours=40)
    p.row(p.vehicle(hours=1_300, h_day=8), to2, hours=1_500)
    result = p.run()
    assert result.status[0] == Status.OK
    assert result.remaining_hours[0] == 200
    assert _day(result.forecast_day[0]) == date(2026, 3, 26)


def test_km_task_without_utilisation_has_no_forecast() -> None:
    p = Programme()
    p.row(p.vehicle(km=100, km_day=0), p.task(), km=10_000)
    assert math.isnan(p.run().forecast_day[0])


@pytest.mark.parametrize(
    ("now_hours", "status"),
    [(449.9, Status.DUE_SOON), (450, Status.DUE), (550, Status.DUE), (550.1, Status.OVERDUE)],
)
def test_gost_tolerance_edges_are_exactly_ten_percent(now_hours: float, status: Status) -> None:
    p = Programme()
    to2 = p.task(early_hours=0.10 * 500, late_hours=0.10 * 500, soon_hours=25)
    p.row(p.vehicle(hours=now_hours, h_day=8), to2, hours=500)
    assert p.run().status[0] == status


@pytest.mark.parametrize(
    ("now_km", "status", "overdue_by"),
    [
        (120_040, Status.OK, 0.0),
        (120_050, Status.DUE, 0.0),
        (120_100, Status.DUE, 0.0),
        (120_100.5, Status.OVERDUE, 0.5),
    ],
)
def test_wheel_nut_retorque_window_50_to_100_km(
    now_km: float, status: Status, overdue_by: float
) -> None:
    p = Programme()
    retorque = p.task(early_km=50, late_km=0)
    p.row(p.vehicle(km=now_km, km_day=200), retorque, km=120_000 + 100)
    result = p.run()
    assert result.status[0] == status
    assert result.overdue_by[0] == pytest.approx(overdue_by)


def _tractor_chain(p: Programme, now_hours: float, due: tuple[float, float, float]) -> list[int]:
    """TO-1 → TO-2 → TO-3 rows of one tractor, each including the levels below it."""
    to1 = p.task(early_hours=12.5, late_hours=12.5, soon_hours=10)
    to2 = p.task(early_hours=50, late_hours=50, soon_hours=10)
    to3 = p.task(early_hours=50, late_hours=50, soon_hours=10)
    tractor = p.vehicle(hours=now_hours, h_day=8)
    top = p.row(tractor, to3, hours=due[2])
    middle = p.row(tractor, to2, hours=due[1], parent=top)
    return [p.row(tractor, to1, hours=due[0], parent=middle), middle, top]


def test_to3_due_suppresses_to2_and_to1_on_the_same_tractor_only() -> None:
    p = Programme()
    due_now = _tractor_chain(p, 990, (1000, 1000, 1000))
    elsewhere = _tractor_chain(p, 615, (625, 1000, 1000))
    result = p.run()
    assert list(result.status[due_now]) == [Status.DUE, Status.DUE, Status.DUE]
    assert list(result.suppressed[due_now]) == [True, True, False]
    assert list(result.status[elsewhere]) == [Status.DUE, Status.OK, Status.OK]
    assert not result.suppressed[elsewhere].any()


def test_suppression_passes_through_a_level_that_is_not_due() -> None:
    p = Programme()
    to1, to2, _ = _tractor_chain(p, 990, (1000, 1400, 995))
    result = p.run()
    assert list(result.status[[to1, to2]]) == [Status.DUE, Status.OK]
    assert result.suppressed[to1]  # by TO-3, although TO-2 itself is not due
    assert result.suppressed[to2]


def test_lower_level_due_before_the_higher_one_is_not_suppressed() -> None:
    p = Programme()
    to1, to2, _ = _tractor_chain(p, 990, (1000, 1040, 1040))
    result = p.run()
    assert list(result.status[[to1, to2]]) == [Status.DUE, Status.DUE]
    assert not result.suppressed[to1]
    assert result.suppressed[to2]
    assert p.run(slack=5).suppressed[to1]


def _valid() -> Programme:
    p = Programme()
    task = p.task(early_km=1000, late_km=1000, soon_km=500)
    bus, tractor = p.vehicle(km=9_000, km_day=100), p.vehicle(hours=900, h_day=8)
    top = p.row(bus, task, km=10_000, day=TODAY + 30)
    p.row(bus, task, km=10_000, parent=top)
    p.row(tractor, task, hours=1_000)
    return p


def _break(
    p: Programme, array: str, row: int, value: float
) -> tuple[DueRows, TaskTable, FleetState]:
    rows, tasks, fleet = p.arrays()
    group, name = array.split(".")
    getattr({"rows": rows, "tasks": tasks, "fleet": fleet}[group], name)[row] = value
    return rows, tasks, fleet


@pytest.mark.parametrize(
    ("array", "row", "value", "named_row"),
    [
        ("rows.vehicle", 1, 7, 1),
        ("rows.task", 2, -1, 2),
        ("rows.parent", 2, 0, 2),  # a parent on another vehicle
        ("rows.parent", 0, 1, 0),  # a cycle
        ("rows.due_km", 1, math.inf, 1),
        ("rows.due_km", 2, 1_000, 2),  # the tractor has no odometer
        ("tasks.late_km", 0, -1, 0),
        ("tasks.early_hours", 0, NAN, 0),
        ("fleet.km_per_day", 1, -5, 1),
        ("fleet.hours_per_day", 1, NAN, 1),
        ("fleet.now_hours", 1, math.inf, 1),
    ],
)
def test_bad_input_names_its_array_and_first_bad_row(
    array: str, row: int, value: float, named_row: int
) -> None:
    rows, tasks, fleet = _break(_valid(), array, row, value)
    with pytest.raises(DueInputError, match=rf"^{array}: .* at row {named_row}$"):
        compute_due(rows, tasks, fleet, today=TODAY)


def test_row_without_any_meter_is_refused() -> None:
    p = _valid()
    p.row(0, 0)
    with pytest.raises(DueInputError, match=r"^rows.due_\*: .* at row 3$"):
        p.run()


def test_arrays_of_the_wrong_length_or_type_are_refused() -> None:
    rows, tasks, fleet = _valid().arrays()
    with pytest.raises(DueInputError, match=r"^rows.due_day: must be 1-D"):
        compute_due(replace(rows, due_day=rows.due_day[:2]), tasks, fleet, today=TODAY)
    with pytest.raises(DueInputError, match=r"^rows.task: must be an integer"):
        compute_due(replace(rows, task=rows.task.astype(float)), tasks, fleet, today=TODAY)
    with pytest.raises(DueInputError, match=r"^today:"):
        compute_due(rows, tasks, fleet, today=NAN)


# --- the kernel agrees with the one-row-at-a-time reference ----------------------------------

GRID = st.integers(-40, 40).map(float)  # small integers make ties and exact tolerance edges likely
AMOUNT = st.one_of(GRID, st.floats(-2e6, 2e6, allow_nan=False))
TOLERANCE = st.one_of(st.sampled_from([0.0, 5.0, 10.0]), st.floats(0, 1e4, allow_nan=False))
RATE = st.one_of(st.just(0.0), st.sampled_from([1.0, 8.0, 250.5]), st.floats(0, 1e3))


def _maybe(amount: st.SearchStrategy[float]) -> st.SearchStrategy[float]:
    return st.one_of(st.just(NAN), amount)


@st.composite
def programmes(draw: st.DrawFn) -> tuple[DueRows, TaskTable, FleetState, float, float]:
    """Random valid inputs: a few vehicles, tasks and rows, with nesting up to three levels."""
    p = Programme()
    for _ in range(draw(st.integers(1, 4))):
        p.task(**{name: draw(TOLERANCE) for name in TOLERANCE_FIELDS})
    for _ in range(draw(st.integers(1, 3))):
        p.vehicle(draw(_maybe(AMOUNT)), draw(_maybe(AMOUNT)), draw(RATE), draw(RATE))
    levels: list[tuple[int, int]] = []  # (vehicle, level) per row
    for _ in range(draw(st.integers(1, 24))):
        vehicle = draw(st.integers(0, len(p.vehicles) - 1))
        now_km, now_hours = p.vehicles[vehicle][:2]
        km = NAN if math.isnan(now_km) else draw(_maybe(AMOUNT))
        hours = NAN if math.isnan(now_hours) else draw(_maybe(AMOUNT))
        day = draw(_maybe(GRID)) if not (math.isnan(km) and math.isnan(hours)) else draw(GRID)
        level = draw(st.integers(0, 3))
        higher = [i for i, (v, lv) in enumerate(levels) if v == vehicle and lv > level]
        parent = draw(st.sampled_from([-1, *higher]))
        levels.append((vehicle, level))
        p.row(
            vehicle,
            draw(st.integers(0, len(p.tasks) - 1)),
            km=km,
            hours=hours,
            day=day,
            parent=parent,
        )
    rows, tasks, fleet = p.arrays()
    return rows, tasks, fleet, draw(GRID), draw(st.sampled_from([0.0, 3.0]))


@settings(max_examples=200, deadline=None)
@given(programmes(), st.sampled_from([3, due.BLOCK_ROWS]))
def test_kernel_agrees_with_reference(
    inputs: tuple[DueRows, TaskTable, FleetState, float, float], block_rows: int
) -> None:
    rows, tasks, fleet, today, slack = inputs
    with mock.patch.object(due, "BLOCK_ROWS", block_rows):
        kernel = compute_due(rows, tasks, fleet, today=today, suppress_slack_days=slack)
    expected = reference_due(rows, tasks, fleet, today=today, suppress_slack_days=slack)
    for name in ("status", "driver", "suppressed"):
        np.testing.assert_array_equal(getattr(kernel, name), getattr(expected, name), name)
    for name in ("remaining_km", "remaining_hours", "remaining_days", "forecast_day", "overdue_by"):
        np.testing.assert_allclose(
            getattr(kernel, name), getattr(expected, name), rtol=1e-12, err_msg=name
        )
