"""Fast p-median heuristics on a weighted cost matrix: greedy, fast swap and VNS shaking.

All work on `weighted[i, j]` = demand of client i × cost from i to site j. The swap move
uses the Whitaker / Resende–Werneck decomposition: the profit of inserting site j and
removing open site r is

    profit(j, r) = gain(j) − loss(r) + extra(j, r)

where gain(j) = Σ_i max(0, d1_i − w_ij) is what inserting j alone saves, loss(r) =
Σ_{i: c1_i = r} (d2_i − d1_i) is what removing r alone costs, and extra(j, r) =
Σ_{i: c1_i = r} max(0, d2_i − max(w_ij, d1_i)) corrects for clients of r that j catches.
With d1/d2 the nearest and second-nearest open costs, one best-improvement sweep is a few
vectorised n × m passes and one sparse one-hot product, O(n·m) per swap.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def solution_cost(weighted: FloatArray, open_sites: IntArray) -> float:
    """Return Σ_i min_{j open} weighted[i, j]."""
    return float(weighted[:, open_sites].min(axis=1).sum())


def nearest_open(weighted: FloatArray, open_sites: IntArray) -> IntArray:
    """Return, for each client, the open site with the least weighted cost."""
    return np.asarray(open_sites[np.argmin(weighted[:, open_sites], axis=1)], dtype=np.intp)


def greedy(weighted: FloatArray, p: int, allowed: IntArray | None = None) -> IntArray:
    """Greedy-add: open p sites one at a time, each the one that most lowers the total."""
    n, m = weighted.shape
    blocked = np.ones(m, dtype=bool)
    blocked[np.arange(m) if allowed is None else allowed] = False
    best = np.full(n, np.inf)
    chosen: list[int] = []
    for _ in range(p):
        totals = np.minimum(weighted, best[:, None]).sum(axis=0)
        totals[blocked] = np.inf
        j = int(np.argmin(totals))
        chosen.append(j)
        blocked[j] = True
        best = np.minimum(best, weighted[:, j])
    return np.array(chosen, dtype=np.intp)


def _nearest_two(
    weighted: FloatArray, open_sites: IntArray, big: float
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Return each client's nearest open position (into open_sites), d1 and d2."""
    sub = weighted[:, open_sites]
    first = np.argmin(sub, axis=1)
    rows = np.arange(sub.shape[0])
    d1 = sub[rows, first]
    if sub.shape[1] == 1:
        return first, d1, np.full_like(d1, big)
    sub = sub.copy()
    sub[rows, first] = np.inf
    return first, d1, sub.min(axis=1)


def _best_swap(
    weighted: FloatArray, open_sites: IntArray, closed: npt.NDArray[np.bool_], big: float
) -> tuple[float, int, int]:
    """Return (profit, inserted site, removed position) of the best single swap."""
    n = weighted.shape[0]
    first, d1, d2 = _nearest_two(weighted, open_sites, big)
    gain = np.maximum(d1[:, None] - weighted, 0.0).sum(axis=0)
    loss = np.bincount(first, weights=d2 - d1, minlength=open_sites.size)
    catch = np.maximum(d2[:, None] - np.maximum(weighted, d1[:, None]), 0.0)
    owner = sp.csr_matrix((np.ones(n), (first, np.arange(n))), shape=(open_sites.size, n))
    extra = np.asarray(owner @ catch).T
    profit = gain[:, None] - loss[None, :] + extra
    profit[closed, :] = -np.inf
    j, r = np.unravel_index(int(np.argmax(profit)), profit.shape)
    return float(profit[j, r]), int(j), int(r)


def local_search(
    weighted: FloatArray, open_sites: IntArray, allowed: IntArray | None = None
) -> IntArray:
    """Best-improvement swap (fast interchange) until no swap lowers the total."""
    sites = np.array(open_sites, dtype=np.intp)
    m = weighted.shape[1]
    unusable = np.ones(m, dtype=bool)
    unusable[np.arange(m) if allowed is None else allowed] = False
    big = float(weighted.max()) + 1.0
    tolerance = 1e-9 * max(1.0, float(weighted.max()))
    if sites.size >= m - int(unusable.sum()):
        return sites
    while True:
        blocked = unusable.copy()
        blocked[sites] = True
        profit, j, r = _best_swap(weighted, sites, blocked, big)
        if profit <= tolerance:
            return sites
        sites[r] = j


def _shake(sites: IntArray, k: int, candidates: IntArray, rng: np.random.Generator) -> IntArray:
    """Replace k random open sites by k random closed candidates."""
    closed = np.setdiff1d(candidates, sites)
    k = min(k, sites.size, closed.size)
    shaken = sites.copy()
    shaken[rng.choice(sites.size, size=k, replace=False)] = rng.choice(closed, k, replace=False)
    return shaken


def vns(
    weighted: FloatArray,
    p: int,
    *,
    shakes: int = 20,
    seed: int = 0,
    allowed: IntArray | None = None,
) -> IntArray:
    """Greedy, fast swap, then variable neighbourhood search (shake k = 1, 2, …, restart at 1)."""
    candidates = np.arange(weighted.shape[1]) if allowed is None else np.asarray(allowed)
    best = local_search(weighted, greedy(weighted, p, candidates), candidates)
    best_cost = solution_cost(weighted, best)
    rng = np.random.default_rng(seed)
    k, k_max = 1, max(1, min(p, 5))
    for _ in range(shakes):
        trial = local_search(weighted, _shake(best, k, candidates, rng), candidates)
        trial_cost = solution_cost(weighted, trial)
        if trial_cost < best_cost - 1e-9 * max(1.0, abs(best_cost)):
            best, best_cost, k = trial, trial_cost, 1
        else:
            k = k % k_max + 1
    return np.sort(best)
