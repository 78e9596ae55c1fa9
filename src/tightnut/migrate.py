"""Schema changes go through Alembic only; this module runs them."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic configuration pointing at the project's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database behind ``engine`` to ``revision``."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def head_revisions() -> frozenset[str]:
    """The revisions the code's migrations end at."""
    return frozenset(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())


def append_only_tables(connection: Connection) -> tuple[str, ...]:
    """The tables whose append-only triggers (see below) are in place for both UPDATE and DELETE."""
    if connection.dialect.name == "sqlite":
        query = (
            "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
            "AND name IN (tbl_name || '_no_update', tbl_name || '_no_delete') "
            "GROUP BY tbl_name HAVING count(*) = 2"
        )
    else:
        query = (
            "SELECT event_object_table FROM information_schema.triggers "
            "WHERE trigger_schema = current_schema() "
            "AND trigger_name = event_object_table || '_append_only' "
            "AND action_statement LIKE '%tightnut_append_only()' "
            "GROUP BY event_object_table HAVING count(DISTINCT event_manipulation) = 2"
        )
    return tuple(sorted(connection.execute(text(query)).scalars()))


def append_only_statements(
    dialect: str, tables: tuple[str, ...], *, drop: bool = False
) -> list[str]:
    """SQL that makes ``tables`` refuse UPDATE and DELETE (or, with ``drop``, undoes that).

    On PostgreSQL the trigger function ``tightnut_append_only()`` must exist (migration 0001).
    """
    if dialect == "sqlite":
        names = [(table, action) for table in tables for action in ("update", "delete")]
        if drop:
            return [f"DROP TRIGGER IF EXISTS {table}_no_{action}" for table, action in names]
        return [
            f"CREATE TRIGGER {table}_no_{action} BEFORE {action.upper()} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            for table, action in names
        ]
    if drop:
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in tables]
    return [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION tightnut_append_only()"
        for table in tables
    ]
