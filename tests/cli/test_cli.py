"""The `tightnut` command on a fresh SQLite file, as a new user would run it."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tightnut.auth.models import Operator, Role
from tightnut.cli import app
from tightnut.clioptions import RoleName
from tightnut.config import get_settings
from tightnut.db import make_engine, make_session_factory, transaction
from tightnut.fleet.models import Depot

runner = CliRunner()
SOUTHLINE = ("--operator", "Southline City Transport")
KUBAN = ("--operator", "Kuban Fields Agroholding")


def _use(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setenv("TIGHTNUT_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "cli.db"
    _use(monkeypatch, path)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    yield path
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo loaded once per module; each test gets its own copy."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with pytest.MonkeyPatch.context() as monkeypatch:
        _use(monkeypatch, path)
        assert _run("db", "upgrade")[0] == 0
        code, output = _run("demo", "load")
        assert code == 0, output
    get_settings.cache_clear()
    return path


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "cli.db"
    with closing(sqlite3.connect(demo_template)) as source, closing(sqlite3.connect(path)) as copy:
        source.backup(copy)
    _use(monkeypatch, path)
    yield path
    get_settings.cache_clear()


def _table(output: str) -> list[dict[str, str]]:
    """Parse a printed table by its header's column starts."""
    header, *lines = output.splitlines()
    names = re.findall(r"\S+(?: \S+)*", header)
    starts = [header.index(name) for name in names]
    ends = [*starts[1:], None]
    return [
        {name: line[a:b].strip() for name, a, b in zip(names, starts, ends, strict=True)}
        for line in lines
    ]


def test_demo_load_prints_logins_and_the_board_shows_blocked_buses(database: Path) -> None:
    code, output = _run("demo", "load", "--if-empty")
    assert code == 0, output
    assert "dispatcher@southline.demo" in output
    code, board = _run("gate", "board", "North Depot", *SOUTHLINE)
    assert code == 0, board
    assert "blocked" in board
    assert "RU" in board
    code, again = _run("demo", "load", "--if-empty")
    assert code == 0
    assert "already present" in again


def test_user_creation_prints_a_token_once(database: Path) -> None:
    args = ("users", "create", "--operator", "Acme", "--email", "a@acme.test", "--role", "admin")
    code, output = _run(*args, "--create-operator")
    assert code == 0, output
    token = output.strip().splitlines()[-1]
    assert token.startswith("tn_")
    code, output = _run(*args)
    assert code == 1
    assert "already" in output or "exists" in output


def test_the_command_line_offers_exactly_the_roles_users_can_have() -> None:
    assert [r.value for r in RoleName] == [r.value for r in Role]


def test_vehicle_import_reports_each_bad_line_and_imports_nothing(
    demo: Path, tmp_path: Path
) -> None:
    buses = tmp_path / "buses.csv"
    buses.write_text(
        "depot,plate,vehicle_class,make,model,model_family,engine_type\n"
        "North Depot,NEW001,bus,G,Bus,city-bus,diesel\n"
        "North Depot,NEW002,bus,G,Bus,city-bus,plasma\n",
        encoding="utf-8",
    )
    code, output = _run("vehicles", "import", str(buses), *SOUTHLINE)
    assert code == 1
    assert "line 3, column engine_type" in output
    buses.write_text(buses.read_text().replace("plasma", "diesel"), encoding="utf-8")
    code, output = _run("vehicles", "import", str(buses), *SOUTHLINE)
    assert code == 0, output
    assert "imported 2 vehicles" in output


def test_board_of_unknown_depot_names_the_depot_with_or_without_operator(demo: Path) -> None:
    code, output = _run("gate", "board", "Atlantis", *SOUTHLINE)
    assert code == 1
    assert "no depot named 'Atlantis'" in output
    code, output = _run("gate", "board", "Nowhere")
    assert code == 1
    assert "no depot named 'Nowhere'" in output
    assert "candidates" not in output


def test_operator_is_inferred_from_a_depot_name_and_asked_for_when_unclear(demo: Path) -> None:
    code, board = _run("gate", "board", "Central Machine Yard")
    assert code == 0, board
    assert board.startswith("Central Machine Yard:")
    code, output = _run("maintenance", "due")
    assert code == 1
    assert '--operator (candidates: "Southline City Transport", "Kuban Fields' in output
    code, helped = _run("maintenance", "due", "--help")
    assert code == 0
    assert "needed when the database holds more than one operator" in " ".join(
        re.findall(r"[\w()'-]+", helped)
    )


def test_a_depot_name_two_operators_share_asks_which_operator(demo: Path) -> None:
    engine = make_engine(f"sqlite:///{demo}")
    with transaction(make_session_factory(engine)) as session:
        kuban = session.scalars(select(Operator).where(Operator.name == KUBAN[1])).one()
        session.add(
            Depot(
                operator_id=kuban.id,
                name="North Depot",
                timezone="Europe/Moscow",
                jurisdiction="RU",
                shift_starts=["06:00"],
            )
        )
    engine.dispose()
    code, output = _run("gate", "board", "North Depot")
    assert code == 1
    assert 'candidates: "Southline City Transport", "Kuban Fields Agroholding"' in output
    code, board = _run("gate", "board", "North Depot", *KUBAN)
    assert code == 0, board
    assert board.startswith("North Depot: shift ")


