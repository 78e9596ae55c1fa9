"""Every entry point asks maintenance: overdue safety-critical work blocks the gate in each.

The gate's facts come from calling the maintenance domain, not from a registry that an entry
point must remember to fill; so a fresh process that never built the app blocks as well.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from factories import (
    inspection_body,
    make_depot,
    make_login,
    make_operator,
    make_vehicle,
    sign_in_page,
)
from tightnut.app import create_app
from tightnut.auth.models import Role, User
from tightnut.cli import app as cli_app
from tightnut.config import Settings, get_settings
from tightnut.db import make_engine, make_session_factory, transaction, utcnow
from tightnut.maintenance.models import ProgrammeTask, TaskState
from tightnut.maintenance.programmes import import_shipped
from tightnut.migrate import upgrade
from tightnut.rules import load_catalog

PASSWORD = "entry-points-123"


@dataclass(frozen=True)
class Overdue:
    """A file database with one bus inspected this shift whose TO-2 is long overdue."""

    url: str
    depot_id: int
    depot: str
    vehicle_id: int
    inspector_email: str
    inspector_token: str


@pytest.fixture(scope="module")
def overdue(tmp_path_factory: pytest.TempPathFactory) -> Overdue:
    url = f"sqlite:///{tmp_path_factory.mktemp('entry') / 'entry.db'}"
    engine = make_engine(url)
    upgrade(engine)
    catalog = load_catalog()
    with transaction(make_session_factory(engine)) as session:
        operator = make_operator(session, name="Entry Point Transport")
        depot = make_depot(session, operator, name="Entry Depot")
        bus = make_vehicle(session, depot, odometer_km=100_000.0)
        manager = make_login(session, operator, Role.FLEET_MANAGER)
        make_login(session, operator, Role.DISPATCHER)
        inspector = make_login(session, operator, Role.INSPECTOR, password=PASSWORD)
        import_shipped(session, manager.actor)
        today = utcnow().date()
        for task in session.scalars(select(ProgrammeTask)):
            late = task.code == "TO-2"
            session.add(
                TaskState(
                    vehicle_id=bus.id,
                    task_id=task.id,
                    last_done_km=60_000.0 if late else bus.odometer_km,
                    last_done_hours=bus.engine_hours,
                    last_done_on=today - timedelta(days=500) if late else today,
                )
            )
        body = inspection_body(catalog, depot, bus)
        email = session.get_one(User, inspector.actor.user_id).email
        found = Overdue(url, depot.id, depot.name, bus.id, email, inspector.token)
    with TestClient(create_app(Settings(database_url=url), catalog=catalog)) as client:
        answer = client.post(
            "/api/v1/inspections",
            json=body,
            headers={"Authorization": f"Bearer {found.inspector_token}"},
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["failed_count"] == 0
    engine.dispose()
    return found


def _overdue_codes(reasons: list[dict[str, object]]) -> list[object]:
    return [r["evidence"]["task"] for r in reasons if r["code"] == "maintenance_overdue"]  # type: ignore[index]


def test_api_gate_and_board_block_on_overdue_safety_critical_work(overdue: Overdue) -> None:
    headers = {"Authorization": f"Bearer {overdue.inspector_token}"}
    app = create_app(Settings(database_url=overdue.url), catalog=load_catalog())
    with TestClient(app) as client:
        gate = client.get(f"/api/v1/vehicles/{overdue.vehicle_id}/gate", headers=headers)
        assert gate.status_code == 200, gate.text
        assert gate.json()["may_release"] is False
        assert _overdue_codes(gate.json()["reasons"]) == ["TO-2"]
        board = client.get(f"/api/v1/depots/{overdue.depot_id}/board", headers=headers)
        assert board.status_code == 200, board.text
        assert board.json()["counts"]["blocked"] == 1


def test_board_page_blocks_on_overdue_safety_critical_work(overdue: Overdue) -> None:
    settings = Settings(database_url=overdue.url, secure_cookies=False)  # plain http here
    app = create_app(settings, catalog=load_catalog())
    with TestClient(app) as client:
        signed_in = sign_in_page(client, overdue.inspector_email, PASSWORD)
        assert signed_in.status_code == 303, signed_in.text
        page = client.get(f"/depots/{overdue.depot_id}/board")
        assert page.status_code == 200, page.text
        assert "Maintenance overdue" in page.text
        assert "TO-2" in page.text


def test_cli_board_blocks_on_overdue_safety_critical_work(
    overdue: Overdue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIGHTNUT_DATABASE_URL", overdue.url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, ["gate", "board", overdue.depot, "--json"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [row["state"] for row in rows] == ["blocked"]
    assert _overdue_codes(rows[0]["reasons"]) == ["TO-2"]


def test_a_fresh_script_that_never_builds_the_app_blocks_too(overdue: Overdue) -> None:
    script = f"""
from datetime import timedelta
from tightnut.auth.rights import Actor
from tightnut.auth.models import Role, User
from tightnut.db import make_engine, make_session_factory
from tightnut.gate import service
from tightnut.rules import load_catalog
session = make_session_factory(make_engine({overdue.url!r}))()
user = session.query(User).filter_by(email={overdue.inspector_email!r}).one()
actor = Actor(user.id, user.operator_id, Role(user.role), user.full_name)
decision = service.decide_vehicle(
    session, actor, {overdue.vehicle_id}, catalog=load_catalog(), lead=timedelta(hours=3)
)
print(",".join(reason.code for reason in decision.reasons))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "maintenance_overdue"
