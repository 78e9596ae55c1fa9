"""A hub plan for real points: most demand within the time limit, then least travel.

Two exact stages over the travel-time matrix t (clients × candidate sites):

1. MCLP: with p hubs, find U*, the least demand that must lie beyond `max_hours`.
2. The p-median radius model (see `pmedian`) on w_i·t_ij, plus the row
   Σ_i w_i · [no open hub within max_hours of i] ≤ U*, which in the radius form is
   Σ_i w_i z_i^{k_i} ≤ U* with D_i^{k_i} the largest level within max_hours.

So the hubs cover as much demand as any p hubs can, and among such plans minimise total
demand-weighted travel time. Each hub then needs ceil(served machines ÷ machines per
technician) certified technicians.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from tightnut.planning.covering import solve_max_covering
from tightnut.planning.defaults import (
    DEFAULT_CIRCUITY,
    DEFAULT_MACHINES_PER_TECHNICIAN,
    DEFAULT_SPEED_KMH,
    DEFAULT_TIME_LIMIT_S,
)
from tightnut.planning.errors import PlanningError
from tightnut.planning.mip import MipProblem, solve_mip
from tightnut.planning.pmedian import RadiusModel, build_radius_model, radius_start
from tightnut.planning.regions import Points
from tightnut.planning.result import OPTIMAL, TIME_LIMIT, PlanResult
from tightnut.planning.travel import travel_hours
from tightnut.planning.validation import check_count

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

# Each stage reports here as it ends, so a caller can show progress (the CLI prints it).
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HubRow:
    """One hub's line in the plan: what it serves and the technicians it needs."""

    name: str
    clients: int
    machines: float
    machines_within_limit: float
    mean_hours: float
    max_hours: float
    technicians: int


@dataclass(frozen=True, eq=False)
class HubPlan:
    """The solved plan: the optimisation result, the travel hours and the per-hub rows."""

    result: PlanResult
    hours: FloatArray
    rows: tuple[HubRow, ...]
    covered_share: float
    max_hours: float


def _coverage_row(model: RadiusModel, weights: FloatArray, limit: FloatArray) -> sp.csr_matrix:
    """Row picking, per client, the z of its largest level within the limit, times w_i."""
    n_y = model.sites.size
    row = np.zeros(model.problem.cost.size)
    clients = model.level_client
    reach = limit[clients] + 1e-9
    next_level = model.levels + model.problem.cost[n_y:]
    # z_i^k with D_i^k ≤ limit < D_i^{k+1} is 1 exactly when client i is beyond the limit.
    picked = np.flatnonzero((model.levels <= reach) & (next_level > reach))
    row[n_y + picked] = weights[clients[picked]]
    return sp.csr_matrix(row)


def _with_row(problem: MipProblem, row: sp.csr_matrix, upper: float) -> MipProblem:
    """Return the problem with one more ≤ row."""
    return replace(
        problem,
        matrix=sp.vstack((problem.matrix, row)).tocsc(),
        row_lower=np.append(problem.row_lower, -np.inf),
        row_upper=np.append(problem.row_upper, upper),
    )


def _shown(value: float) -> str:
    """A figure for the progress log; a solver's -0.0 reads as 0.0."""
    return f"{round(value, 1) + 0.0:,.1f}"


def _stranded(hours: FloatArray, weights: FloatArray, limit: float) -> float:
    """Demand no site at all can reach within the limit (always uncovered)."""
    return float(weights[~(hours <= limit).any(axis=1)].sum())


