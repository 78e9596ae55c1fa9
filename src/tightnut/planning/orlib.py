"""Readers for Beasley's OR-Library p-median (pmed) and warehouse-location (cap) files."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from tightnut.planning.errors import OrlibFormatError, PlanningError

FloatArray = npt.NDArray[np.float64]
SHARED_DATA = Path("..") / "shared" / "data" / "orlib"


@dataclass(frozen=True, eq=False)
class PmedInstance:
    """A p-median instance: the all-pairs shortest-path cost matrix and p."""

    name: str
    p: int
    cost: FloatArray

    @property
    def n(self) -> int:
        """Number of vertices (clients and candidate sites alike)."""
        return int(self.cost.shape[0])


@dataclass(frozen=True, eq=False)
class CapInstance:
    """A warehouse-location instance: capacities, fixed costs, demand, allocation costs.

    `assign_cost[i, j]` is the cost of serving *all* of customer i's demand from j.
    """

    name: str
    capacity: FloatArray
    fixed_cost: FloatArray
    demand: FloatArray
    assign_cost: FloatArray


def default_data_dir() -> Path:
    """Return `../shared/data/orlib` beside the repository (cwd first, then this checkout)."""
    repo_root = Path(__file__).resolve().parents[3]
    for base in (Path.cwd(), repo_root):
        candidate = (base / SHARED_DATA).resolve()
        if candidate.is_dir():
            return candidate
    return (repo_root / SHARED_DATA).resolve()


def instance_name(path: Path) -> str:
    """Return the instance name of an OR-Library file (`pmed1.txt` → `pmed1`)."""
    return path.name.removesuffix(".txt")


def _read_text(path: Path) -> str:
    """Read a data file or raise a PlanningError naming it."""
    try:
        return path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanningError(f"cannot read OR-Library file {path}: {exc}") from exc


def _tokens(text: str) -> Iterator[tuple[str, int]]:
    """Yield every whitespace-separated token with its 1-based line number."""
    for number, line in enumerate(text.splitlines(), start=1):
        for token in line.split():
            yield token, number


class _TokenReader:
    """Consume numbers from a token stream, naming the line of anything malformed."""

    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self._tokens = _tokens(text)
        self.line = 0

    def _next(self, what: str) -> str:
        try:
            token, self.line = next(self._tokens)
        except StopIteration:
            raise OrlibFormatError(self.source, self.line + 1, f"file ends before {what}") from None
        return token

    def number(self, what: str, *, allow_negative: bool = False) -> float:
        token = self._next(what)
        try:
            value = float(token)
        except ValueError:
            raise self.error(f"{what} must be a number, found {token!r}") from None
        if not np.isfinite(value) or (value < 0 and not allow_negative):
            raise self.error(f"{what} must be a finite non-negative number, found {token!r}")
        return value

    def integer(self, what: str, low: int, high: int | None = None) -> int:
        token = self._next(what)
        if not re.fullmatch(r"[+-]?\d+", token):
            raise self.error(f"{what} must be an integer, found {token!r}")
        value = int(token)
        if value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise self.error(f"{what} must be {bound}, found {value}")
        return value

    def token(self, what: str) -> str:
        return self._next(what)

    def error(self, reason: str) -> OrlibFormatError:
        return OrlibFormatError(self.source, self.line, reason)


def _pmed_header(reader: _TokenReader) -> tuple[int, int, int]:
    """Read `n m p` and check they describe a p-median instance."""
    n = reader.integer("the vertex count n", 1)
    m = reader.integer("the edge count m", 0)
    p = reader.integer("the median count p", 1, n)
    return n, m, p


def _pmed_edges(reader: _TokenReader, n: int, m: int) -> dict[tuple[int, int], float]:
    """Read m edges; a repeated vertex pair takes its last cost (OR-Library's rule)."""
    edges: dict[tuple[int, int], float] = {}
    for k in range(m):
        i = reader.integer(f"edge {k + 1}'s first vertex", 1, n)
        j = reader.integer(f"edge {k + 1}'s second vertex", 1, n)
        cost = reader.number(f"edge {k + 1}'s cost")
        edges[(min(i, j) - 1, max(i, j) - 1)] = cost
    return edges


def _shortest_paths(n: int, edges: dict[tuple[int, int], float], source: str) -> FloatArray:
    """Return the all-pairs shortest-path matrix of the undirected graph."""
    rows = np.fromiter((i for i, _ in edges), dtype=np.int64, count=len(edges))
    cols = np.fromiter((j for _, j in edges), dtype=np.int64, count=len(edges))
    costs = np.fromiter(edges.values(), dtype=np.float64, count=len(edges))
    # Zero-cost edges would vanish from a sparse graph; a tiny epsilon keeps them as edges.
    costs = np.where(costs == 0.0, 1e-12, costs)
    graph = sp.csr_matrix((costs, (rows, cols)), shape=(n, n))
    dist = np.asarray(shortest_path(graph, method="D", directed=False), dtype=np.float64)
    if not np.isfinite(dist).all():
        raise PlanningError(f"{source}: the graph is not connected, so some costs are undefined")
    return np.round(dist, 9)


def parse_pmed(text: str, source: str = "<pmed>", p: int | None = None) -> PmedInstance:
    """Parse a pmed file's text into a cost matrix (all-pairs shortest paths, last edge wins)."""
    reader = _TokenReader(source, text)
    n, m, p_file = _pmed_header(reader)
    edges = _pmed_edges(reader, n, m)
    p_used = p_file if p is None else p
    if not 1 <= p_used <= n:
        raise PlanningError(f"{source}: p must be between 1 and n={n}, got {p_used}")
    return PmedInstance(name=source, p=p_used, cost=_shortest_paths(n, edges, source))


def read_pmed(path: Path, p: int | None = None) -> PmedInstance:
    """Read an OR-Library pmed file (the header's p unless `p` overrides it)."""
    instance = parse_pmed(_read_text(path), str(path), p)
    return PmedInstance(name=instance_name(path), p=instance.p, cost=instance.cost)


def _cap_capacity(reader: _TokenReader, capacity: float | None) -> float:
    """Read one capacity field; the literal word `capacity` takes the scenario value."""
    token = reader.token("a warehouse capacity")
    if token.lower() == "capacity":
        if capacity is None:
            raise reader.error("capacity is the word 'capacity'; give a capacity value")
        return capacity
    try:
        value = float(token)
    except ValueError:
        raise reader.error(f"a warehouse capacity must be a number, found {token!r}") from None
    if not value >= 0:
        raise reader.error(f"a warehouse capacity must be non-negative, found {token!r}")
    return value if capacity is None else capacity


def parse_cap(text: str, source: str = "<cap>", capacity: float | None = None) -> CapInstance:
    """Parse a cap file's text (`capacity` overrides every warehouse's capacity when given)."""
    reader = _TokenReader(source, text)
    m = reader.integer("the warehouse count m", 1)
    n = reader.integer("the customer count n", 1)
    caps = np.empty(m)
    fixed = np.empty(m)
    for j in range(m):
        caps[j] = _cap_capacity(reader, capacity)
        fixed[j] = reader.number(f"warehouse {j + 1}'s fixed cost")
    demand = np.empty(n)
    assign = np.empty((n, m))
    for i in range(n):
        demand[i] = reader.number(f"customer {i + 1}'s demand")
        for j in range(m):
            assign[i, j] = reader.number(f"customer {i + 1}'s cost at warehouse {j + 1}")
    return CapInstance(source, caps, fixed, demand, assign)


def read_cap(path: Path, capacity: float | None = None) -> CapInstance:
    """Read an OR-Library cap file."""
    instance = parse_cap(_read_text(path), str(path), capacity)
    return CapInstance(
        instance_name(path),
        instance.capacity,
        instance.fixed_cost,
        instance.demand,
        instance.assign_cost,
    )


def read_optima(path: Path) -> dict[str, float]:
    """Read an optima list (`pmedopt.txt`, `capopt.txt`, `uncapopt.txt`) as name → value."""
    optima: dict[str, float] = {}
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        parts = line.split()
        if len(parts) != 2:
            continue
        try:
            optima[parts[0].removesuffix(".txt")] = float(parts[1])
        except ValueError:
            if number > 1:
                raise OrlibFormatError(str(path), number, f"bad optimum {parts[1]!r}") from None
    return optima


def is_pmed_text(text: str) -> bool:
    """Tell a pmed file (header `n m p`) from a cap file (header `m n`)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return len(first.split()) == 3
