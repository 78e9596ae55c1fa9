"""Maximal covering (MCLP) and set covering (SCLP) location, exact with HiGHS.

With travel cost t_ij, radius T and N_i = {j : t_ij ≤ T} the sites that cover client i:

MCLP (Church & ReVelle 1974) — p hubs covering the most demand w_i, written as the
equivalent minimisation of demand left uncovered:

    minimise   Σ_i w_i (1 − z_i)
    subject to z_i ≤ Σ_{j ∈ N_i} y_j   ∀ i,    Σ_j y_j = p,    y_j ∈ {0, 1},  z_i ∈ [0, 1].

SCLP (Toregas et al. 1971) — the fewest (or cheapest, with site costs f_j) hubs so that
every client with demand is covered:

    minimise   Σ_j f_j y_j   subject to   Σ_{j ∈ N_i} y_j ≥ 1  ∀ i with w_i > 0,   y_j ∈ {0, 1}.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from tightnut.planning.defaults import DEFAULT_TIME_LIMIT_S
from tightnut.planning.errors import InfeasibleError, PlanningError
from tightnut.planning.mip import MipOutcome, MipProblem, solve_mip
from tightnut.planning.result import OPTIMAL, TIME_LIMIT, PlanResult
from tightnut.planning.validation import check_cost, check_count, check_weights

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]


def _check_radius(radius: float) -> float:
    """Return the coverage radius if it is a finite non-negative number."""
    if not np.isfinite(radius) or radius < 0:
        raise PlanningError(f"the coverage radius must be finite and non-negative, got {radius}")
    return float(radius)


def _assign_covered(cost: FloatArray, sites: IntArray, covers: BoolArray) -> IntArray:
    """Nearest open site for each covered client, −1 for the others."""
    nearest = np.asarray(sites[np.argmin(cost[:, sites], axis=1)], dtype=np.intp)
    covered = covers[:, sites].any(axis=1)
    return np.where(covered, nearest, -1).astype(np.intp)


def _mclp_problem(covers: BoolArray, weights: FloatArray, p: int) -> MipProblem:
    """Build the MCLP MIP: columns y (m) then z (n)."""
    n, m = covers.shape
    ci, cj = np.nonzero(covers)
    rows = np.concatenate((ci, np.arange(n), np.full(m, n)))
    cols = np.concatenate((cj, m + np.arange(n), np.arange(m)))
    vals = np.concatenate((-np.ones(ci.size), np.ones(n), np.ones(m)))
    reachable = covers.any(axis=1)
    return MipProblem(
        cost=np.concatenate((np.zeros(m), -weights)),
        matrix=sp.csc_matrix((vals, (rows, cols)), shape=(n + 1, m + n)),
        row_lower=np.concatenate((np.full(n, -np.inf), [float(p)])),
        row_upper=np.concatenate((np.zeros(n), [float(p)])),
        col_lower=np.zeros(m + n),
        col_upper=np.concatenate((np.ones(m), reachable.astype(float))),
        integer=np.concatenate((np.ones(m, bool), np.zeros(n, bool))),
        offset=float(weights.sum()),
    )


def _result(
    outcome: MipOutcome, cost: FloatArray, covers: BoolArray, started: float, integral: bool
) -> PlanResult:
    """Turn a covering MIP outcome into a PlanResult (objective and bound as minimised)."""
    if outcome.x is None:
        raise InfeasibleError(f"no feasible covering plan found ({outcome.status})")
    m = cost.shape[1]
    sites = np.flatnonzero(outcome.x[:m] > 0.5)
    bound = min(outcome.dual_bound, outcome.objective)
    if integral:
        bound = float(np.ceil(bound - 1e-6))
    return PlanResult(
        open_hubs=tuple(int(j) for j in sites),
        assignment=_assign_covered(cost, sites, covers),
        objective=outcome.objective,
        lower_bound=bound,
        status=OPTIMAL if outcome.status == OPTIMAL else TIME_LIMIT,
        seconds=time.perf_counter() - started,
    )


def solve_max_covering(
    cost: npt.ArrayLike,
    p: int,
    radius: float,
    weights: npt.ArrayLike | None = None,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> PlanResult:
    """Open p sites covering the most demand within `radius`; objective = demand uncovered.

    `cost[i, j]` is client i's travel cost to site j (rectangular allowed). Uncovered
    clients get assignment −1. Formulation: MCLP in the module docstring.
    """
    started = time.perf_counter()
    matrix = check_cost(cost, square=False)
    p = check_count(p, matrix.shape[1])
    demand = check_weights(weights, matrix.shape[0])
    covers = matrix <= _check_radius(radius)
    outcome = solve_mip(_mclp_problem(covers, demand, p), time_limit_s=time_limit_s)
    result = _result(outcome, matrix, covers, started, _integral(demand))
    covered = float(demand[result.assignment >= 0].sum())
    details = {"covered_demand": covered, "total_demand": float(demand.sum())}
    return replace(result, details=details)


def _integral(values: FloatArray) -> bool:
    """True when all values are integers, so objectives are integers too."""
    return bool(np.all(values == np.round(values)))


def solve_set_covering(
    cost: npt.ArrayLike,
    radius: float,
    weights: npt.ArrayLike | None = None,
    site_cost: npt.ArrayLike | None = None,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> PlanResult:
    """Open the fewest (or cheapest) sites so every client with demand is within `radius`.

    Raises InfeasibleError naming the clients no site can reach. Formulation: SCLP above.
    """
    started = time.perf_counter()
    matrix = check_cost(cost, square=False)
    n, m = matrix.shape
    demand = check_weights(weights, n)
    prices = check_weights(site_cost, m, name="site cost")
    covers = matrix <= _check_radius(radius)
    needed = demand > 0
    stranded = np.flatnonzero(needed & ~covers.any(axis=1))
    if stranded.size:
        listed = ", ".join(str(int(i)) for i in stranded[:10])
        raise InfeasibleError(
            f"no site lies within {radius:g} of client(s) {listed}"
            f"{' …' if stranded.size > 10 else ''} ({stranded.size} in all), so full cover "
            "is impossible"
        )
    rows_needed = np.flatnonzero(needed)
    ci, cj = np.nonzero(covers[rows_needed])
    problem = MipProblem(
        cost=prices,
        matrix=sp.csc_matrix((np.ones(ci.size), (ci, cj)), shape=(rows_needed.size, m)),
        row_lower=np.ones(rows_needed.size),
        row_upper=np.full(rows_needed.size, np.inf),
        col_lower=np.zeros(m),
        col_upper=np.ones(m),
        integer=np.ones(m, dtype=bool),
    )
    outcome = solve_mip(problem, time_limit_s=time_limit_s)
    return _result(outcome, matrix, covers, started, _integral(prices))
