"""Checks that turn bad planning input into a PlanningError that says what is wrong."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tightnut.planning.errors import PlanningError

FloatArray = npt.NDArray[np.float64]


def check_cost(cost: npt.ArrayLike, *, square: bool, name: str = "cost matrix") -> FloatArray:
    """Return the cost matrix as float64, refusing non-2-D, non-square, NaN or negative input."""
    matrix = np.asarray(cost, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] == 0 or matrix.shape[1] == 0:
        raise PlanningError(f"the {name} must be a non-empty 2-D array, got shape {matrix.shape}")
    if square and matrix.shape[0] != matrix.shape[1]:
        raise PlanningError(
            f"the {name} must be square (clients are the candidate sites), "
            f"got {matrix.shape[0]} × {matrix.shape[1]}"
        )
    _check_finite_non_negative(matrix, name)
    return matrix


def check_weights(weights: npt.ArrayLike | None, n: int, name: str = "demand") -> FloatArray:
    """Return per-client demand as float64 (ones when None), refusing NaN, negatives, bad length."""
    if weights is None:
        return np.ones(n)
    vector = np.asarray(weights, dtype=np.float64)
    if vector.shape != (n,):
        raise PlanningError(f"the {name} must have one value per client ({n}), got {vector.shape}")
    _check_finite_non_negative(vector, name)
    return vector


def check_count(p: int, sites: int, what: str = "p") -> int:
    """Return p if 1 ≤ p ≤ number of candidate sites, else raise."""
    if not 1 <= int(p) <= sites:
        raise PlanningError(f"{what} must be between 1 and the {sites} candidate sites, got {p}")
    return int(p)


def _check_finite_non_negative(values: FloatArray, name: str) -> None:
    """Raise naming the first NaN, infinite or negative entry."""
    bad_nan = np.argwhere(np.isnan(values))
    if bad_nan.size:
        raise PlanningError(f"the {name} has NaN at {_where(bad_nan[0])}")
    bad_inf = np.argwhere(np.isinf(values))
    if bad_inf.size:
        raise PlanningError(f"the {name} has an infinite value at {_where(bad_inf[0])}")
    negative = np.argwhere(values < 0)
    if negative.size:
        index = tuple(int(k) for k in negative[0])
        raise PlanningError(
            f"the {name} has a negative value {values[index]:g} at {_where(negative[0])}"
        )


def _where(index: npt.NDArray[np.intp]) -> str:
    """Format an array index for a message, e.g. 'row 3, column 7' or 'position 2'."""
    if index.size == 2:
        return f"row {int(index[0])}, column {int(index[1])}"
    return f"position {int(index[0])}"