def test_board_prints_the_shift_in_the_depots_own_time_zone(demo: Path) -> None:
    engine = make_engine(f"sqlite:///{demo}")
    with transaction(make_session_factory(engine)) as session:
        depot = session.scalars(select(Depot).where(Depot.name == "North Depot")).one()
        zone, starts = depot.timezone, depot.shift_starts
    engine.dispose()
    code, board = _run("gate", "board", "North Depot")
    assert code == 0, board
    heading = re.match(r"North Depot: shift \S+ (\d\d:\d\d) to \S+ (\d\d:\d\d) (\S+) — ", board)
    assert heading is not None, board
    assert heading.group(3) == zone
    assert {heading.group(1), heading.group(2)} <= set(starts)
    assert "+00:00" not in board


def test_due_table_names_the_depot_and_gives_every_figure_its_unit(demo: Path) -> None:
    code, printed = _run("maintenance", "due", *SOUTHLINE)
    assert code == 0, printed
    table = _table(printed)
    for column in ("depot", "remaining (km)", "remaining (h)", "remaining (days)", "overdue by"):
        assert column in table[0]
    code, as_csv = _run("maintenance", "due", *SOUTHLINE, "--format", "csv")
    assert code == 0, as_csv
    records = list(csv.DictReader(io.StringIO(as_csv)))
    assert len(records) == len(table)
    units = {"km": "km", "hours": "h", "days": "days"}
    overdue = [
        (row, rec) for row, rec in zip(table, records, strict=True) if rec["status"] == "overdue"
    ]
    assert {rec["driver"] for _, rec in overdue} >= {"km", "days"}
    for row, record in overdue:
        assert row["plate"] == record["plate"]
        assert row["depot"] in ("North Depot", "Riverside Depot")
        figure, unit = row["overdue by"].split(" ")
        assert unit == units[record["driver"]]
        assert float(figure.replace(",", "")) == pytest.approx(float(record["overdue_by"]), abs=0.5)


def test_maintenance_due_plan_and_ontime_from_the_command_line(demo: Path) -> None:
    code, due = _run("maintenance", "due", *KUBAN, "--format", "csv")
    assert code == 0, due
    header, *rows = due.splitlines()
    assert header.startswith("vehicle_id,plate,depot_id,programme,task_id,task")
    assert any(",overdue," in row for row in rows)
    code, planned = _run(
        "maintenance", "plan", *KUBAN, "--depot", "Eastern Field Camp", "--days", "7"
    )
    assert code == 0, planned
    assert int(planned.split()[0]) > 0
    code, again = _run(
        "maintenance", "plan", *KUBAN, "--depot", "Eastern Field Camp", "--days", "7"
    )
    assert code == 0, again
    assert again.startswith("0 work orders planned")
    code, ontime = _run("maintenance", "ontime", *KUBAN, "--format", "json")
    assert code == 0, ontime
    assert '"overdue_open"' in ontime


def test_ontime_says_no_work_was_due_rather_than_a_zero_rate(demo: Path) -> None:
    code, output = _run(
        "users", "create", "--operator", "Newco", "--email", "fm@newco.test",
        "--role", "fleet_manager", "--create-operator",
    )  # fmt: skip
    assert code == 0, output
    code, output = _run("maintenance", "ontime", "--operator", "Newco")
    assert code == 0, output
    assert "no work was due" in output
    assert "0.0" not in output
    code, output = _run("maintenance", "ontime", *SOUTHLINE)
    assert code == 0, output
    overall = _table(output)[0]
    assert overall["depot"] == "all depots"
    done, on_time, late = (int(overall[k]) for k in ("done", "on time", "overdue open"))
    assert done + late > 0  # the demo has done work and overdue work
    judged = done + late  # overdue work not done counts against the month
    assert overall["on-time rate"] == f"{round(100 * on_time / judged)}% ({on_time} of {judged})"


def test_importing_the_command_line_loads_no_web_app_orm_or_solver() -> None:
    probe = (
        "import sys, tightnut.cli; "
        "print(' '.join(m for m in ('numpy', 'scipy', 'highspy', 'fastapi', 'uvicorn', "
        "'sqlalchemy', 'alembic', 'pydantic') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []
    tightnut = Path(sys.executable).with_name("tightnut")
    helped = subprocess.run([str(tightnut), "--help"], capture_output=True, text=True)
    assert helped.returncode == 0, helped.stderr
    for command in ("serve", "db", "gate", "maintenance", "network"):
        assert command in helped.stdout


def test_a_database_that_was_never_set_up_says_how_to_set_it_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    try:
        _use(monkeypatch, tmp_path / "missing" / "never.db")
        code, output = _run("gate", "board", "North Depot")
        assert code == 1
        assert "run `tightnut db upgrade` first" in output
        assert "Traceback" not in output
        _use(monkeypatch, tmp_path / "empty.db")
        code, output = _run("maintenance", "due")
        assert code == 1
        assert "has no schema; run `tightnut db upgrade` first" in output
    finally:
        get_settings.cache_clear()
