"""`tightnut db backup` and `db restore` on the test database's kind (SQLite, or PostgreSQL).

The databases here are siblings of the test database (``<name>_backup``, ``<name>_restore``
on PostgreSQL, files on SQLite), because a backup only sees committed rows and the test
database itself only ever holds rolled-back test transactions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, make_url, select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from tightnut.cli import app
from tightnut.config import get_settings
from tightnut.db import make_engine

runner = CliRunner()
EVIDENCE = ("inspections", "release_decisions", "defects", "defect_events")
APPEND_ONLY = (
    "defect_events",
    "inspections",
    "photos",
    "release_decisions",
    "task_completions",
    "vehicle_events",
)


@dataclass(frozen=True)
class Saved:
    """A database with records, and a backup of it."""

    url: str
    file: Path


def _run(monkeypatch: pytest.MonkeyPatch, url: str, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("TIGHTNUT_DATABASE_URL", url)
    get_settings.cache_clear()
    result = runner.invoke(app, list(args))
    get_settings.cache_clear()
    return result.exit_code, result.output


def _fresh(engine: Engine, folder: Path, name: str) -> str:
    """An empty database (no tables) of the test database's kind."""
    if engine.dialect.name == "sqlite":
        return f"sqlite:///{folder / f'{name}.db'}"
    url = engine.url.set(database=f"{engine.url.database}_{name}")
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    with admin.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    return url.render_as_string(hide_password=False)


def _rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in primary-key order."""
    engine = make_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        found = {
            name: [tuple(row) for row in conn.execute(select(t).order_by(*t.primary_key))]
            for name, t in metadata.tables.items()
        }
    engine.dispose()
    return found


@pytest.fixture(scope="module")
def saved(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Saved:
    """The demo (inspections, releases and refusals, defects with events) and its backup."""
    folder = tmp_path_factory.mktemp("backup")
    url = _fresh(engine, folder, "backup")
    file = folder / "tightnut.backup"
    with pytest.MonkeyPatch.context() as monkeypatch:
        for args in (("db", "upgrade"), ("demo", "load"), ("db", "backup", str(file))):
            code, output = _run(monkeypatch, url, *args)
            assert code == 0, output
    return Saved(url, file)


def test_a_backup_restores_into_an_empty_database_with_every_record_and_trigger(
    saved: Saved, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = _rows(saved.url)
    assert all(original[name] for name in EVIDENCE)
    target = _fresh(engine, tmp_path, "restore")
    code, output = _run(monkeypatch, target, "db", "restore", str(saved.file))
    assert code == 0, output
    records = sum(len(rows) for name, rows in original.items() if name != "alembic_version")
    assert f"{records:,} records" in output
    restored = _rows(target)
    assert restored == original
    restored_engine = make_engine(target)
    with restored_engine.connect() as conn:
        kinds = set(conn.scalars(text("SELECT DISTINCT released FROM release_decisions")))
    assert kinds == {True, False}  # releases and refusals both came back
    for table in ("inspections", "defect_events"):
        for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
            with pytest.raises(DBAPIError, match="append-only"), restored_engine.begin() as conn:
                conn.execute(text(statement))
    restored_engine.dispose()
    assert _rows(target)["inspections"] == original["inspections"]


def test_a_restore_takes_a_migrated_database_without_records(
    saved: Saved, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = _fresh(engine, tmp_path, "restore")
    assert _run(monkeypatch, target, "db", "upgrade")[0] == 0
    code, output = _run(monkeypatch, target, "db", "restore", str(saved.file))
    assert code == 0, output
    assert "append-only: " + ", ".join(APPEND_ONLY) in output
    assert _rows(target)["defect_events"] == _rows(saved.url)["defect_events"]


def test_a_restore_over_records_is_refused_with_the_reason_unless_forced(
    saved: Saved, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = _fresh(engine, tmp_path, "restore")
    user = ("--operator", "Other", "--email", "a@other.test", "--role", "admin")
    for args in (("db", "upgrade"), ("users", "create", *user, "--create-operator")):
        code, output = _run(monkeypatch, target, *args)
        assert code == 0, output
    before = _rows(target)
    code, output = _run(monkeypatch, target, "db", "restore", str(saved.file))
    assert code == 1
    assert "[--force]" in output
    assert "already holds" in output
    assert "operators 1" in output
    assert _rows(target) == before
    code, output = _run(monkeypatch, target, "db", "restore", "--force", str(saved.file))
    assert code == 0, output
    assert _rows(target) == _rows(saved.url)


def test_backup_does_not_overwrite_a_file_unless_forced(
    saved: Saved, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "kept.backup"
    file.write_bytes(b"precious")
    code, output = _run(monkeypatch, saved.url, "db", "backup", str(file))
    assert code == 1
    assert "[FILE]" in output
    assert "exists" in output
    assert file.read_bytes() == b"precious"
    code, output = _run(monkeypatch, saved.url, "db", "backup", "--force", str(file))
    assert code == 0, output
    assert f"backup written to {file.resolve()}" in output
    assert file.read_bytes()[:5] in (b"SQLit", b"PGDMP")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.backup"]


def test_restore_refuses_a_file_that_is_no_backup_and_changes_nothing(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = _fresh(engine, tmp_path, "restore")
    assert _run(monkeypatch, target, "db", "upgrade")[0] == 0
    before = _rows(target)
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup\n", encoding="utf-8")
    code, output = _run(monkeypatch, target, "db", "restore", str(junk))
    assert code == 1
    assert "[FILE]" in output
    assert "neither a SQLite backup nor a pg_dump" in output
    assert _rows(target) == before
    assert make_url(target).get_backend_name() == engine.dialect.name
