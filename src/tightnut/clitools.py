"""What every CLI command shares: the database, who acts, which depot, and how errors print."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tightnut.auth import service as auth
from tightnut.auth.models import Operator, Role, User
from tightnut.auth.rights import Actor
from tightnut.config import get_settings
from tightnut.db import make_engine, make_session_factory
from tightnut.errors import NotFound, TightnutError
from tightnut.fleet.models import Depot

OperatorOption = Annotated[
    str | None,
    typer.Option("--operator", help="operator (tenant) name; may be left out when it is clear"),
]
AsOption = Annotated[
    str | None, typer.Option("--as", help="act as this user's e-mail (default: by role)")
]


def session_factory() -> sessionmaker[Session]:
    """Sessions on the configured database."""
    return make_session_factory(make_engine(get_settings().database_url))


def resolve_actor(
    session: Session,
    *,
    operator: str | None,
    email: str | None,
    role: Role,
    depot: str | None = None,
) -> Actor:
    """Who the command acts as: the user ``email``, or the operator's first user with ``role``.

    Without ``--operator``, the operator is the only one there is, or the one owning a depot
    of the given name.
    """
    found = _operator(session, operator, depot)
    query = select(User).where(User.operator_id == found.id)
    query = query.where(User.email == email.lower()) if email else query.where(User.role == role)
    user = session.scalars(query.order_by(User.id)).first()
    if user is None:
        who = "no such user" if email else f"no {role.value}"
        raise NotFound(f"{who} in '{found.name}'", field="--as")
    return auth.actor_of(user)


def _operator(session: Session, name: str | None, depot: str | None) -> Operator:
    if name is not None:
        return auth.get_operator_by_name(session, name)
    query = select(Operator)
    if depot is not None and not depot.isdigit():
        query = query.join(Depot, Depot.operator_id == Operator.id).where(Depot.name == depot)
    candidates = session.scalars(query.order_by(Operator.id)).unique().all()
    if len(candidates) != 1:
        names = ", ".join(o.name for o in candidates) or "none"
        raise NotFound(
            f"say which operator with --operator (candidates: {names})", field="--operator"
        )
    return candidates[0]


def depot_id(session: Session, actor: Actor, depot: str) -> int:
    """The id of the caller's depot given by id or name."""
    query = select(Depot.id).where(Depot.operator_id == actor.operator_id)
    query = (
        query.where(Depot.id == int(depot)) if depot.isdigit() else query.where(Depot.name == depot)
    )
    found = session.scalar(query)
    if found is None:
        raise NotFound(f"no depot '{depot}'", field="DEPOT")
    return found


def fail(error: TightnutError) -> typer.Exit:
    """Print a refusal with its field (and each row's problem) and exit with status 1."""
    where = f" [{error.field}]" if error.field else ""
    typer.secho(f"error{where}: {error.message}", err=True, fg=typer.colors.RED)
    rows = error.detail.get("errors")
    for row in rows if isinstance(rows, list) else []:
        typer.secho(f"  line {row['line']}, column {row['column']}: {row['reason']}", err=True)
    return typer.Exit(code=1)
