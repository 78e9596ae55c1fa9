"""`tightnut network …`: solve OR-Library files and plan regional service hubs.

NumPy, SciPy and HiGHS load inside the commands, so `tightnut --help` does not wait for them.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tightnut.planning.defaults import (
    DEFAULT_CIRCUITY,
    DEFAULT_MACHINES_PER_TECHNICIAN,
    DEFAULT_SPEED_KMH,
    DEFAULT_TIME_LIMIT_S,
)
from tightnut.planning.errors import PlanningError

if TYPE_CHECKING:
    from tightnut.planning.plan import HubPlan
    from tightnut.planning.regions import Points
    from tightnut.planning.result import PlanResult

network_app = typer.Typer(
    help="Service-hub planning: OR-Library benchmarks and regional plans.", no_args_is_help=True
)

DEFAULT_MACHINES_PER_1000 = 2.0
TimeLimit = Annotated[float, typer.Option(help="Solver time limit in seconds.")]
_log = logging.getLogger(__name__)


def _fail(error: PlanningError) -> typer.Exit:
    """Print a planning error for the user and return the exit to raise."""
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(code=2)


class _Progress(logging.Handler):
    """Prints each planning stage to stderr with the seconds since the command started."""

    def __init__(self, started: float) -> None:
        super().__init__(logging.INFO)
        self.started = started

    def emit(self, record: logging.LogRecord) -> None:
        """Print one stage line."""
        elapsed_s = time.perf_counter() - self.started
        typer.echo(f"[{elapsed_s:6.2f} s] {record.getMessage()}", err=True)


@contextmanager
def _progress_on_stderr(started: float) -> Iterator[None]:
    """Show the planning stages (the solvers log them) while the block runs."""
    logger = logging.getLogger("tightnut.planning")
    handler, level = _Progress(started), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def solve_orlib_file(
    path: Path, p: int | None, capacity: float | None, uncapacitated: bool, time_limit_s: float
) -> tuple[str, PlanResult]:
    """Read a pmed or cap file and solve it (p-median, CFLP with split demand, or UFLP)."""
    from tightnut.planning.facility import solve_facility
    from tightnut.planning.orlib import is_pmed_text, read_cap, read_pmed
    from tightnut.planning.pmedian import solve_pmedian

    try:
        head = path.read_text(encoding="ascii")[:200]
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanningError(f"cannot read OR-Library file {path}: {exc}") from exc
    if is_pmed_text(head):
        pmed = read_pmed(path, p)
        return pmed.name, solve_pmedian(pmed.cost, pmed.p, time_limit_s=time_limit_s)
    cap = read_cap(path, capacity)
    caps = None if uncapacitated else cap.capacity
    result = solve_facility(
        cap.assign_cost, cap.fixed_cost, cap.demand, caps, time_limit_s=time_limit_s
    )
    return cap.name, result


@network_app.command("orlib")
def orlib_command(
    file: Annotated[Path, typer.Argument(help="A pmed*.txt or cap*.txt OR-Library file.")],
    p: Annotated[
        int | None, typer.Option("--p", help="Medians (pmed only; default: file's p).")
    ] = None,
    capacity: Annotated[
        float | None, typer.Option(help="Capacity for every site (cap files; needed for capa/b/c).")
    ] = None,
    uncapacitated: Annotated[bool, typer.Option(help="Ignore capacities (UFLP).")] = False,
    time_limit: TimeLimit = DEFAULT_TIME_LIMIT_S,
) -> None:
    """Solve one OR-Library file and print its result as one JSON object."""
    try:
        name, result = solve_orlib_file(file, p, capacity, uncapacitated, time_limit)
    except PlanningError as error:
        raise _fail(error) from error
    report = {
        "instance": name,
        "objective": result.objective,
        "lower_bound": result.lower_bound,
        "gap": result.gap,
        "seconds": round(result.seconds, 4),
        "status": result.status,
    }
    typer.echo(json.dumps(report))


def _load_points(
    region: str | None, sites: Path | None, demand: Path | None, per_1000: float
) -> tuple[Points, Points, str]:
    """Return (candidate sites, demand points, label) from a region and/or CSV files."""
    from tightnut.planning.regions import Points, read_points_csv, region_points

    if demand is not None:
        clients = read_points_csv(demand, need_demand=True)
        label = demand.stem
    elif region is not None:
        people = region_points(region)
        machines = people.demand * per_1000 / 1000.0
        clients = Points(people.names, people.lat, people.lon, machines)
        label = region
    else:
        raise PlanningError("give --region or --demand FILE.csv")
    candidates = read_points_csv(sites, need_demand=False) if sites is not None else clients
    return candidates, clients, label


def _print_plan(plan: HubPlan, label: str, svg: Path) -> None:
    """Print the plan as a table with its proof status."""
    result = plan.result
    typer.echo(f"Hub plan for {label}: {len(result.open_hubs)} hubs, limit {plan.max_hours:g} h")
    header = (
        f"{'hub':<24}{'points':>7}{'machines':>11}{'≤limit':>10}"
        f"{'mean h':>8}{'max h':>7}{'techs':>7}"
    )
    typer.echo(header)
    typer.echo("-" * len(header))
    for row in plan.rows:
        typer.echo(
            f"{row.name[:23]:<24}{row.clients:>7}{row.machines:>11,.0f}"
            f"{row.machines_within_limit:>10,.0f}{row.mean_hours:>8.2f}{row.max_hours:>7.2f}"
            f"{row.technicians:>7}"
        )
    typer.echo(f"machines within {plan.max_hours:g} h of a hub: {plan.covered_share:.1%}")
    typer.echo(
        f"objective (machine-hours) {result.objective:,.1f}, lower bound "
        f"{result.lower_bound:,.1f}, gap {result.gap:.4%}, status {result.status}, "
        f"{result.seconds:.2f} s"
    )
    typer.echo(f"map written to {svg}")


@network_app.command("plan")
def plan_command(
    p: Annotated[int, typer.Option("--p", help="Number of hubs.")] = 3,
    max_hours: Annotated[float, typer.Option(help="Travel-time limit in hours.")] = 3.0,
    region: Annotated[
        str | None, typer.Option(help="GeoNames region: kuban (5 regions) or one of them.")
    ] = None,
    sites: Annotated[Path | None, typer.Option(help="Candidate sites CSV: name,lat,lon.")] = None,
    demand: Annotated[
        Path | None, typer.Option(help="Fleet CSV: name,lat,lon,machines (replaces population).")
    ] = None,
    machines_per_technician: Annotated[
        float, typer.Option(help="Machines one certified technician looks after (illustrative).")
    ] = DEFAULT_MACHINES_PER_TECHNICIAN,
    machines_per_1000: Annotated[
        float, typer.Option(help="Machines per 1,000 residents when population is the proxy.")
    ] = DEFAULT_MACHINES_PER_1000,
    circuity: Annotated[
        float, typer.Option(help="Road km per great-circle km.")
    ] = DEFAULT_CIRCUITY,
    speed_kmh: Annotated[float, typer.Option(help="Average road speed, km/h.")] = DEFAULT_SPEED_KMH,
    svg: Annotated[
        Path | None,
        typer.Option(help="Where to write the SVG map [default: ./hub-plan-<region or file>.svg]."),
    ] = None,
    time_limit: TimeLimit = DEFAULT_TIME_LIMIT_S,
) -> None:
    """Place p hubs: most machines within the limit, then least travel; table plus SVG map.

    Each stage prints to stderr as it ends, with the seconds since the start and its bound.
    """
    started = time.perf_counter()
    with _progress_on_stderr(started):
        try:
            _log.info("reading the points")
            plan, candidates, clients, label = _solve_plan(
                p,
                max_hours,
                _load_points(region, sites, demand, machines_per_1000),
                machines_per_technician=machines_per_technician,
                circuity=circuity,
                speed_kmh=speed_kmh,
                time_limit_s=time_limit,
            )
        except PlanningError as error:
            raise _fail(error) from error
        target = (svg if svg is not None else Path(f"hub-plan-{label}.svg")).resolve()
        _log.info("writing the map to %s", target)
        _write_map(target, plan, candidates, clients, f"{label}: p={p}, {max_hours:g} h limit")
    _print_plan(plan, label, target)
    typer.echo(f"total {time.perf_counter() - started:.2f} s")


def _solve_plan(
    p: int,
    max_hours: float,
    points: tuple[Points, Points, str],
    *,
    machines_per_technician: float,
    circuity: float,
    speed_kmh: float,
    time_limit_s: float,
) -> tuple[HubPlan, Points, Points, str]:
    """Check the demand and solve the two-stage hub plan over the loaded points."""
    import numpy as np

    from tightnut.planning.plan import plan_hubs

    candidates, clients, label = points
    _log.info(
        "points: %d demand points, %d candidate sites (%s)", len(clients), len(candidates), label
    )
    if not np.isfinite(clients.demand).all():
        raise PlanningError("the demand contains NaN or infinite values")
    plan = plan_hubs(
        candidates,
        clients,
        p,
        max_hours,
        machines_per_technician=machines_per_technician,
        circuity=circuity,
        speed_kmh=speed_kmh,
        time_limit_s=time_limit_s,
    )
    return plan, candidates, clients, label


def _write_map(target: Path, plan: HubPlan, sites: Points, clients: Points, what: str) -> None:
    """Write the SVG map, or fail with the path when the folder cannot take it."""
    from tightnut.planning.svgmap import write_plan_svg

    try:
        write_plan_svg(target, plan, sites, clients, f"Service hubs for {what}")
    except OSError as exc:
        raise _fail(PlanningError(f"cannot write the map to {target}: {exc.strerror}")) from exc
