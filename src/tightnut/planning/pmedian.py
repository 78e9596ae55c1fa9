"""Exact p-median: heuristic, Lagrangian fixing and branch-and-bound, radius MIP fallback.

Formulation (Cornuéjols–Nemhauser–Wolsey radius form, Elloumi 2010's tight compact
model in sparse chain form, as in García–Labbé–Marín 2011). For client i with demand
w_i, let D_i^0 < D_i^1 < … < D_i^{K_i−1} be its distinct weighted costs w_i·c_ij to the
candidate sites. Binary y_j opens site j; continuous z_i^k ≥ 0 is 1 when no open site
lies within D_i^k:

    minimise   Σ_i D_i^0 + Σ_i Σ_{k<K_i−1} (D_i^{k+1} − D_i^k) z_i^k
    subject to z_i^0 + Σ_{j: w_i c_ij = D_i^0} y_j ≥ 1                       ∀ i
               z_i^k − z_i^{k−1} + Σ_{j: w_i c_ij = D_i^k} y_j ≥ 0           ∀ i, 1 ≤ k < K_i−1
               Σ_j y_j = p,   y_j ∈ {0, 1}.

It has the LP bound of the classic ReVelle–Swain model with about n·K rows instead of
n·m. Before it, a Lagrangian ascent (see `lagrangian`) proves sites shut or open against
the incumbent, and a Lagrangian branch-and-bound on y over the sites left (see
`branching`) usually proves the incumbent optimal with no MIP at all. Only when the tree
outgrows its budget (`BRANCH_BUDGET_S`, at most half the time limit) is the radius MIP
built: shut sites leave it and an open site caps each client's levels at its cost.
Every solution worth finding (cost ≤ incumbent − 1 for integer data, < incumbent
otherwise) survives the fixing, so the MIP's optimum or the incumbent is optimal and the
bound is min(incumbent, MIP bound).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from tightnut.planning import heuristics
from tightnut.planning.branching import branch_and_bound
from tightnut.planning.defaults import DEFAULT_TIME_LIMIT_S
from tightnut.planning.lagrangian import Improver, LagrangianOutcome, lagrangian_bound
from tightnut.planning.mip import MipProblem, solve_mip
from tightnut.planning.result import OPTIMAL, TIME_LIMIT, PlanResult
from tightnut.planning.validation import check_cost, check_count, check_weights

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
BRANCH_BUDGET_S = 120.0


@dataclass(frozen=True, eq=False)
class RadiusModel:
    """The radius MIP over candidate sites `sites` (columns: y for sites, then z)."""

    problem: MipProblem
    sites: IntArray
    levels: FloatArray
    level_client: IntArray


def _levels(weighted: FloatArray, cap: FloatArray) -> tuple[IntArray, IntArray, FloatArray]:
    """Return, per kept (client, site) pair, its level index and each client's level values.

    Returns (level_of_pair[n, m] with −1 where the site lies beyond the client's cap,
    level counts per client, and the concatenated distinct level values).
    """
    order = np.argsort(weighted, axis=1, kind="stable")
    values = np.take_along_axis(weighted, order, axis=1)
    new = np.ones_like(values, dtype=bool)
    new[:, 1:] = values[:, 1:] > values[:, :-1]
    level_sorted = np.cumsum(new, axis=1) - 1
    level_sorted[values > cap[:, None]] = -1
    level = np.empty_like(level_sorted)
    np.put_along_axis(level, order, level_sorted, axis=1)
    counts = level_sorted.max(axis=1) + 1
    distinct = new & (level_sorted >= 0)
    return level, counts, values[distinct]


def build_radius_model(
    weighted: FloatArray,
    p: int,
    sites: IntArray,
    fixed_open: IntArray,
) -> RadiusModel:
    """Build the radius MIP over candidate `sites`, with `fixed_open` ⊆ sites forced open."""
    sub = weighted[:, sites]
    n, m = sub.shape
    is_fixed = np.isin(sites, fixed_open)
    cap = sub[:, is_fixed].min(axis=1) if is_fixed.any() else np.full(n, np.inf)
    level, counts, values = _levels(sub, cap)
    starts = np.concatenate(([0], np.cumsum(counts)))[:-1]
    n_z = int((counts - 1).sum())
    z_start = np.concatenate(([0], np.cumsum(counts - 1)))[:-1]
    # y entries: site j sits in row (i, level) when level < K_i − 1.
    ci, cj = np.nonzero((level >= 0) & (level < (counts - 1)[:, None]))
    y_rows = z_start[ci] + level[ci, cj]
    # z entries: +1 in its own row, −1 in the next row of the same client.
    z_client = np.repeat(np.arange(n), counts - 1)
    z_index = np.arange(n_z)
    z_level = z_index - z_start[z_client]
    has_next = z_level < (counts - 2)[z_client]
    rows = np.concatenate((y_rows, z_index, z_index[has_next] + 1, np.full(m, n_z)))
    cols = np.concatenate((cj, m + z_index, m + z_index[has_next], np.arange(m)))
    vals = np.concatenate(
        (np.ones(cj.size), np.ones(n_z), -np.ones(int(has_next.sum())), np.ones(m))
    )
    matrix = sp.csc_matrix((vals, (rows, cols)), shape=(n_z + 1, m + n_z))
    level_value = values[starts[z_client] + z_level]
    next_value = values[starts[z_client] + z_level + 1]
    first_row = z_level == 0
    row_lower = np.concatenate((np.where(first_row, 1.0, 0.0), [float(p)]))
    row_upper = np.concatenate((np.full(n_z, np.inf), [float(p)]))
    problem = MipProblem(
        cost=np.concatenate((np.zeros(m), next_value - level_value)),
        matrix=matrix,
        row_lower=row_lower,
        row_upper=row_upper,
        col_lower=np.concatenate((is_fixed.astype(float), np.zeros(n_z))),
        col_upper=np.concatenate((np.ones(m), np.full(n_z, np.inf))),
        integer=np.concatenate((np.ones(m, dtype=bool), np.zeros(n_z, dtype=bool))),
        offset=float(values[starts].sum()),
    )
    return RadiusModel(problem, np.asarray(sites, dtype=np.intp), level_value, z_client)


def radius_start(model: RadiusModel, weighted: FloatArray, open_sites: IntArray) -> FloatArray:
    """Return the model's column vector for the solution that opens `open_sites`."""
    y = np.isin(model.sites, open_sites).astype(float)
    nearest = weighted[:, open_sites].min(axis=1)
    z = (nearest[model.level_client] > model.levels).astype(float)
    return np.concatenate((y, z))


