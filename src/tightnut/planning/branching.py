"""Lagrangian branch-and-bound for the p-median over a small set of candidate sites.

Formulation (Beasley 1985 tree search). The problem is the classic p-median

    minimise   Σ_i Σ_j w_ij x_ij
    subject to Σ_j x_ij = 1 ∀ i,   x_ij ≤ y_j,   Σ_j y_j = p,   x ≥ 0,   y ∈ {0, 1},

and every node of the tree fixes some y_j to 1 (the set O) and some to 0. With O open,
client i is served at cap_i = min_{j∈O} w_ij or better, so the node is a p-median over
the free sites with p − |O| to open and an always-open fallback at cap_i per client. Its
bound is the Lagrangian dual with the assignment rows relaxed (see `lagrangian`), λ_i
projected onto λ_i ≤ cap_i (clients at an open site drop out), ascended from the
parent's multipliers. A node is pruned when its bound exceeds incumbent − delta; the
reduced-cost tests at the node shut or open further sites for its whole subtree, and
its Lagrangian site set is costed as a candidate incumbent. The search is depth-first
and branches on the free site of S(λ) with the least reduced cost ρ_j, first shutting
it (the child whose bound rises), then opening it. A node with p sites open is a leaf,
costed exactly. When the tree is exhausted, no solution cheaper than incumbent − delta
exists, so the incumbent is optimal.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tightnut.planning import heuristics
from tightnut.planning.lagrangian import lagrangian_bound, reduced_costs

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

NODE_ITERATIONS = 20


@dataclass(frozen=True, eq=False)
class _Node:
    """Sites held open and shut, the parent's bound and multipliers."""

    opened: BoolArray
    shut: BoolArray
    bound: float
    multipliers: FloatArray


@dataclass(frozen=True)
class BranchOutcome:
    """The incumbent after the search, whether the tree was exhausted, and its size."""

    upper: float
    incumbent: IntArray
    complete: bool
    nodes: int


@dataclass
class _Search:
    """Mutable search state: the incumbent and the node count."""

    weighted: FloatArray
    p: int
    delta: float
    upper: float
    incumbent: IntArray
    nodes: int = 0

    def beaten(self, bound: float) -> bool:
        """True when no solution under this bound can beat the incumbent by delta."""
        return bound > self.upper - self.delta + 1e-7 * max(1.0, abs(self.upper))

    def offer(self, sites: IntArray) -> None:
        """Keep `sites` as the incumbent if it is cheaper."""
        cost = heuristics.solution_cost(self.weighted, sites)
        if cost < self.upper:
            self.upper, self.incumbent = cost, np.sort(sites)


def _leaf(search: _Search, node: _Node) -> bool:
    """Cost a node whose open set is complete (or infeasible); True when it was a leaf."""
    n_open = int(node.opened.sum())
    n_left = int((~node.shut).sum())
    if n_open > search.p or n_left < search.p:
        return True
    if n_open == search.p or n_left == search.p:
        search.offer(np.flatnonzero(node.opened if n_open == search.p else ~node.shut))
        return True
    return False


def _caps(search: _Search, node: _Node) -> FloatArray:
    """Return each client's cost to its nearest open site (inf when none is open)."""
    if not node.opened.any():
        return np.full(search.weighted.shape[0], np.inf)
    return np.asarray(search.weighted[:, node.opened].min(axis=1))


def _expand(search: _Search, node: _Node) -> list[_Node]:
    """Bound a node by Lagrangian ascent; return its children (none when pruned)."""
    cap = _caps(search, node)
    free = np.flatnonzero(~node.shut & ~node.opened)
    clients = np.flatnonzero(cap > 0)
    sub = search.weighted[np.ix_(clients, free)]
    p_left = search.p - int(node.opened.sum())
    out = lagrangian_bound(
        sub,
        p_left,
        (search.upper, np.empty(0, np.intp)),
        node.multipliers[clients],
        improve=None,
        delta=search.delta,
        max_iterations=NODE_ITERATIONS,
        stall=6,
        factor=1.0,
        ceiling=cap[clients],
    )
    bound = max(node.bound, out.lower_bound)
    if search.beaten(bound):
        return []
    shut, opened = node.shut.copy(), node.opened.copy()
    shut[free[out.fixed_closed]] = True
    opened[free[out.fixed_open]] = True
    lam = np.zeros_like(node.multipliers)
    lam[clients] = out.multipliers
    rho, chosen = reduced_costs(sub, out.multipliers, p_left)
    search.offer(np.concatenate((np.flatnonzero(node.opened), free[chosen])))
    undecided = chosen[~out.fixed_open[chosen]]
    if undecided.size == 0:
        return [_Node(opened, shut, bound, lam)]
    j = free[undecided[np.argmin(rho[undecided])]]
    closed_child, open_child = shut.copy(), opened.copy()
    closed_child[j], open_child[j] = True, True
    # Depth-first: the last child pushed is explored first.
    return [_Node(open_child, shut, bound, lam), _Node(opened, closed_child, bound, lam)]


def branch_and_bound(
    weighted: FloatArray,
    p: int,
    incumbent: tuple[float, IntArray],
    multipliers: FloatArray,
    *,
    forced: BoolArray,
    delta: float,
    deadline: float,
) -> BranchOutcome:
    """Prove or improve the incumbent by Lagrangian branch-and-bound on the sites' y_j.

    `weighted` is n × m over the candidate sites, `forced` marks sites proven open,
    `incumbent` is (cost, local site indices) and `multipliers` the root λ. The search
    stops at `deadline` (perf_counter seconds) with `complete` False.
    """
    m = weighted.shape[1]
    search = _Search(weighted, p, delta, incumbent[0], np.sort(incumbent[1]))
    stack = [_Node(forced.copy(), np.zeros(m, dtype=bool), -np.inf, multipliers.copy())]
    while stack:
        if time.perf_counter() > deadline:
            return BranchOutcome(search.upper, search.incumbent, False, search.nodes)
        node = stack.pop()
        search.nodes += 1
        if search.beaten(node.bound) or _leaf(search, node):
            continue
        stack.extend(_expand(search, node))
    return BranchOutcome(search.upper, search.incumbent, True, search.nodes)
