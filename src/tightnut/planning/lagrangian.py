"""Lagrangian bound and variable fixing for the p-median (Beasley 1985).

Relaxing "each client is served once" with multipliers λ_i gives

    L(λ) = Σ_i λ_i + Σ_{j ∈ S(λ)} ρ_j,   ρ_j = Σ_i min(0, w_ij − λ_i),

where S(λ) holds the p sites of least ρ_j. Every L(λ) is a lower bound; subgradient
ascent on λ (g_i = 1 − |{j ∈ S : w_ij < λ_i}|, Polyak steps towards the incumbent) drives
it up to the LP bound. The same ρ prove sites out or in: forcing a site j ∉ S open costs
at least ρ_j − ρ_(p), forcing j ∈ S shut at least ρ_(p+1) − ρ_j. When that bound cannot
beat the incumbent, every better solution has j shut (resp. open), so the exact model
need not carry it. Fixings found at any λ stay valid, so they accumulate over the ascent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]


SORT_FROM_ITERATIONS = 100
SORT_FROM_ENTRIES = 20_000
Improver = Callable[[IntArray], tuple[float, IntArray]]


@dataclass(frozen=True, eq=False)
class LagrangianOutcome:
    """The best bound and incumbent found, the sites proven shut or open, the best λ."""

    lower_bound: float
    upper_bound: float
    incumbent: IntArray
    fixed_closed: BoolArray
    fixed_open: BoolArray
    multipliers: FloatArray


@dataclass
class _State:
    """Mutable ascent state: incumbent, best bound, fixings and the step factor."""

    upper: float
    incumbent: IntArray
    fixed_closed: BoolArray
    fixed_open: BoolArray
    best: float = -np.inf
    best_lam: FloatArray | None = None
    factor: float = 2.0
    since_improved: int = 0
    tried: frozenset[bytes] = frozenset()


RhoOf = Callable[[FloatArray], FloatArray]


def _dense_rho(weighted: FloatArray) -> RhoOf:
    """ρ(λ) by one pass over the whole matrix (cheapest for a few iterations)."""

    def rho(lam: FloatArray) -> FloatArray:
        return np.asarray(np.minimum(weighted - lam[:, None], 0.0).sum(axis=0))

    return rho


def _sorted_rho(weighted: FloatArray) -> RhoOf:
    """ρ(λ) from each client's costs sorted once: only the entries below λ_i are read.

    Rows are laid end to end with offsets `span` apart so one searchsorted finds every
    client's count of sites cheaper than λ_i. The query is nudged up so that no entry
    below λ_i is missed; entries it wrongly takes in add min(0, w − λ) = 0.
    """
    n, m = weighted.shape
    order = np.argsort(weighted, axis=1, kind="stable")
    costs = np.take_along_axis(weighted, order, axis=1).ravel()
    top = float(costs.max()) + 1.0 if costs.size else 1.0
    span = 2.0 * top
    base = np.arange(n) * span
    keys = (costs.reshape(n, m) + base[:, None]).ravel()
    sites = order.ravel()
    nudge = 8.0 * float(np.spacing(max(n, 1) * span))
    row_start = np.arange(n) * m

    def rho(lam: FloatArray) -> FloatArray:
        query = base + np.clip(lam, -1.0, top) + nudge
        count = np.searchsorted(keys, query, side="left") - row_start
        idx = np.arange(int(count.sum())) + np.repeat(row_start - (np.cumsum(count) - count), count)
        below = np.minimum(costs[idx] - np.repeat(lam, count), 0.0)
        return np.bincount(sites[idx], weights=below, minlength=m).astype(np.float64)

    return rho


def _evaluate(
    rho_of: RhoOf, lam: FloatArray, p: int, forced: BoolArray
) -> tuple[float, FloatArray, IntArray]:
    """Return L(λ), ρ and the p chosen sites (every forced site, then the least ρ)."""
    rho = rho_of(lam)
    free = p - int(forced.sum())
    ranked = np.where(forced, -np.inf, rho) if forced.size else rho
    chosen = np.argpartition(ranked, p - 1)[:p] if p < rho.size else np.arange(rho.size)
    bound = float(lam.sum() + rho[chosen].sum())
    return (bound if free >= 0 else np.inf), rho, chosen


def reduced_costs(weighted: FloatArray, lam: FloatArray, p: int) -> tuple[FloatArray, IntArray]:
    """Return ρ at λ and S(λ), the p sites of least ρ."""
    _, rho, chosen = _evaluate(_dense_rho(weighted), lam, p, np.zeros(0, dtype=bool))
    return rho, chosen


def _fix(
    bound: float, rho: FloatArray, chosen: IntArray, forced: BoolArray, threshold: float
) -> tuple[BoolArray, BoolArray]:
    """Return the sites this λ proves shut and open for solutions of cost ≤ threshold."""
    in_s = np.zeros(rho.size, dtype=bool)
    in_s[chosen] = True
    swappable = in_s & ~forced
    worst_in = rho[swappable].max() if swappable.any() else np.inf
    best_out = rho[~in_s].min() if (~in_s).any() else np.inf
    closed = ~in_s & (bound + rho - worst_in > threshold)
    opened = swappable & (bound + best_out - rho > threshold)
    return closed, opened


def _subgradient(weighted: FloatArray, lam: FloatArray, chosen: IntArray) -> FloatArray:
    """Return g_i = 1 − (number of chosen sites cheaper than λ_i for client i)."""
    covered = (weighted[:, chosen] < lam[:, None]).sum(axis=1)
    return np.asarray(1.0 - covered, dtype=np.float64)


def _record(state: _State, bound: float, lam: FloatArray, stall: int) -> None:
    """Keep the best bound and halve the step factor after `stall` idle iterations."""
    if bound > state.best + 1e-9 * max(1.0, abs(bound)):
        state.best, state.best_lam, state.since_improved = bound, lam.copy(), 0
        return
    state.since_improved += 1
    if state.since_improved >= stall:
        state.factor, state.since_improved = state.factor / 2.0, 0


def _try_improve(state: _State, chosen: IntArray, improve: Improver) -> None:
    """Run the primal heuristic from a Lagrangian site set not tried before."""
    key = np.sort(chosen).tobytes()
    if key in state.tried:
        return
    state.tried = state.tried | {key}
    cost, sites = improve(chosen)
    if cost < state.upper:
        state.upper, state.incumbent = cost, np.sort(sites)


def lagrangian_bound(
    weighted: FloatArray,
    p: int,
    incumbent: tuple[float, IntArray],
    start: FloatArray,
    *,
    improve: Improver | None,
    delta: float,
    forced: BoolArray | None = None,
    max_iterations: int = 1000,
    stall: int = 10,
    improve_every: int = 25,
    factor: float = 2.0,
    ceiling: FloatArray | None = None,
) -> LagrangianOutcome:
    """Subgradient ascent of the p-median Lagrangian dual with fixing and a primal heuristic.

    `incumbent` is (cost, sites) of the best known solution; `start` the initial λ;
    `forced` marks sites held open (the bound is then that of the restricted problem);
    `delta` the least improvement worth finding (1 for integer costs, 0 otherwise), so
    fixings keep every solution of cost ≤ incumbent − delta. Every `improve_every`
    iterations `improve` (local search) runs from S(λ) and may lower the incumbent.
    The ascent stops when the bound exceeds incumbent − delta (the incumbent is optimal).
    `ceiling` caps each λ_i (a client that an open site outside `weighted` serves at that
    cost never gains from a larger λ_i), making the ascent a projected one.
    """
    m = weighted.shape[1]
    top = np.full(start.shape, np.inf) if ceiling is None else ceiling
    lam = np.minimum(start.astype(np.float64), top)
    tolerance = 1e-7 * max(1.0, abs(incumbent[0]))
    state = _State(incumbent[0], incumbent[1], np.zeros(m, bool), np.zeros(m, bool))
    state.factor = factor
    forced = np.zeros(m, dtype=bool) if forced is None else forced
    many = max_iterations >= SORT_FROM_ITERATIONS and weighted.size >= SORT_FROM_ENTRIES
    rho_of = _sorted_rho(weighted) if many else _dense_rho(weighted)
    for iteration in range(max_iterations):
        bound, rho, chosen = _evaluate(rho_of, lam, p, forced)
        if not np.isfinite(bound):  # more sites forced open than p: nothing is feasible
            state.best = np.inf
            break
        closed, opened = _fix(bound, rho, chosen, forced, state.upper - delta + tolerance)
        state.fixed_closed |= closed
        state.fixed_open |= opened
        _record(state, bound, lam, stall)
        if improve is not None and iteration % improve_every == improve_every - 1:
            _try_improve(state, chosen, improve)
        if state.best > state.upper - delta + tolerance or state.factor < 1e-4:
            break
        g = _subgradient(weighted, lam, chosen)
        g[(g > 0) & (lam >= top)] = 0.0
        norm = float(g @ g)
        if norm == 0.0:
            break
        lam = np.minimum(lam + state.factor * (state.upper - bound) / norm * g, top)
    best_lam = lam if state.best_lam is None else state.best_lam
    return LagrangianOutcome(
        state.best, state.upper, state.incumbent, state.fixed_closed, state.fixed_open, best_lam
    )
