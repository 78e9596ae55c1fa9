"""Chart geometry: scales, nice ticks, bars and lines land where the formulas say."""

from __future__ import annotations

import pytest

from tightnut.reports import charts

FRAME = charts.Frame(width=200, height=120, left=20, right=10, top=10, bottom=10)


def test_a_scale_maps_its_ends_and_middle_linearly() -> None:
    scale = charts.Scale(lo=0, hi=10, start=100, end=0)
    assert scale(0) == 100
    assert scale(10) == 0
    assert scale(2.5) == 75


def test_a_scale_with_no_span_puts_everything_in_the_middle() -> None:
    assert charts.Scale(lo=3, hi=3, start=0, end=50)(3) == 25


@pytest.mark.parametrize(
    ("span", "intervals", "step"),
    [(1.0, 4, 0.25), (100, 4, 25), (7, 4, 2), (0.9, 3, 0.5), (12, 5, 2.5), (3000, 4, 1000)],
)
def test_nice_steps_are_one_two_two_and_a_half_or_five_times_a_power_of_ten(
    span: float, intervals: int, step: float
) -> None:
    assert charts.nice_step(span, intervals) == pytest.approx(step)


def test_whole_steps_for_counts_are_never_fractions() -> None:
    assert charts.nice_step(2, 4, whole=True) == 1
    assert charts.nice_step(12, 5, whole=True) == 5
    assert charts.nice_ticks(0, 2, whole=True) == [0, 1, 2]


def test_nice_ticks_cover_the_range_on_round_values() -> None:
    assert charts.nice_ticks(0, 1) == [0, 0.25, 0.5, 0.75, 1]
    assert charts.nice_ticks(0, 130) == [0, 50, 100]
    assert charts.nice_ticks(13, 61, 4) == [20, 40, 60]


def test_nice_max_rounds_the_top_up_to_a_tick() -> None:
    assert charts.nice_max([3, 7]) == 8
    assert charts.nice_max([0]) == 1
    assert charts.nice_max([]) == 1
    assert charts.nice_max([130]) == 150


def test_columns_split_the_plot_into_equal_bands_rising_from_zero() -> None:
    chart = charts.columns(["a", "b"], [0.5, 1.0], FRAME, hi=1.0, gap=0.5)
    a, b = chart.bars
    band = (200 - 10 - 20) / 2
    assert a.x == pytest.approx(20 + band * 0.25)
    assert a.width == pytest.approx(band * 0.5)
    assert b.x == pytest.approx(20 + band + band * 0.25)
    assert a.y + a.height == pytest.approx(FRAME.plot_bottom)
    assert a.height == pytest.approx(50)  # half of the plot's 100 units
    assert b.y == pytest.approx(FRAME.plot_top)
    assert [t.value for t in chart.ticks] == [0, 0.25, 0.5, 0.75, 1]
    assert chart.ticks[0].position == FRAME.plot_bottom


def test_a_zero_column_has_no_height() -> None:
    (bar,) = charts.columns(["none"], [0.0], FRAME, hi=1.0).bars
    assert bar.height == 0
    assert bar.y == FRAME.plot_bottom


def test_rows_grow_rightwards_from_the_axis_on_a_whole_count_scale() -> None:
    chart = charts.rows(["brakes", "gas"], [4.0, 1.0], FRAME, gap=0.0, whole=True)
    brakes, gas = chart.bars
    assert brakes.x == gas.x == FRAME.plot_left
    assert brakes.width == pytest.approx(FRAME.plot_right - FRAME.plot_left)
    assert gas.width == pytest.approx(brakes.width / 4)
    assert brakes.y == FRAME.plot_top
    assert gas.y == pytest.approx(FRAME.plot_top + 50)
    assert [t.value for t in chart.ticks] == [0, 1, 2, 3, 4]


def test_lines_place_points_by_time_and_share_in_time_order() -> None:
    chart = charts.lines(
        [("North", [(10.0, 1.0), (0.0, 0.5)])], FRAME, t_lo=0, t_hi=10, t_ticks=[0, 5, 10]
    )
    (line,) = chart.lines
    first, last = line.points
    assert (first.x, first.y) == (FRAME.plot_left, pytest.approx(60))
    assert (last.x, last.y) == (FRAME.plot_right, FRAME.plot_top)
    assert line.path == "20,60 190,10"
    assert [t.position for t in chart.x_ticks] == [20, 105, 190]


def test_the_view_box_is_written_short() -> None:
    assert FRAME.view_box == "0 0 200 120"
    assert charts.Frame(width=480.5).view_box.startswith("0 0 480.5 ")
