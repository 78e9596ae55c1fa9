"""Service-hub planning: pure NumPy/HiGHS models with proven bounds (no ORM, no web).

The names below load on first use, so importing a light module of the package (its command
line, its defaults) does not pull in NumPy, SciPy and HiGHS.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tightnut.planning.covering import solve_max_covering, solve_set_covering
    from tightnut.planning.errors import InfeasibleError, OrlibFormatError, PlanningError
    from tightnut.planning.facility import solve_facility
    from tightnut.planning.pmedian import solve_pmedian
    from tightnut.planning.result import PlanResult
    from tightnut.planning.travel import travel_hours

_HOMES = {
    "InfeasibleError": "errors",
    "OrlibFormatError": "errors",
    "PlanResult": "result",
    "PlanningError": "errors",
    "solve_facility": "facility",
    "solve_max_covering": "covering",
    "solve_pmedian": "pmedian",
    "solve_set_covering": "covering",
    "travel_hours": "travel",
}

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


def __getattr__(name: str) -> object:
    """Load a public name from the module that defines it, on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{home}"), name)
