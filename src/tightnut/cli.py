"""The `tightnut` command: serve, the database (migrate, back up, restore), demo data, users,
vehicle import and the gate board.

Each command imports what it needs when it runs, so `tightnut --help` loads neither the web
app, nor the ORM, nor the solvers.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from tightnut.clioptions import AsOption, OperatorOption, RoleName
from tightnut.maintenance.cli import maintenance_app
from tightnut.planning.cli import network_app

if TYPE_CHECKING:
    from tightnut.backup import Report
    from tightnut.fleet.models import Depot
    from tightnut.gate.service import BoardRow
    from tightnut.gate.shifts import ShiftWindow

app = typer.Typer(help="Tightnut: no shift without an inspection.", no_args_is_help=True)
db_app = typer.Typer(help="The database: schema, backup and restore.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
users_app = typer.Typer(help="Users and their tokens.", no_args_is_help=True)
vehicles_app = typer.Typer(help="Vehicles.", no_args_is_help=True)
gate_app = typer.Typer(help="The release gate.", no_args_is_help=True)
for sub, name in (
    (db_app, "db"),
    (demo_app, "demo"),
    (users_app, "users"),
    (vehicles_app, "vehicles"),
    (gate_app, "gate"),
    (network_app, "network"),
    (maintenance_app, "maintenance"),
):
    app.add_typer(sub, name=name)

BOARD_STATES = ("released", "ready", "blocked", "not_inspected")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    from tightnut.config import get_settings
    from tightnut.db import make_engine
    from tightnut.migrate import upgrade

    settings = get_settings()
    _ensure_sqlite_folder(settings.database_url)
    upgrade(make_engine(settings.database_url))
    typer.echo("database is at the latest schema")


def _ensure_sqlite_folder(url: str) -> None:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="where to write the backup")],
    force: Annotated[bool, typer.Option("--force", help="replace FILE if it exists")] = False,
) -> None:
    """Back up the whole database into FILE while the service runs.

    SQLite: its online backup API; PostgreSQL: pg_dump's custom format (pg_dump on PATH).
    """
    from tightnut import backup
    from tightnut.clitools import refusals
    from tightnut.config import get_settings

    with refusals():
        report = backup.backup(get_settings().database_url, file, replace=force)
    typer.echo(f"backup written to {report.path.resolve()}")
    typer.echo(_described(report))


@db_app.command("restore")
def db_restore(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, readable=True, help="a `db backup` file"),
    ],
    force: Annotated[
        bool, typer.Option("--force", help="restore even over a database that has records")
    ] = False,
) -> None:
    """Restore FILE into the configured database, which must be empty (stop the server first).

    Empty means no tables, or the schema without a record (as `db upgrade` leaves it).
    """
    from sqlalchemy import make_url

    from tightnut import backup
    from tightnut.clitools import refusals
    from tightnut.config import get_settings
    from tightnut.migrate import head_revisions

    url = get_settings().database_url
    with refusals():
        report = backup.restore(url, file, force=force)
    typer.echo(f"restored {file.resolve()} into {make_url(url).render_as_string()}")
    typer.echo(_described(report))
    heads = head_revisions()
    if report.census.revision not in heads:
        head = ", ".join(sorted(heads))
        typer.echo(
            f"the backup's schema is at {report.census.revision}, this version needs {head}: "
            "run `tightnut db upgrade` before serving"
        )


def _described(report: Report) -> str:
    """What the backup holds, in one line."""
    found = report.census
    guarded = ", ".join(found.append_only) or "none"
    return (
        f"{report.kind}, {report.size_bytes / 1_000_000:,.1f} MB, schema {found.revision}, "
        f"{found.total_rows:,} records in {len(found.rows)} tables; append-only: {guarded}"
    )


@demo_app.command("load")
def demo_load(
    if_empty: Annotated[bool, typer.Option("--if-empty", help="skip when data exists")] = False,
) -> None:
    """Load the demo operators, fleets, history and logins."""
    from sqlalchemy import select

    from tightnut.auth.models import Operator, User
    from tightnut.clitools import session_factory
    from tightnut.config import get_settings
    from tightnut.db import transaction
    from tightnut.demo.loader import DEMO_PASSWORD, load_demo
    from tightnut.fleet.meters import limits_of
    from tightnut.rules import load_catalog

    factory = session_factory()
    with transaction(factory) as session:
        has_data = session.scalar(select(Operator.id).limit(1)) is not None
        if has_data and not if_empty:
            raise typer.Exit(_print_error("the database already has data; demo not loaded"))
        logins = (
            []
            if has_data
            else load_demo(
                session,
                catalog=load_catalog(get_settings().rule_packs_dir),
                limits=limits_of(get_settings()),
            )
        )
    with transaction(factory) as session:
        users = session.execute(
            select(User.email, User.role, Operator.name)
            .join(Operator)
            .order_by(Operator.id, User.id)
        ).all()
    typer.echo("demo data loaded" if logins else "demo data already present")
    typer.echo(f"demo logins (password: {DEMO_PASSWORD}):")
    for email, role, operator in users:
        typer.echo(f"  {role:<17} {email:<34} {operator}")


def _print_error(message: str) -> int:
    typer.secho(message, err=True, fg=typer.colors.RED)
    return 1


@users_app.command("create")
def users_create(
    operator: Annotated[str, typer.Option("--operator", help="operator (tenant) name")],
    email: Annotated[str, typer.Option(help="the user's e-mail")],
    role: Annotated[RoleName, typer.Option(help="the user's role")],
    name: Annotated[str, typer.Option(help="full name")] = "",
    password: Annotated[str | None, typer.Option(help="password for the web pages")] = None,
    create_operator: Annotated[bool, typer.Option(help="create the operator if missing")] = False,
) -> None:
    """Create a user and print an API token for it, once."""
    from sqlalchemy import select

    from tightnut.auth import service as auth
    from tightnut.auth.models import Operator
    from tightnut.clitools import refusals, session_factory
    from tightnut.db import transaction
    from tightnut.errors import NotFound

    with refusals(), transaction(session_factory()) as session:
        found = session.scalar(select(Operator).where(Operator.name == operator))
        if found is None and create_operator:
            found = auth.create_operator(session, name=operator)
        if found is None:
            raise NotFound(f"no operator named '{operator}'", field="--operator")
        user = auth.create_user(
            session,
            operator_id=found.id,
            email=email,
            full_name=name or email,
            role=role.value,
            password=password,
        )
        token = auth.issue_token(session, user=user, label="cli")
    typer.echo(f"user {user.email} ({role.value}) created; API token (shown once):")
    typer.echo(token)


@vehicles_app.command("import")
def vehicles_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    operator: OperatorOption = None,
    as_user: AsOption = None,
) -> None:
    """Import vehicles from a CSV file: every row or none."""
    from tightnut.auth.models import Role
    from tightnut.clitools import refusals, resolve_actor, session_factory
    from tightnut.db import transaction
    from tightnut.fleet.importer import import_vehicles

    with refusals(), transaction(session_factory()) as session:
        actor = resolve_actor(session, operator=operator, email=as_user, role=Role.ADMIN)
        report = import_vehicles(session, actor, text=file.read_text(encoding="utf-8-sig"))
    typer.echo(f"imported {report.imported} vehicles")


@gate_app.command("board")
def gate_board(
    depot: Annotated[str, typer.Argument(help="depot id or name")],
    operator: OperatorOption = None,
    as_user: AsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Print the board of a depot for the current shift, in the depot's time zone."""
    from datetime import timedelta

    from tightnut.auth.models import Role
    from tightnut.clitools import depot_id, refusals, resolve_actor, session_factory
    from tightnut.config import get_settings
    from tightnut.db import transaction
    from tightnut.gate import service as gate
    from tightnut.rules import load_catalog

    settings = get_settings()
    catalog = load_catalog(settings.rule_packs_dir)
    lead = timedelta(minutes=settings.inspection_lead_minutes)
    with refusals(), transaction(session_factory()) as session:
        actor = resolve_actor(
            session, operator=operator, email=as_user, role=Role.DISPATCHER, depot=depot
        )
        found, shift, rows = gate.board(
            session, actor, depot_id(session, actor, depot), catalog=catalog, lead=lead
        )
    if as_json:
        typer.echo(json.dumps([_row_json(r) for r in rows], ensure_ascii=False, indent=1))
        return
    typer.echo(_board_heading(found, shift, rows))
    for row in rows:
        why = "; ".join(
            f"{r.message_en} [{r.rule.jurisdiction} {r.rule.clause}]" if r.rule else r.message_en
            for r in row.decision.reasons
        )
        typer.echo(f"{row.vehicle.plate:<12} {row.state:<14} {why}".rstrip())


