"""`tightnut maintenance …`: the due list, planning work orders, the on-time rate."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from typing import Annotated

import typer
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tightnut.auth import service as auth
from tightnut.auth.models import Role, User
from tightnut.auth.rights import Actor
from tightnut.errors import NotFound, TightnutError
from tightnut.fleet.models import Depot
from tightnut.maintenance import service

maintenance_app = typer.Typer(help="Maintenance on time.", no_args_is_help=True)


class Format(StrEnum):
    """How to print a list."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"


OperatorOption = Annotated[str, typer.Option("--operator", help="operator (tenant) name")]
DepotOption = Annotated[str | None, typer.Option("--depot", help="depot id or name")]
AsOption = Annotated[str | None, typer.Option("--as", help="act as this user's e-mail")]


def _factory() -> sessionmaker[Session]:
    from tightnut.cli import session_factory

    return session_factory()


def _actor(session: Session, operator: str, email: str | None, role: Role) -> Actor:
    found = auth.get_operator_by_name(session, operator)
    query = select(User).where(User.operator_id == found.id)
    query = query.where(User.email == email.lower()) if email else query.where(User.role == role)
    user = session.scalars(query.order_by(User.id)).first()
    if user is None:
        raise NotFound(f"no {'such user' if email else role.value} in '{operator}'", field="--as")
    return auth.actor_of(user)


def _depot(session: Session, actor: Actor, depot: str | None) -> int | None:
    if depot is None or depot.isdigit():
        return None if depot is None else int(depot)
    query = select(Depot.id).where(Depot.operator_id == actor.operator_id, Depot.name == depot)
    found = session.scalar(query)
    if found is None:
        raise NotFound(f"no depot named '{depot}'", field="--depot")
    return found


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


def _fail(error: TightnutError) -> typer.Exit:
    typer.secho(f"error [{error.field or '-'}]: {error.message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code=1)


@maintenance_app.command("due")
def due(
    operator: OperatorOption,
    depot: DepotOption = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.TABLE,
    include_ok: Annotated[bool, typer.Option("--all", help="also tasks that are not due")] = False,
    as_user: AsOption = None,
) -> None:
    """Print what is due soon, due or overdue, whichever meter comes first."""
    try:
        with _factory().begin() as session:
            actor = _actor(session, operator, as_user, Role.FLEET_MANAGER)
            rows = service.due_list(
                session, actor, depot_id=_depot(session, actor, depot), include_ok=include_ok
            )
    except TightnutError as error:
        raise _fail(error) from None
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
    operator: OperatorOption,
    depot: Annotated[str, typer.Option("--depot", help="depot id or name")],
    days: Annotated[int, typer.Option(min=1, max=365, help="how far ahead")] = 14,
    as_user: AsOption = None,
) -> None:
    """Create one work order per vehicle for what falls due within the next days."""
    try:
        with _factory().begin() as session:
            actor = _actor(session, operator, as_user, Role.FLEET_MANAGER)
            depot_id = _depot(session, actor, depot) or 0
            orders = service.plan(session, actor, depot_id=depot_id, days=days)
            lines = [f"#{o.id:<6} {o.planned_on}  {o.title}" for o in orders]
    except TightnutError as error:
        raise _fail(error) from None
    typer.echo(f"{len(lines)} work orders planned")
    for line in lines:
        typer.echo(line)


@maintenance_app.command("ontime")
def ontime(
    operator: OperatorOption,
    depot: DepotOption = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.TABLE,
    as_user: AsOption = None,
) -> None:
    """Print the share of maintenance done within tolerance per depot and month."""
    try:
        with _factory().begin() as session:
            actor = _actor(session, operator, as_user, Role.FLEET_MANAGER)
            rows = service.on_time(session, actor, depot_id=_depot(session, actor, depot))
    except TightnutError as error:
        raise _fail(error) from None
    _print(list(rows), fmt, ["depot_id", "month", "done", "on_time", "overdue_open", "rate"])
