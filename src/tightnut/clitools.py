"""What CLI commands share once they run: the database, who acts, which depot, refusals.

Commands import this inside their bodies (it loads the ORM); their options live in
`tightnut.clioptions`, which stays light so `tightnut --help` is quick.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy import ColumnElement, Engine, select, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from tightnut.auth import service as auth
from tightnut.auth.models import Operator, Role, User
from tightnut.auth.rights import Actor
from tightnut.config import get_settings
from tightnut.db import make_engine, make_session_factory
from tightnut.errors import NotFound, TightnutError
from tightnut.fleet.models import Depot
from tightnut.migrate import head_revisions


def session_factory() -> sessionmaker[Session]:
    """Sessions on the configured database; a missing or unmigrated one ends the command."""
    engine = make_engine(get_settings().database_url)
    problem = _not_ready(engine)
    if problem is not None:
        where = engine.url.render_as_string(hide_password=True)
        typer.secho(
            f"error: the database {where} {problem}; run `tightnut db upgrade` first",
            err=True,
            fg=typer.colors.RED,
        )
        raise typer.Exit(code=1)
    return make_session_factory(engine)


def _not_ready(engine: Engine) -> str | None:
    """Why the database cannot serve a command yet, or None when it is at the latest schema."""
    try:
        with engine.connect() as connection:
            found = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
            revisions = frozenset(found)
    except OperationalError:
        return "cannot be opened or has no schema"
    except ProgrammingError:  # PostgreSQL: no alembic_version table
        return "has no schema"
    if revisions != head_revisions():
        return "is not at the latest schema"
    return None


@contextmanager
def refusals() -> Iterator[None]:
    """Inside the block, a refusal prints with its field and ends the command with status 1."""
    try:
        yield
    except TightnutError as error:
        raise fail(error) from None


def resolve_actor(
    session: Session,
    *,
    operator: str | None,
    email: str | None,
    role: Role,
    depot: str | None = None,
) -> Actor:
    """Who the command acts as: the user ``email``, or the operator's first user with ``role``.

    Without ``--operator``, the operator is the only one there is, or the one owning the depot
    given by id or name.
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
    if depot is not None:
        query = query.join(Depot, Depot.operator_id == Operator.id).where(_depot_is(depot))
    candidates = session.scalars(query.order_by(Operator.id)).unique().all()
    if len(candidates) == 1:
        return candidates[0]
    if depot is not None and not candidates:
        raise NotFound(_no_depot(depot), field="depot")
    if not candidates:
        raise NotFound(
            "no operator yet: load the demo (tightnut demo load) or create one "
            "(tightnut users create --create-operator …)",
            field="--operator",
        )
    names = ", ".join(f'"{o.name}"' for o in candidates)
    raise NotFound(f"say which operator with --operator (candidates: {names})", field="--operator")


def _as_id(depot: str) -> int | None:
    """The depot given as a record id, or None when it is a name."""
    is_id = depot.isascii() and depot.isdigit() and len(depot) <= 18
    return int(depot) if is_id else None


def _depot_is(depot: str) -> ColumnElement[bool]:
    record_id = _as_id(depot)
    return Depot.name == depot if record_id is None else Depot.id == record_id


def _no_depot(depot: str) -> str:
    return f"no depot named '{depot}'" if _as_id(depot) is None else f"no depot with id {depot}"


def depot_id(session: Session, actor: Actor, depot: str) -> int:
    """The id of the caller's depot given by id or name."""
    found = session.scalar(
        select(Depot.id).where(Depot.operator_id == actor.operator_id, _depot_is(depot))
    )
    if found is None:
        raise NotFound(_no_depot(depot), field="depot")
    return found


def depot_names(session: Session, actor: Actor) -> dict[int, str]:
    """The caller's depots: id to name."""
    rows = session.execute(
        select(Depot.id, Depot.name).where(Depot.operator_id == actor.operator_id)
    )
    return {row.id: row.name for row in rows}


def fail(error: TightnutError) -> typer.Exit:
    """Print a refusal with its field (and each row's problem) and exit with status 1."""
    where = f" [{error.field}]" if error.field else ""
    typer.secho(f"error{where}: {error.message}", err=True, fg=typer.colors.RED)
    rows = error.detail.get("errors")
    for row in rows if isinstance(rows, list) else []:
        typer.secho(f"  line {row['line']}, column {row['column']}: {row['reason']}", err=True)
    return typer.Exit(code=1)
