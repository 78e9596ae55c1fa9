"""Lagrangian branch-and-bound and ascent: proofs that match brute force, budgets that hold."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tightnut.planning import lagrangian, pmedian, solve_pmedian
from tightnut.planning.branching import branch_and_bound
from tightnut.planning.heuristics import solution_cost
from tightnut.planning.orlib import read_optima, read_pmed


def _random_costs(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 100, size=(n, 2))
    return np.round(np.linalg.norm(points[:, None] - points[None, :], axis=2))


def _optimum(weighted: np.ndarray, p: int, must_open: tuple[int, ...] = ()) -> float:
    sites = range(weighted.shape[1])
    return min(
        solution_cost(weighted, np.array(s))
        for s in itertools.combinations(sites, p)
        if set(must_open) <= set(s)
    )


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 4))
def test_tree_finds_and_proves_the_optimum_from_a_poor_incumbent(seed: int, p: int) -> None:
    weighted = _random_costs(seed, 11)
    poor = np.arange(p)
    out = branch_and_bound(
        weighted,
        p,
        (solution_cost(weighted, poor), poor),
        weighted.mean(axis=1),
        forced=np.zeros(11, dtype=bool),
        delta=1.0,
        deadline=time.perf_counter() + 60,
    )
    assert out.complete
    assert out.upper == _optimum(weighted, p)
    assert solution_cost(weighted, out.incumbent) == out.upper


def test_tree_keeps_sites_held_open() -> None:
    weighted = _random_costs(7, 10)
    forced = np.zeros(10, dtype=bool)
    forced[[0, 9]] = True
    start = np.array([0, 9, 1])
    out = branch_and_bound(
        weighted,
        3,
        (solution_cost(weighted, start), start),
        weighted.mean(axis=1),
        forced=forced,
        delta=1.0,
        deadline=time.perf_counter() + 60,
    )
    assert out.complete
    assert out.upper == _optimum(weighted, 3, must_open=(0, 9))
    assert {0, 9} <= set(out.incumbent.tolist())


def test_tree_past_its_deadline_reports_incomplete() -> None:
    weighted = _random_costs(3, 12)
    start = np.arange(3)
    out = branch_and_bound(
        weighted,
        3,
        (solution_cost(weighted, start), start),
        weighted.mean(axis=1),
        forced=np.zeros(12, dtype=bool),
        delta=1.0,
        deadline=time.perf_counter() - 1.0,
    )
    assert not out.complete
    assert out.upper == solution_cost(weighted, start)


def test_sorted_and_dense_ascents_give_the_same_valid_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    weighted = _random_costs(11, 12)
    p, best = 3, _optimum(weighted, 3)
    bounds = []
    for threshold in (10**9, 0):
        monkeypatch.setattr(lagrangian, "SORT_FROM_ENTRIES", threshold)
        out = lagrangian.lagrangian_bound(
            weighted, p, (best + 50, np.arange(p)), weighted.mean(axis=1), improve=None, delta=1.0
        )
        bounds.append(out.lower_bound)
    assert bounds[0] == pytest.approx(bounds[1], abs=1e-6)
    assert bounds[0] <= best


def test_small_p_orlib_instance_is_proven_by_the_tree_alone(orlib_dir: Path) -> None:
    instance = read_pmed(orlib_dir / "pmed" / "pmed6.txt")
    result = solve_pmedian(instance.cost, instance.p)
    assert result.objective == read_optima(orlib_dir / "pmed" / "pmedopt.txt")["pmed6"]
    assert result.status == "optimal"
    assert result.details["tree_nodes"] > 0
    assert result.details["mip_nodes"] == 0


def test_radius_mip_proves_the_optimum_when_the_tree_has_no_time(
    orlib_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pmedian, "BRANCH_BUDGET_S", 0.0)
    instance = read_pmed(orlib_dir / "pmed" / "pmed6.txt")
    result = solve_pmedian(instance.cost, instance.p)
    assert result.objective == read_optima(orlib_dir / "pmed" / "pmedopt.txt")["pmed6"]
    assert result.status == "optimal"
    assert result.gap == 0.0
