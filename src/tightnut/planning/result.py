"""The answer every planning model returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]

OPTIMAL = "optimal"
TIME_LIMIT = "time_limit"
FEASIBLE = "feasible"


def relative_gap(objective: float, lower_bound: float) -> float:
    """Return (objective − lower_bound) / |objective|, 0 when both are 0."""
    if objective == lower_bound:
        return 0.0
    return max(0.0, (objective - lower_bound) / max(abs(objective), 1e-12))


@dataclass(frozen=True, eq=False)
class PlanResult:
    """Open hubs, each client's hub, the objective with its proven bound, and how it ended.

    `assignment[i]` is the index of the site serving client i (for split demand, the site
    carrying its largest share; -1 when a covering model leaves the client uncovered).
    `status` is "optimal" only when `lower_bound` proves `objective`; otherwise
    "time_limit" or "feasible" with the remaining `gap`.
    """

    open_hubs: tuple[int, ...]
    assignment: IntArray
    objective: float
    lower_bound: float
    status: str
    seconds: float
    details: dict[str, float] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """Relative optimality gap (objective − lower_bound) / objective, for a minimisation."""
        return relative_gap(self.objective, self.lower_bound)

    @property
    def is_optimal(self) -> bool:
        """True when the objective is proven optimal."""
        return self.status == OPTIMAL