def _board_heading(depot: Depot, shift: ShiftWindow, rows: list[BoardRow]) -> str:
    """The depot, its shift in the depot's own time zone, and the vehicles in each state."""
    zone = ZoneInfo(depot.timezone)
    start, end = shift.start.astimezone(zone), shift.end.astimezone(zone)
    counts = Counter(row.state for row in rows)
    states = ", ".join(f"{state} {counts[state]}" for state in BOARD_STATES)
    return (
        f"{depot.name}: shift {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} "
        f"{depot.timezone} — {states}"
    )


def _row_json(row: BoardRow) -> dict[str, object]:
    from tightnut.gate.service import reason_dict

    return {
        "vehicle_id": row.vehicle.id,
        "plate": row.vehicle.plate,
        "state": row.state,
        "reasons": [reason_dict(r) for r in row.decision.reasons],
    }


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="bind address [default: TIGHTNUT_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="port [default: TIGHTNUT_PORT]")] = None,
    workers: Annotated[int, typer.Option(min=1, help="worker processes")] = 1,
    trusted_proxy: Annotated[
        str, typer.Option(help="addresses whose X-Forwarded-For/-Proto are believed")
    ] = "127.0.0.1",
) -> None:
    """Serve the web app and the API (behind a reverse proxy in production: docs/deploy.md)."""
    import uvicorn

    from tightnut.config import get_settings

    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    typer.echo(f"Tightnut on http://{host}:{port} (API docs at /docs), {workers} worker(s)")
    uvicorn.run(
        "tightnut.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        server_header=False,
        proxy_headers=True,
        forwarded_allow_ips=trusted_proxy,
        timeout_graceful_shutdown=10,
    )
