"""Capacitated and uncapacitated facility location against OR-Library and by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tightnut.planning import InfeasibleError, PlanningError, solve_facility
from tightnut.planning.orlib import read_cap, read_optima


@pytest.mark.parametrize("name", ["cap41", "cap71"])
def test_orlib_cap_reproduces_capopt_with_split_demand(orlib_dir: Path, name: str) -> None:
    instance = read_cap(orlib_dir / "cap" / f"{name}.txt")
    result = solve_facility(
        instance.assign_cost, instance.fixed_cost, instance.demand, instance.capacity
    )
    assert result.objective == pytest.approx(
        read_optima(orlib_dir / "cap" / "capopt.txt")[name], abs=1e-3
    )
    assert result.status == "optimal"
    assert result.gap < 1e-9


def test_orlib_uncapacitated_reproduces_uncapopt(orlib_dir: Path) -> None:
    instance = read_cap(orlib_dir / "cap" / "cap101.txt")
    result = solve_facility(instance.assign_cost, instance.fixed_cost, instance.demand)
    expected = read_optima(orlib_dir / "cap" / "uncapopt.txt")["cap101"]
    assert result.objective == pytest.approx(expected, abs=1e-3)


def test_one_cheap_big_site_serves_everyone_without_capacity_limits() -> None:
    assign = np.array([[1.0, 5.0], [1.0, 5.0], [1.0, 5.0]])
    result = solve_facility(assign, fixed_cost=[10.0, 10.0], demand=[1.0, 1.0, 1.0])
    assert result.open_hubs == (0,)
    assert result.objective == 13.0


def test_capacity_forces_a_second_site_and_splits_demand() -> None:
    assign = np.array([[0.0, 10.0], [0.0, 10.0]])
    result = solve_facility(assign, [1.0, 1.0], demand=[2.0, 2.0], capacity=[3.0, 3.0])
    assert result.open_hubs == (0, 1)
    assert result.objective == pytest.approx(2.0 + 10.0 / 2.0)


def test_single_source_keeps_each_client_whole() -> None:
    assign = np.array([[0.0, 10.0], [0.0, 10.0]])
    result = solve_facility(
        assign, [1.0, 1.0], demand=[2.0, 2.0], capacity=[3.0, 3.0], single_source=True
    )
    assert result.objective == pytest.approx(2.0 + 10.0)
    assert sorted(result.assignment) == [0, 1]


def test_capacities_below_demand_are_reported_with_the_shortfall() -> None:
    with pytest.raises(InfeasibleError, match="shortfall is 3"):
        solve_facility(np.zeros((2, 2)), [1.0, 1.0], demand=[4.0, 4.0], capacity=[2.0, 3.0])


def test_single_source_client_larger_than_any_site_is_reported() -> None:
    with pytest.raises(InfeasibleError, match="client 1 has demand 9"):
        solve_facility(np.zeros((2, 2)), [1.0, 1.0], [1.0, 9.0], [6.0, 6.0], single_source=True)


def test_fixed_costs_of_the_wrong_length_are_refused() -> None:
    with pytest.raises(PlanningError, match="one value per site"):
        solve_facility(np.zeros((2, 2)), [1.0])
