"""Capacitated and uncapacitated facility location, exact with HiGHS.

Formulation (strong CFLP, Beasley 1988's split-demand convention). Customer i has demand
d_i and costs c_ij for serving *all* its demand from site j; site j has fixed cost f_j
and capacity s_j. Binary y_j opens site j; x_ij is the share of i's demand served by j:

    minimise   Σ_j f_j y_j + Σ_i Σ_j c_ij x_ij
    subject to Σ_j x_ij = 1                      ∀ i          (every customer served)
               x_ij ≤ y_j                         ∀ i, j       (only from open sites)
               Σ_i d_i x_ij ≤ s_j y_j             ∀ j          (capacity; CFLP only)
               Σ_j s_j y_j ≥ Σ_i d_i                           (aggregate capacity cut)
               y_j ∈ {0, 1},  x_ij ∈ [0, 1]  (x_ij ∈ {0, 1} for single sourcing).

Without capacities (UFLP) the capacity rows drop out. The x_ij ≤ y_j rows make the LP
tight: the OR-Library cap instances close at the root.
"""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from tightnut.planning.defaults import DEFAULT_TIME_LIMIT_S
from tightnut.planning.errors import InfeasibleError, PlanningError
from tightnut.planning.mip import MipProblem, solve_mip
from tightnut.planning.result import OPTIMAL, TIME_LIMIT, PlanResult
from tightnut.planning.validation import check_cost, check_weights

FloatArray = npt.NDArray[np.float64]


def _check_sites(values: npt.ArrayLike | None, m: int, name: str) -> FloatArray | None:
    """Return a per-site vector (capacity or fixed cost) as float64, or None."""
    if values is None:
        return None
    vector = np.asarray(values, dtype=np.float64)
    if vector.shape != (m,):
        raise PlanningError(f"the {name} must have one value per site ({m}), got {vector.shape}")
    if not np.isfinite(vector).all() or (vector < 0).any():
        raise PlanningError(f"the {name} must be finite and non-negative")
    return vector


def check_capacity(demand: FloatArray, capacity: FloatArray, single_source: bool) -> None:
    """Raise InfeasibleError, with the shortfall, when capacities cannot hold the demand."""
    shortfall = float(demand.sum() - capacity.sum())
    if shortfall > 1e-9 * max(1.0, float(demand.sum())):
        raise InfeasibleError(
            f"infeasible capacities: total capacity {capacity.sum():g} is below total demand "
            f"{demand.sum():g}; the shortfall is {shortfall:g}"
        )
    if single_source:
        too_big = np.flatnonzero(demand > capacity.max())
        if too_big.size:
            i = int(too_big[0])
            raise InfeasibleError(
                f"infeasible capacities: client {i} has demand {demand[i]:g}, more than the "
                f"largest capacity {capacity.max():g} (shortfall {demand[i] - capacity.max():g})"
            )


def _rows(n: int, m: int, demand: FloatArray, capacity: FloatArray | None) -> sp.csc_matrix:
    """Assemble the constraint matrix; columns are y_0..y_{m−1}, then x row-major."""
    x_col = m + np.arange(n * m)
    client = np.repeat(np.arange(n), m)
    site = np.tile(np.arange(m), n)
    blocks = [
        (client, x_col, np.ones(n * m)),  # assignment rows 0..n−1
        (n + np.arange(n * m), x_col, np.ones(n * m)),  # x_ij − y_j ≤ 0
        (n + np.arange(n * m), site, -np.ones(n * m)),
    ]
    if capacity is not None:
        base = n + n * m
        blocks += [
            (base + site, x_col, demand[client]),  # Σ_i d_i x_ij − s_j y_j ≤ 0
            (base + np.arange(m), np.arange(m), -capacity),
            (np.full(m, base + m), np.arange(m), capacity),  # Σ_j s_j y_j ≥ D
        ]
    rows, cols, vals = (np.concatenate(part) for part in zip(*blocks, strict=True))
    shape = (n + n * m + (m + 1 if capacity is not None else 0), m + n * m)
    return sp.csc_matrix((vals, (rows, cols)), shape=shape)


def _problem(
    assign: FloatArray,
    demand: FloatArray,
    fixed: FloatArray,
    capacity: FloatArray | None,
    single_source: bool,
) -> MipProblem:
    """Build the CFLP (or UFLP when capacity is None) MIP."""
    n, m = assign.shape
    cap_rows = 0 if capacity is None else m + 1
    lower = np.concatenate((np.ones(n), np.full(n * m + cap_rows, -np.inf)))
    upper = np.concatenate((np.ones(n), np.zeros(n * m + cap_rows)))
    if capacity is not None:
        lower[-1], upper[-1] = float(demand.sum()), np.inf
    return MipProblem(
        cost=np.concatenate((fixed, assign.ravel())),
        matrix=_rows(n, m, demand, capacity),
        row_lower=lower,
        row_upper=upper,
        col_lower=np.zeros(m + n * m),
        col_upper=np.ones(m + n * m),
        integer=np.concatenate((np.ones(m, bool), np.full(n * m, single_source))),
    )


def solve_facility(
    assign_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    demand: npt.ArrayLike | None = None,
    capacity: npt.ArrayLike | None = None,
    *,
    single_source: bool = False,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> PlanResult:
    """Open sites minimising fixed plus assignment cost; capacitated when `capacity` is given.

    `assign_cost[i, j]` is the cost of serving all of client i's demand from site j. Demand
    splits across sites unless `single_source`. See the module docstring for the model.
    """
    started = time.perf_counter()
    assign = check_cost(assign_cost, square=False, name="assignment cost matrix")
    n, m = assign.shape
    fixed = _check_sites(fixed_cost, m, "fixed cost")
    assert fixed is not None
    need = check_weights(demand, n)
    cap = _check_sites(capacity, m, "capacity")
    if cap is not None:
        check_capacity(need, cap, single_source)
    problem = _problem(assign, need, fixed, cap, single_source)
    outcome = solve_mip(problem, time_limit_s=time_limit_s, abs_gap=1e-6)
    if outcome.x is None:
        raise InfeasibleError(f"no feasible plan found ({outcome.status})")
    shares = outcome.x[m:].reshape(n, m)
    open_sites = np.flatnonzero(outcome.x[:m] > 0.5)
    bound = min(outcome.dual_bound, outcome.objective)
    return PlanResult(
        open_hubs=tuple(int(j) for j in open_sites),
        assignment=np.asarray(np.argmax(shares, axis=1), dtype=np.intp),
        objective=outcome.objective,
        lower_bound=bound,
        status=OPTIMAL if outcome.status == OPTIMAL else TIME_LIMIT,
        seconds=time.perf_counter() - started,
        details={"split_clients": float(((shares > 1e-6).sum(axis=1) > 1).sum())},
    )
