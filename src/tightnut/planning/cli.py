"""`tightnut network …`: solve OR-Library files and plan regional service hubs."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from tightnut.planning.errors import PlanningError
from tightnut.planning.facility import solve_facility
from tightnut.planning.mip import DEFAULT_TIME_LIMIT_S
from tightnut.planning.orlib import is_pmed_text, read_cap, read_pmed
from tightnut.planning.plan import DEFAULT_MACHINES_PER_TECHNICIAN, HubPlan, plan_hubs
from tightnut.planning.pmedian import solve_pmedian
from tightnut.planning.regions import Points, read_points_csv, region_points
from tightnut.planning.result import PlanResult
from tightnut.planning.svgmap import write_plan_svg
from tightnut.planning.travel import DEFAULT_CIRCUITY, DEFAULT_SPEED_KMH

network_app = typer.Typer(help="Service-hub planning: OR-Library benchmarks and regional plans.")

DEFAULT_MACHINES_PER_1000 = 2.0
TimeLimit = Annotated[float, typer.Option(help="Solver time limit in seconds.")]


def _fail(error: PlanningError) -> typer.Exit:
    """Print a planning error for the user and return the exit to raise."""
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(code=2)


def solve_orlib_file(
    path: Path, p: int | None, capacity: float | None, uncapacitated: bool, time_limit_s: float
) -> tuple[str, PlanResult]:
    """Read a pmed or cap file and solve it (p-median, CFLP with split demand, or UFLP)."""
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
    typer.echo(f"map: {svg}")


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
    svg: Annotated[Path | None, typer.Option(help="Where to write the SVG map.")] = None,
    time_limit: TimeLimit = DEFAULT_TIME_LIMIT_S,
) -> None:
    """Place p hubs: most machines within the limit, then least travel; table plus SVG map."""
    started = time.perf_counter()
    try:
        candidates, clients, label = _load_points(region, sites, demand, machines_per_1000)
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
            time_limit_s=time_limit,
        )
    except PlanningError as error:
        raise _fail(error) from error
    target = svg if svg is not None else Path(f"hub-plan-{label}.svg")
    title = f"Service hubs for {label}: p={p}, {max_hours:g} h limit"
    write_plan_svg(target, plan, candidates, clients, title)
    _print_plan(plan, label, target)
    typer.echo(f"total {time.perf_counter() - started:.2f} s")
