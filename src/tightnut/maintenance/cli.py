"""`tightnut maintenance …`: the due list, planning work orders, the on-time rate."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from typing import Annotated

import typer
from pydantic import BaseModel
from sqlalchemy.orm import Session

from tightnut.auth.models import Role
from tightnut.auth.rights import Actor
from tightnut.clitools import (
    AsOption,
    OperatorOption,
    depot_id,
    fail,
    resolve_actor,
    session_factory,
)
from tightnut.errors import TightnutError
from tightnut.maintenance import service

maintenance_app = typer.Typer(help="Maintenance on time.", no_args_is_help=True)


class Format(StrEnum):
    """How to print a list."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"


DepotOption = Annotated[str | None, typer.Option("--depot", help="depot id or name")]


def _depot(session: Session, actor: Actor, depot: str | None) -> int | None:
    return None if depot is None else depot_id(session, actor, depot)


def _actor(session: Session, operator: str | None, email: str | None, depot: str | None) -> Actor:
    return resolve_actor(
        session, operator=operator, email=email, role=Role.FLEET_MANAGER, depot=depot
    )


def _print(rows: list[BaseModel], fmt: Format, columns: list[str]) -> None:
    data = [row.model_dump(mode="json") for row in rows]
    if fmt is Format.JSON:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    if fmt is Format.CSV:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(data[0]) if data else columns)
        writer.writeheader()
        writer.writerows(data)
        typer.echo(out.getvalue().rstrip("\n"))
        return
    widths = {c: max([len(c), *(len(_cell(d[c])) for d in data)]) for c in columns}
    typer.echo("  ".join(c.ljust(widths[c]) for c in columns))
    for d in data:
        typer.echo("  ".join(_cell(d[c]).ljust(widths[c]) for c in columns))


def _cell(value: object) -> str:
    return "" if value is None else str(value)


@maintenance_app.command("due")
def due(
    operator: OperatorOption = None,
    depot: DepotOption = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.TABLE,
    include_ok: Annotated[bool, typer.Option("--all", help="also tasks that are not due")] = False,
    as_user: AsOption = None,
) -> None:
    """Print what is due soon, due or overdue, whichever meter comes first."""
    try:
        with session_factory().begin() as session:
            actor = _actor(session, operator, as_user, depot)
            rows = service.due_list(
                session, actor, depot_id=_depot(session, actor, depot), include_ok=include_ok
            )
    except TightnutError as error:
        raise fail(error) from None
    columns = [
        "plate",
        "task",
        "status",
        "remaining_km",
        "remaining_hours",
        "remaining_days",
        "forecast_date",
        "overdue_by",
        "suppressed",
        "safety_critical",
    ]
    _print(list(rows), fmt, columns)


@maintenance_app.command("plan")
def plan(
    depot: Annotated[str, typer.Option("--depot", help="depot id or name")],
    operator: OperatorOption = None,
    days: Annotated[int, typer.Option(min=1, max=365, help="how far ahead")] = 14,
    as_user: AsOption = None,
) -> None:
    """Create one work order per vehicle for what falls due within the next days."""
    try:
        with session_factory().begin() as session:
            actor = _actor(session, operator, as_user, depot)
            target = depot_id(session, actor, depot)
            orders = service.plan(session, actor, depot_id=target, days=days)
            lines = [f"#{o.id:<6} {o.planned_on}  {o.title}" for o in orders]
    except TightnutError as error:
        raise fail(error) from None
    typer.echo(f"{len(lines)} work orders planned")
    for line in lines:
        typer.echo(line)


@maintenance_app.command("ontime")
def ontime(
    operator: OperatorOption = None,
    depot: DepotOption = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.TABLE,
    as_user: AsOption = None,
) -> None:
    """Print the share of maintenance done within tolerance per depot and month."""
    try:
        with session_factory().begin() as session:
            actor = _actor(session, operator, as_user, depot)
            rows = service.on_time(session, actor, depot_id=_depot(session, actor, depot))
    except TightnutError as error:
        raise fail(error) from None
    _print(list(rows), fmt, ["depot_id", "month", "done", "on_time", "overdue_open", "rate"])
