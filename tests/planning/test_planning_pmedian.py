"""The p-median solver: proven optima, bounds that hold, and clear refusals."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tightnut.planning import PlanningError, solve_pmedian
from tightnut.planning.heuristics import greedy, local_search, solution_cost, vns
from tightnut.planning.orlib import read_optima, read_pmed


def _brute_force(cost: np.ndarray, p: int, weights: np.ndarray) -> float:
    weighted = weights[:, None] * cost
    return min(
        solution_cost(weighted, np.array(sites))
        for sites in itertools.combinations(range(cost.shape[1]), p)
    )


@pytest.mark.parametrize("name", ["pmed1", "pmed2", "pmed6"])
def test_orlib_pmed_solves_to_the_published_optimum_with_zero_gap(
    orlib_dir: Path, name: str
) -> None:
    instance = read_pmed(orlib_dir / "pmed" / f"{name}.txt")
    result = solve_pmedian(instance.cost, instance.p)
    assert result.objective == read_optima(orlib_dir / "pmed" / "pmedopt.txt")[name]
    assert result.status == "optimal"
    assert result.gap == 0.0
    assert len(result.open_hubs) == instance.p


def test_two_clusters_get_one_hub_each_at_their_centres() -> None:
    points = np.array([0.0, 1.0, 2.0, 100.0, 101.0, 102.0])
    cost = np.abs(points[:, None] - points[None, :])
    result = solve_pmedian(cost, 2)
    assert result.open_hubs == (1, 4)
    assert result.objective == 4.0
    assert list(result.assignment) == [1, 1, 1, 4, 4, 4]


def test_heavy_demand_pulls_the_hub_to_itself() -> None:
    cost = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 1.0], [2.0, 1.0, 0.0]])
    result = solve_pmedian(cost, 1, weights=[10.0, 1.0, 1.0])
    assert result.open_hubs == (0,)
    assert result.objective == 3.0


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float64, (7, 7), elements=st.integers(0, 50).map(float)),
    st.integers(1, 4),
    arrays(np.float64, 7, elements=st.sampled_from([0.0, 0.5, 1.0, 3.0])),
)
def test_proven_optimum_matches_brute_force_and_bounds_hold(
    cost: np.ndarray, p: int, weights: np.ndarray
) -> None:
    best = _brute_force(cost, p, weights)
    result = solve_pmedian(cost, p, weights)
    weighted = weights[:, None] * cost
    heuristic = solution_cost(weighted, local_search(weighted, greedy(weighted, p)))
    assert result.objective == pytest.approx(best, abs=1e-9)
    assert result.lower_bound <= best + 1e-9
    assert heuristic >= best - 1e-9
    assert solution_cost(weighted, vns(weighted, p, shakes=3)) >= best - 1e-9
    assert result.status == "optimal"


def test_rectangular_costs_are_allowed_when_clients_are_not_sites() -> None:
    cost = np.array([[1.0, 9.0], [8.0, 2.0], [7.0, 3.0]])
    result = solve_pmedian(cost, 1, clients_are_sites=False)
    assert result.open_hubs == (1,)
    assert result.objective == 14.0


@pytest.mark.parametrize(
    ("cost", "p", "weights", "message"),
    [
        (np.ones((3, 4)), 1, None, "must be square"),
        (np.array([[0.0, -1.0], [1.0, 0.0]]), 1, None, "negative value -1 at row 0, column 1"),
        (np.zeros((3, 3)), 4, None, "p must be between 1 and the 3 candidate sites"),
        (np.zeros((3, 3)), 0, None, "p must be between 1"),
        (np.zeros((2, 2)), 1, [1.0, np.nan], "demand has NaN at position 1"),
        (np.array([[0.0, np.nan], [1.0, 0.0]]), 1, None, "cost matrix has NaN"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    cost: np.ndarray, p: int, weights: list[float] | None, message: str
) -> None:
    with pytest.raises(PlanningError, match=message.replace("(", r"\(")):
        solve_pmedian(cost, p, weights)
