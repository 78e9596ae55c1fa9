"""The `tightnut` command on a fresh SQLite file, as a new user would run it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tightnut.cli import app
from tightnut.config import get_settings

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("TIGHTNUT_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    yield path
    get_settings.cache_clear()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_demo_load_prints_logins_and_the_board_shows_blocked_buses(database: Path) -> None:
    code, output = _run("demo", "load", "--if-empty")
    assert code == 0, output
    assert "dispatcher@southline.demo" in output
    code, board = _run("gate", "board", "North Depot", "--operator", "Southline City Transport")
    assert code == 0, board
    assert "blocked" in board
    assert "RU" in board
    code, again = _run("demo", "load", "--if-empty")
    assert code == 0
    assert "already present" in again


def test_user_creation_prints_a_token_once(database: Path) -> None:
    code, output = _run(
        "users",
        "create",
        "--operator",
        "Acme",
        "--email",
        "a@acme.test",
        "--role",
        "admin",
        "--create-operator",
    )
    assert code == 0, output
    token = output.strip().splitlines()[-1]
    assert token.startswith("tn_")
    code, output = _run(
        "users", "create", "--operator", "Acme", "--email", "a@acme.test", "--role", "admin"
    )
    assert code == 1
    assert "already" in output or "exists" in output


def test_vehicle_import_reports_each_bad_line_and_imports_nothing(
    database: Path, tmp_path: Path
) -> None:
    _run("demo", "load")
    csv = tmp_path / "buses.csv"
    csv.write_text(
        "depot,plate,vehicle_class,make,model,model_family,engine_type\n"
        "North Depot,NEW001,bus,G,Bus,city-bus,diesel\n"
        "North Depot,NEW002,bus,G,Bus,city-bus,plasma\n",
        encoding="utf-8",
    )
    code, output = _run("vehicles", "import", str(csv), "--operator", "Southline City Transport")
    assert code == 1
    assert "line 3, column engine_type" in output
    csv.write_text(csv.read_text().replace("plasma", "diesel"), encoding="utf-8")
    code, output = _run("vehicles", "import", str(csv), "--operator", "Southline City Transport")
    assert code == 0, output
    assert "imported 2 vehicles" in output


def test_board_of_unknown_depot_is_a_clear_error(database: Path) -> None:
    _run("demo", "load")
    code, output = _run("gate", "board", "Atlantis", "--operator", "Southline City Transport")
    assert code == 1
    assert "no depot 'Atlantis'" in output


def test_operator_is_inferred_from_a_depot_name_and_asked_for_when_unclear(database: Path) -> None:
    _run("demo", "load")
    code, board = _run("gate", "board", "Central Machine Yard")
    assert code == 0, board
    assert board.startswith("Central Machine Yard:")
    code, output = _run("maintenance", "due")
    assert code == 1
    assert "--operator" in output
    assert "Southline City Transport" in output


def test_maintenance_due_plan_and_ontime_from_the_command_line(database: Path) -> None:
    _run("demo", "load")
    operator = ("--operator", "Kuban Fields Agroholding")
    code, due = _run("maintenance", "due", *operator, "--format", "csv")
    assert code == 0, due
    header, *rows = due.splitlines()
    assert header.startswith("vehicle_id,plate,depot_id,programme,task_id,task")
    assert any(",overdue," in row for row in rows)
    code, planned = _run(
        "maintenance", "plan", *operator, "--depot", "Eastern Field Camp", "--days", "7"
    )
    assert code == 0, planned
    assert int(planned.split()[0]) > 0
    code, again = _run(
        "maintenance", "plan", *operator, "--depot", "Eastern Field Camp", "--days", "7"
    )
    assert again.startswith("0 work orders planned")
    code, ontime = _run("maintenance", "ontime", *operator, "--format", "json")
    assert code == 0, ontime
    assert '"overdue_open"' in ontime