def _is_integral(weighted: FloatArray) -> bool:
    """True when every weighted cost is an integer small enough to add exactly."""
    return bool(np.all(weighted == np.round(weighted)) and weighted.sum() < 2.0**52)


def _initial_multipliers(weighted: FloatArray, sites: IntArray) -> FloatArray:
    """λ_i = client i's second-nearest open cost (nearest when p = 1)."""
    sub = np.sort(weighted[:, sites], axis=1)
    return np.asarray(sub[:, min(1, sub.shape[1] - 1)], dtype=np.float64)


def _improver(weighted: FloatArray) -> Improver:
    """Return the local search used as the Lagrangian primal heuristic."""

    def improve(sites: IntArray) -> tuple[float, IntArray]:
        better = heuristics.local_search(weighted, sites)
        return heuristics.solution_cost(weighted, better), better

    return improve


@dataclass
class _Reduction:
    """Candidate sites left after fixing, sites proven open, incumbent and bound so far."""

    sites: IntArray
    fixed_open: IntArray
    upper: float
    incumbent: IntArray
    lower: float
    multipliers: FloatArray


def _ascent(
    weighted: FloatArray, p: int, red: _Reduction, delta: float, *, improve: bool, iters: int
) -> LagrangianOutcome:
    """Run the Lagrangian ascent on the remaining sites, holding the fixed-open ones open."""
    sub = weighted[:, red.sites]
    return lagrangian_bound(
        sub,
        p,
        (red.upper, np.flatnonzero(np.isin(red.sites, red.incumbent))),
        red.multipliers,
        improve=_improver(sub) if improve else None,
        delta=delta,
        forced=np.isin(red.sites, red.fixed_open),
        max_iterations=iters,
        factor=2.0,
    )


def _apply(red: _Reduction, out: LagrangianOutcome) -> bool:
    """Fold an ascent's incumbent, bound and fixings into the reduction; True if sites left."""
    if out.upper_bound < red.upper:
        red.upper, red.incumbent = out.upper_bound, red.sites[out.incumbent]
    red.lower = max(red.lower, out.lower_bound)
    red.multipliers = out.multipliers
    red.fixed_open = np.union1d(red.fixed_open, red.sites[out.fixed_open])
    before = red.sites.size
    red.sites = red.sites[~out.fixed_closed]
    return red.sites.size < before


def _tighten(weighted: FloatArray, p: int, red: _Reduction, delta: float) -> None:
    """Repeat ascents on the remaining sites until they fix nothing more."""
    for _ in range(10):
        if _solved(red, p, delta):
            return
        if not _apply(red, _ascent(weighted, p, red, delta, improve=False, iters=200)):
            return


def _reduce(weighted: FloatArray, p: int, first: IntArray, delta: float) -> _Reduction:
    """Fix sites by repeated Lagrangian ascents until nothing more moves."""
    red = _Reduction(
        np.arange(weighted.shape[1]),
        np.empty(0, np.intp),
        heuristics.solution_cost(weighted, first),
        np.sort(first),
        -np.inf,
        _initial_multipliers(weighted, first),
    )
    _apply(red, _ascent(weighted, p, red, delta, improve=True, iters=1000))
    _tighten(weighted, p, red, delta)
    return red