def solve_hub_plan(
    hours: FloatArray, weights: FloatArray, p: int, max_hours: float, *, time_limit_s: float
) -> PlanResult:
    """Most demand within max_hours with p hubs, then least demand-weighted hours (exact)."""
    started = time.perf_counter()
    check_count(p, hours.shape[1], "the hub count p")
    _log.info("stage 1 of 2: demand beyond %g h with the best %d hubs", max_hours, p)
    cover = solve_max_covering(hours, p, max_hours, weights, time_limit_s=time_limit_s)
    _log.info(
        "stage 1 done: %s machines beyond the limit, bound %s (%s)",
        _shown(cover.objective),
        _shown(cover.lower_bound),
        cover.status,
    )
    weighted = weights[:, None] * hours
    model = build_radius_model(weighted, p, np.arange(hours.shape[1]), np.empty(0, np.intp))
    # Always-uncovered clients keep their z at the limit at 1; count them on the right side.
    slack = cover.objective - _stranded(hours, weights, max_hours) + 1e-6 * weights.sum()
    row = _coverage_row(model, weights, weights * max_hours)
    problem = _with_row(model.problem, row, max(slack, 0.0))
    start = radius_start(model, weighted, np.array(cover.open_hubs, dtype=np.intp))
    _log.info("stage 2 of 2: least machine-hours keeping that coverage")
    outcome = solve_mip(problem, time_limit_s=time_limit_s, start=start)
    _log.info(
        "stage 2 done: incumbent %s, bound %s (%s)",
        _shown(outcome.objective),
        _shown(outcome.dual_bound),
        outcome.status,
    )
    if outcome.x is None:
        raise PlanningError(f"the hub plan could not be solved ({outcome.status})")
    sites = model.sites[outcome.x[: model.sites.size] > 0.5]
    assignment = np.asarray(sites[np.argmin(hours[:, sites], axis=1)], dtype=np.intp)
    return PlanResult(
        open_hubs=tuple(int(j) for j in sites),
        assignment=assignment,
        objective=outcome.objective,
        lower_bound=min(outcome.dual_bound, outcome.objective),
        status=OPTIMAL if outcome.status == OPTIMAL and cover.is_optimal else TIME_LIMIT,
        seconds=time.perf_counter() - started,
        details={"uncovered_demand": cover.objective, "coverage_gap": cover.gap},
    )


def _hub_rows(
    sites: Points,
    hours: FloatArray,
    machines: FloatArray,
    result: PlanResult,
    limit: float,
    per_technician: float,
) -> tuple[HubRow, ...]:
    """Summarise each open hub: clients, machines served, hours, technicians needed."""
    served = hours[np.arange(hours.shape[0]), result.assignment]
    rows = []
    for hub in result.open_hubs:
        mine = result.assignment == hub
        load = float(machines[mine].sum())
        rows.append(
            HubRow(
                name=sites.names[hub],
                clients=int(mine.sum()),
                machines=load,
                machines_within_limit=float(machines[mine & (served <= limit)].sum()),
                mean_hours=float(np.average(served[mine], weights=machines[mine]))
                if load > 0
                else 0.0,
                max_hours=float(served[mine].max()) if mine.any() else 0.0,
                technicians=math.ceil(load / per_technician - 1e-9),
            )
        )
    return tuple(rows)


def plan_hubs(
    sites: Points,
    clients: Points,
    p: int,
    max_hours: float,
    *,
    machines_per_technician: float = DEFAULT_MACHINES_PER_TECHNICIAN,
    circuity: float = DEFAULT_CIRCUITY,
    speed_kmh: float = DEFAULT_SPEED_KMH,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> HubPlan:
    """Plan p hubs among `sites` for the machines at `clients` (demand = machine count)."""
    if not machines_per_technician > 0:
        raise PlanningError("machines per technician must be positive")
    if not (np.isfinite(max_hours) and max_hours > 0):
        raise PlanningError(f"max hours must be positive, got {max_hours}")
    _log.info("travel times: %d points × %d candidate sites", clients.lat.size, sites.lat.size)
    hours = travel_hours(
        clients.lat, clients.lon, sites.lat, sites.lon, circuity=circuity, speed_kmh=speed_kmh
    )
    result = solve_hub_plan(hours, clients.demand, p, max_hours, time_limit_s=time_limit_s)
    rows = _hub_rows(sites, hours, clients.demand, result, max_hours, machines_per_technician)
    total = float(clients.demand.sum())
    within = sum(row.machines_within_limit for row in rows)
    return HubPlan(result, hours, rows, within / total if total > 0 else 1.0, max_hours)
