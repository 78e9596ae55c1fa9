"""Maximal covering and set covering on small instances whose answers are obvious."""

from __future__ import annotations

import numpy as np
import pytest

from tightnut.planning import InfeasibleError, solve_max_covering, solve_set_covering

LINE = np.abs(np.arange(6.0)[:, None] - np.arange(6.0)[None, :]) * 10.0


def test_max_covering_puts_the_hub_where_most_demand_is_within_reach() -> None:
    result = solve_max_covering(LINE, 1, radius=10.0, weights=[1, 1, 1, 5, 5, 5])
    assert result.open_hubs == (4,)
    assert result.objective == 3.0  # demand left uncovered
    assert result.details["covered_demand"] == 15.0
    assert list(result.assignment) == [-1, -1, -1, 4, 4, 4]
    assert result.status == "optimal"


def test_set_covering_finds_the_fewest_hubs_for_full_cover() -> None:
    result = solve_set_covering(LINE, radius=10.0)
    assert result.objective == 2.0
    assert result.lower_bound == 2.0
    assert set(result.open_hubs) == {1, 4}


def test_set_covering_names_the_clients_no_site_can_reach() -> None:
    cost = np.array([[0.0, 1.0], [1.0, 0.0], [50.0, 60.0]])
    with pytest.raises(InfeasibleError, match=r"client\(s\) 2"):
        solve_set_covering(cost, radius=5.0)


def test_a_negative_radius_is_refused() -> None:
    with pytest.raises(ValueError, match="radius"):
        solve_max_covering(LINE, 1, radius=-1.0)