def _solved(red: _Reduction, p: int, delta: float) -> bool:
    """True when the reduction alone proves the incumbent optimal."""
    if red.fixed_open.size > p or red.sites.size < p:
        return True
    slack = red.upper - delta + 1e-7 * max(1.0, red.upper)
    return red.lower >= red.upper or red.lower > slack


def _branch(weighted: FloatArray, p: int, red: _Reduction, delta: float, budget_s: float) -> int:
    """Run the Lagrangian branch-and-bound on the remaining sites; return its node count.

    On an exhausted tree the bound is raised to the incumbent; otherwise only the
    incumbent may have improved and the MIP takes over.
    """
    if _solved(red, p, delta):
        return 0
    out = branch_and_bound(
        weighted[:, red.sites],
        p,
        (red.upper, np.flatnonzero(np.isin(red.sites, red.incumbent))),
        red.multipliers,
        forced=np.isin(red.sites, red.fixed_open),
        delta=delta,
        deadline=time.perf_counter() + budget_s,
    )
    if out.upper < red.upper:
        red.upper, red.incumbent = out.upper, red.sites[out.incumbent]
    if out.complete:
        red.lower = max(red.lower, red.upper)
    return out.nodes


def _solve_reduced(
    weighted: FloatArray, p: int, red: _Reduction, time_limit_s: float, delta: float
) -> tuple[float, IntArray, float, str, int]:
    """Solve the MIP left after fixing; return (cost, sites, bound, status, nodes)."""
    upper, incumbent = red.upper, red.incumbent
    if _solved(red, p, delta):
        return upper, incumbent, upper, OPTIMAL, 0
    model = build_radius_model(weighted, p, red.sites, red.fixed_open)
    usable = np.isin(incumbent, red.sites).all() and np.isin(red.fixed_open, incumbent).all()
    start = radius_start(model, weighted, incumbent) if usable else None
    outcome = solve_mip(
        model.problem, time_limit_s=time_limit_s, start=start, abs_gap=max(delta - 1e-6, 1e-6)
    )
    bound = min(upper, outcome.dual_bound)
    if outcome.x is not None:
        found = model.sites[outcome.x[: model.sites.size] > 0.5]
        cost = heuristics.solution_cost(weighted, found)
        if found.size == p and cost < upper:
            upper, incumbent = cost, np.sort(found)
    status = OPTIMAL if outcome.status in (OPTIMAL, "infeasible") else TIME_LIMIT
    return upper, incumbent, bound, status, outcome.nodes


def _rounded(bound: float, upper: float, integral: bool) -> float:
    """Round a bound up for integer data (any solution's cost is an integer) and cap it."""
    if integral:
        bound = float(np.ceil(bound - 1e-6 * max(1.0, abs(bound))))
    return min(bound, upper)


def solve_pmedian(
    cost: npt.ArrayLike,
    p: int,
    weights: npt.ArrayLike | None = None,
    *,
    clients_are_sites: bool = True,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> PlanResult:
    """Open p of the candidate sites minimising Σ_i w_i · min_{j open} cost[i, j], exactly.

    `cost[i, j]` is the cost from client i to candidate site j; by default the clients are
    the sites, so the matrix must be square. See the module docstring for the formulation.
    """
    started = time.perf_counter()
    matrix = check_cost(cost, square=clients_are_sites)
    p = check_count(p, matrix.shape[1])
    weighted = check_weights(weights, matrix.shape[0])[:, None] * matrix
    integral = _is_integral(weighted)
    delta = 1.0 if integral else 0.0
    first = heuristics.local_search(weighted, heuristics.greedy(weighted, p))
    red = _reduce(weighted, p, first, delta)
    budget = min(BRANCH_BUDGET_S, time_limit_s / 2)
    tree_nodes = _branch(weighted, p, red, delta, budget)
    remaining = max(1.0, time_limit_s - (time.perf_counter() - started))
    upper, sites, mip_bound, status, nodes = _solve_reduced(weighted, p, red, remaining, delta)
    bound = max(_rounded(red.lower, upper, integral), _rounded(mip_bound, upper, integral))
    status = OPTIMAL if bound >= upper else status
    return PlanResult(
        open_hubs=tuple(int(j) for j in sites),
        assignment=heuristics.nearest_open(weighted, sites),
        objective=upper,
        lower_bound=bound,
        status=status,
        seconds=time.perf_counter() - started,
        details={
            "lagrangian_bound": red.lower,
            "mip_sites": float(red.sites.size),
            "mip_nodes": float(nodes),
            "tree_nodes": float(tree_nodes),
        },
    )
