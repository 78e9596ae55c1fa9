"""Travel time: great-circle distance × circuity ÷ speed."""

from __future__ import annotations

import pytest

from tightnut.planning import PlanningError, travel_hours
from tightnut.planning.travel import great_circle_km


def test_one_degree_of_latitude_is_about_111_km() -> None:
    assert great_circle_km([45.0], [39.0], [46.0], [39.0])[0, 0] == pytest.approx(111.2, abs=0.1)


def test_hours_scale_with_circuity_and_speed() -> None:
    hours = travel_hours([45.0], [39.0], [46.0], [39.0], circuity=1.5, speed_kmh=50.0)
    assert hours[0, 0] == pytest.approx(111.19 * 1.5 / 50.0, rel=1e-3)


def test_nan_coordinates_are_refused() -> None:
    with pytest.raises(PlanningError, match="NaN"):
        travel_hours([float("nan")], [39.0], [45.0], [39.0])
