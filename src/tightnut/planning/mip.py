"""A thin, typed wrapper that passes a sparse MIP to HiGHS and reads back the outcome."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import highspy
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from tightnut.planning.defaults import DEFAULT_TIME_LIMIT_S

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

INF = float("inf")
_banner_done = False


@dataclass(frozen=True)
class MipProblem:
    """min c·x + offset subject to row_lower ≤ A x ≤ row_upper, bounds, integrality."""

    cost: FloatArray
    matrix: sp.csc_matrix
    row_lower: FloatArray
    row_upper: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    integer: BoolArray
    offset: float = 0.0


@dataclass(frozen=True)
class MipOutcome:
    """What HiGHS proved: a solution (or None), its objective, the dual bound, the status."""

    x: FloatArray | None
    objective: float
    dual_bound: float
    status: str
    nodes: int


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence the C-level stdout while HiGHS prints its once-per-process banner."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:
        yield
        return
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def new_highs(time_limit_s: float, threads: int = 2) -> highspy.Highs:
    """Return a silent HiGHS instance with a time limit and a small thread count."""
    global _banner_done
    if _banner_done:
        highs = highspy.Highs()  # type: ignore[no-untyped-call]
    else:
        with _quiet_stdout():
            highs = highspy.Highs()  # type: ignore[no-untyped-call]
        _banner_done = True
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", float(time_limit_s))
    highs.setOptionValue("threads", int(threads))
    highs.setOptionValue("random_seed", 0)
    return highs


def _to_lp(problem: MipProblem) -> highspy.HighsLp:
    """Convert a MipProblem to HiGHS's column-wise LP structure."""
    matrix = problem.matrix.tocsc()
    matrix.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_ = matrix.shape[1]
    lp.num_row_ = matrix.shape[0]
    lp.col_cost_ = problem.cost
    lp.col_lower_ = problem.col_lower
    lp.col_upper_ = problem.col_upper
    lp.row_lower_ = problem.row_lower
    lp.row_upper_ = problem.row_upper
    lp.offset_ = float(problem.offset)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(np.float64)
    if problem.integer.any():
        kinds = [highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger]
        lp.integrality_ = [kinds[int(flag)] for flag in problem.integer]
    return lp


_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kObjectiveBound: "infeasible",
}


def solve_mip(
    problem: MipProblem,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    start: FloatArray | None = None,
    abs_gap: float = 1e-6,
    threads: int = 2,
) -> MipOutcome:
    """Solve the MIP with HiGHS (rel gap 0, the given absolute gap) and return its outcome."""
    highs = new_highs(time_limit_s, threads)
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("mip_abs_gap", float(abs_gap))
    highs.passModel(_to_lp(problem))
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = list(map(float, start))
        solution.value_valid = True
        highs.setSolution(solution)
    highs.run()
    return _outcome(highs, problem)


def _outcome(highs: highspy.Highs, problem: MipProblem) -> MipOutcome:
    """Read status, solution and bounds back from a finished HiGHS run."""
    status = _STATUS.get(highs.getModelStatus(), "error")
    info = highs.getInfo()
    has_solution = info.primal_solution_status == 2
    x = np.asarray(highs.getSolution().col_value, dtype=np.float64) if has_solution else None
    objective = float(info.objective_function_value) if has_solution else INF
    if problem.integer.any():
        bound = float(info.mip_dual_bound)
        nodes = int(info.mip_node_count)
    else:
        bound = objective if status == "optimal" else -INF
        nodes = 0
    if status == "infeasible":
        bound = INF
    return MipOutcome(x=x, objective=objective, dual_bound=bound, status=status, nodes=nodes)
