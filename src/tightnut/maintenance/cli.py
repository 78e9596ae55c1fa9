"""`tightnut maintenance …`: the due list, planning work orders, the on-time rate.

The services load inside each command, so `tightnut --help` does not wait for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from tightnut.clioptions import (
    AsOption,
    DepotOption,
    Format,
    FormatOption,
    OperatorOption,
    print_records,
    print_table,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tightnut.auth.rights import Actor
    from tightnut.maintenance.schemas import DueRow, OnTimeRow

maintenance_app = typer.Typer(help="Maintenance on time.", no_args_is_help=True)

DUE_HEADERS = (
    "plate",
    "depot",
    "task",
    "status",
    "remaining (km)",
    "remaining (h)",
    "remaining (days)",
    "forecast",
    "overdue by",
    "safety-critical",
    "suppressed",
)
ONTIME_HEADERS = ("depot", "month", "done", "on time", "overdue open", "on-time rate")
_UNIT = {"km": "km", "hours": "h", "days": "days"}
_DECIMALS = {"km": 0, "hours": 1, "days": 0}


def _actor(session: Session, operator: str | None, email: str | None, depot: str | None) -> Actor:
    """The acting fleet manager (or the user ``email``)."""
    from tightnut.auth.models import Role
    from tightnut.clitools import resolve_actor

    return resolve_actor(
        session, operator=operator, email=email, role=Role.FLEET_MANAGER, depot=depot
    )


def _depot_id(session: Session, actor: Actor, depot: str | None) -> int | None:
    """The id of the depot asked for, or None for every depot."""
    from tightnut.clitools import depot_id

    return None if depot is None else depot_id(session, actor, depot)


def _number(value: float | None, decimals: int) -> str:
    return "" if value is None else f"{value:,.{decimals}f}"


def _due_cells(row: DueRow, depots: dict[int, str]) -> list[str]:
    """One due row as table cells, each number with its unit's precision."""
    late = row.status == "overdue" and row.overdue_by > 0
    return [
        row.plate,
        depots.get(row.depot_id, str(row.depot_id)),
        row.task,
        row.status,
        _number(row.remaining_km, 0),
        _number(row.remaining_hours, 1),
        _number(row.remaining_days, 0),
        "" if row.forecast_date is None else row.forecast_date.isoformat(),
        f"{_number(row.overdue_by, _DECIMALS[row.driver])} {_UNIT[row.driver]}" if late else "",
        "yes" if row.safety_critical else "no",
        "yes" if row.suppressed else "no",
    ]


@maintenance_app.command("due")
def due(
    operator: OperatorOption = None,
    depot: DepotOption = None,
    fmt: FormatOption = Format.TABLE,
    include_ok: Annotated[bool, typer.Option("--all", help="also tasks that are not due")] = False,
    as_user: AsOption = None,
) -> None:
    """Print what is due soon, due or overdue, whichever meter comes first."""
    from tightnut.clitools import depot_names, refusals, session_factory
    from tightnut.maintenance import service
    from tightnut.maintenance.schemas import DueRow

    with refusals(), session_factory().begin() as session:
        actor = _actor(session, operator, as_user, depot)
        scope = _depot_id(session, actor, depot)
        rows = service.due_list(session, actor, depot_id=scope, include_ok=include_ok)
        depots = depot_names(session, actor)
    if fmt is not Format.TABLE:
        fields = list(DueRow.model_fields)
        print_records([row.model_dump(mode="json") for row in rows], fmt, fields)
    elif not rows:
        typer.echo("nothing is due" if not include_ok else "no maintenance tasks")
    else:
        print_table(DUE_HEADERS, [_due_cells(row, depots) for row in rows])


@maintenance_app.command("plan")
def plan(
    depot: Annotated[str, typer.Option("--depot", help="depot id or name")],
    operator: OperatorOption = None,
    days: Annotated[int, typer.Option(min=1, max=365, help="how far ahead")] = 14,
    as_user: AsOption = None,
) -> None:
    """Create one work order per vehicle for what falls due within the next days."""
    from tightnut.clitools import depot_id, refusals, session_factory
    from tightnut.workorders import plan as work_plan

    with refusals(), session_factory().begin() as session:
        actor = _actor(session, operator, as_user, depot)
        target = depot_id(session, actor, depot)
        orders = work_plan.plan(session, actor, depot_id=target, days=days)
        lines = [f"#{o.id:<6} {o.planned_on}  {o.title}" for o in orders]
    typer.echo(f"{len(lines)} work orders planned")
    for line in lines:
        typer.echo(line)


def _rate(row: OnTimeRow) -> str:
    """The on-time share with what it counts, or that nothing was due."""
    due = row.done + row.overdue_open
    if row.rate is None or due == 0:
        return "no work was due"
    return f"{row.rate:.0%} ({row.on_time} of {due})"


@maintenance_app.command("ontime")
def ontime(
    operator: OperatorOption = None,
    depot: DepotOption = None,
    fmt: FormatOption = Format.TABLE,
    as_user: AsOption = None,
) -> None:
    """Print the share of maintenance done within tolerance per depot and month."""
    from tightnut.clitools import depot_names, refusals, session_factory
    from tightnut.maintenance import service
    from tightnut.maintenance.schemas import OnTimeRow

    with refusals(), session_factory().begin() as session:
        actor = _actor(session, operator, as_user, depot)
        rows = service.on_time(session, actor, depot_id=_depot_id(session, actor, depot))
        depots = depot_names(session, actor)
    if fmt is not Format.TABLE:
        fields = list(OnTimeRow.model_fields)
        print_records([row.model_dump(mode="json") for row in rows], fmt, fields)
        return
    if not rows:
        typer.echo("no work was due: nothing done and nothing overdue (0 of 0)")
        return
    cells = [
        [
            "all depots" if row.depot_id is None else depots.get(row.depot_id, str(row.depot_id)),
            row.month,
            str(row.done),
            str(row.on_time),
            str(row.overdue_open),
            _rate(row),
        ]
        for row in rows
    ]
    print_table(ONTIME_HEADERS, cells)
