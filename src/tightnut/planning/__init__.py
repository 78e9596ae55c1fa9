"""Service-hub planning: pure NumPy/HiGHS models with proven bounds (no ORM, no web)."""

from tightnut.planning.covering import solve_max_covering, solve_set_covering
from tightnut.planning.errors import InfeasibleError, OrlibFormatError, PlanningError
from tightnut.planning.facility import solve_facility
from tightnut.planning.pmedian import solve_pmedian
from tightnut.planning.result import PlanResult
from tightnut.planning.travel import travel_hours

__all__ = [
    "InfeasibleError",
    "OrlibFormatError",
    "PlanResult",
    "PlanningError",
    "solve_facility",
    "solve_max_covering",
    "solve_pmedian",
    "solve_set_covering",
    "travel_hours",
]
