"""The `tightnut` command: serve, migrate, demo data, users, vehicle import, the gate board."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from tightnut.auth import service as auth
from tightnut.auth.models import Operator, Role, User
from tightnut.clitools import (
    AsOption,
    OperatorOption,
    depot_id,
    fail,
    resolve_actor,
    session_factory,
)
from tightnut.config import get_settings
from tightnut.db import make_engine, transaction
from tightnut.errors import NotFound, TightnutError
from tightnut.fleet.importer import import_vehicles
from tightnut.gate import service as gate
from tightnut.maintenance.cli import maintenance_app
from tightnut.migrate import upgrade
from tightnut.planning.cli import network_app
from tightnut.rules import load_catalog
from tightnut.wiring import wire

app = typer.Typer(help="Tightnut: no shift without an inspection.", no_args_is_help=True)
wire()
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
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


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    settings = get_settings()
    _ensure_sqlite_folder(settings.database_url)
    upgrade(make_engine(settings.database_url))
    typer.echo("database is at the latest schema")


def _ensure_sqlite_folder(url: str) -> None:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


@demo_app.command("load")
def demo_load(
    if_empty: Annotated[bool, typer.Option("--if-empty", help="skip when data exists")] = False,
) -> None:
    """Load the demo operators, fleets, history and logins."""
    from tightnut.demo.loader import DEMO_PASSWORD, load_demo

    factory = session_factory()
    with transaction(factory) as session:
        has_data = session.scalar(select(Operator.id).limit(1)) is not None
        if has_data and not if_empty:
            raise typer.Exit(_print_error("the database already has data; demo not loaded"))
        logins = (
            []
            if has_data
            else load_demo(session, catalog=load_catalog(get_settings().rule_packs_dir))
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
    role: Annotated[Role, typer.Option(help="the user's role")],
    name: Annotated[str, typer.Option(help="full name")] = "",
    password: Annotated[str | None, typer.Option(help="password for the web pages")] = None,
    create_operator: Annotated[bool, typer.Option(help="create the operator if missing")] = False,
) -> None:
    """Create a user and print an API token for it, once."""
    try:
        with transaction(session_factory()) as session:
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
    except TightnutError as error:
        raise fail(error) from None
    typer.echo(f"user {user.email} ({role.value}) created; API token (shown once):")
    typer.echo(token)


@vehicles_app.command("import")
def vehicles_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    operator: OperatorOption = None,
    as_user: AsOption = None,
) -> None:
    """Import vehicles from a CSV file: every row or none."""
    try:
        with transaction(session_factory()) as session:
            actor = resolve_actor(session, operator=operator, email=as_user, role=Role.ADMIN)
            report = import_vehicles(session, actor, text=file.read_text(encoding="utf-8-sig"))
    except TightnutError as error:
        raise fail(error) from None
    typer.echo(f"imported {report.imported} vehicles")


@gate_app.command("board")
def gate_board(
    depot: Annotated[str, typer.Argument(help="depot id or name")],
    operator: OperatorOption = None,
    as_user: AsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Print the board of a depot for the current shift."""
    settings = get_settings()
    catalog = load_catalog(settings.rule_packs_dir)
    lead = timedelta(minutes=settings.inspection_lead_minutes)
    try:
        with transaction(session_factory()) as session:
            actor = resolve_actor(
                session, operator=operator, email=as_user, role=Role.DISPATCHER, depot=depot
            )
            found, shift, rows = gate.board(
                session, actor, depot_id(session, actor, depot), catalog=catalog, lead=lead
            )
    except TightnutError as error:
        raise fail(error) from None
    if as_json:
        typer.echo(json.dumps([_row_json(r) for r in rows], ensure_ascii=False, indent=1))
        return
    counts = Counter(r.state for r in rows)
    typer.echo(
        f"{found.name}: shift from {shift.start.isoformat()} — "
        + ", ".join(
            f"{state} {counts[state]}"
            for state in ("released", "ready", "blocked", "not_inspected")
        )
    )
    for row in rows:
        why = "; ".join(
            f"{r.message_en} [{r.rule.jurisdiction} {r.rule.clause}]" if r.rule else r.message_en
            for r in row.decision.reasons
        )
        typer.echo(f"{row.vehicle.plate:<12} {row.state:<14} {why}")


def _row_json(row: gate.BoardRow) -> dict[str, object]:
    return {
        "vehicle_id": row.vehicle.id,
        "plate": row.vehicle.plate,
        "state": row.state,
        "reasons": [gate.reason_dict(r) for r in row.decision.reasons],
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
