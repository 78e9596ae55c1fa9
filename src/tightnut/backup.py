"""Backups of the whole database, and restoring one into an empty database.

SQLite: the online backup API copies a consistent snapshot while the service keeps writing;
the copy is one self-contained file (rollback journal, no -wal beside it), checked with
``PRAGMA quick_check`` before it takes the backup's name.
PostgreSQL: ``pg_dump --format=custom`` inside an exported snapshot, so the rows counted for
the report are exactly the rows dumped; ``pg_restore --single-transaction`` puts it back, so a
failed restore leaves the database as it was. Schema, rows, the append-only triggers and
their function all travel in the backup.

A restore goes into an empty database: no tables, or Tightnut's schema without a single row
(as ``tightnut db upgrade`` leaves it). A database with records is refused unless forced,
because the restore replaces all of them. A backup restores into the kind of database it was
taken from.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL, Connection, create_engine, func, inspect, make_url, select, table, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from tightnut.errors import Conflict, Invalid, TightnutError
from tightnut.migrate import append_only_tables

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
_KINDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class BackupFailed(TightnutError):
    """A backup or restore tool failed; the message carries what it said."""

    status_code = 500
    code = "backup_failed"


@dataclass(frozen=True)
class Census:
    """What a database holds: its schema revision, rows per table and append-only tables."""

    revision: str | None
    rows: dict[str, int]
    append_only: tuple[str, ...]

    @property
    def total_rows(self) -> int:
        """Rows in every table but Alembic's own."""
        return sum(self.rows.values())


@dataclass(frozen=True)
class Report:
    """A backup file and what the database held when it was written or restored."""

    path: Path
    kind: str
    size_bytes: int
    census: Census


def census(connection: Connection) -> Census:
    """Count the rows of every table and read the schema revision and the append-only triggers."""
    names = sorted(inspect(connection).get_table_names())
    revision = None
    if "alembic_version" in names:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    rows = {
        name: int(connection.execute(select(func.count()).select_from(table(name))).scalar_one())
        for name in names
        if name != "alembic_version"
    }
    return Census(revision, rows, append_only_tables(connection))


def backup(url: str, target: Path, *, replace: bool) -> Report:
    """Back up the database at ``url`` into ``target``; an existing file only with ``replace``."""
    if target.exists() and not replace:
        raise Conflict(f"{target} exists; choose another name or pass --force", field="FILE")
    if target.is_dir():
        raise Invalid(f"{target} is a folder; give a file name", field="FILE")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    parsed = make_url(url)
    try:
        found = (
            _sqlite_backup(parsed, partial) if _is_sqlite(parsed) else _pg_backup(parsed, partial)
        )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return Report(target, _kind(parsed), target.stat().st_size, found)


def restore(url: str, source: Path, *, force: bool) -> Report:
    """Restore the backup ``source`` into the database at ``url``, empty unless ``force``."""
    parsed = make_url(url)
    _check_kind(source, parsed)
    if _is_sqlite(parsed):
        _sqlite_path(parsed).parent.mkdir(parents=True, exist_ok=True)
    with _connection(parsed) as connection:
        _check_empty(census(connection), force=force)
    if _is_sqlite(parsed):
        _sqlite_restore(source, _sqlite_path(parsed))
    else:
        _pg_restore(parsed, source)
    with _connection(parsed) as connection:
        found = census(connection)
    return Report(source, _kind(parsed), source.stat().st_size, found)


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _kind(url: URL) -> str:
    return _KINDS.get(url.get_backend_name(), url.get_backend_name())


@contextmanager
def _connection(url: URL) -> Iterator[Connection]:
    """A plain connection that leaves the file as it is (no WAL switch, no pool)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    except OperationalError as error:
        raise BackupFailed(f"cannot use the database: {error.orig}") from error
    finally:
        engine.dispose()


def _check_kind(source: Path, url: URL) -> None:
    """Refuse a file that is not a backup of the configured kind of database."""
    with source.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        found = "sqlite"
    elif head.startswith(PG_DUMP_MAGIC):
        found = "postgresql"
    else:
        raise Invalid(
            f"{source} is neither a SQLite backup nor a pg_dump custom-format archive",
            field="FILE",
        )
    if found != url.get_backend_name():
        raise Invalid(
            f"{source} is a {_KINDS[found]} backup but the database is {_kind(url)}; "
            "restore it into the kind of database it was taken from",
            field="FILE",
        )


def _check_empty(found: Census, *, force: bool) -> None:
    """Refuse to restore over records unless forced, naming what would be replaced."""
    if force or found.total_rows == 0:
        return
    filled = sorted(((n, c) for n, c in found.rows.items() if c), key=lambda item: -item[1])
    listed = ", ".join(f"{name} {count:,}" for name, count in filled[:4])
    more = ", …" if len(filled) > 4 else ""
    raise Conflict(
        f"the database already holds {found.total_rows:,} records ({listed}{more}); a restore "
        "replaces all of them: restore into an empty database, or pass --force",
        field="--force",
    )


def _sqlite_path(url: URL) -> Path:
    if url.database in (None, "", ":memory:"):
        raise Invalid("an in-memory SQLite database has nothing to back up", field="database_url")
    return Path(url.database)


def _sqlite_backup(url: URL, partial: Path) -> Census:
    """Copy the live database page by page into ``partial`` and check the copy."""
    path = _sqlite_path(url)
    if not path.is_file():
        raise Invalid(f"no SQLite database at {path}", field="database_url")
    partial.unlink(missing_ok=True)
    with closing(sqlite3.connect(path)) as live, closing(sqlite3.connect(partial)) as copy:
        live.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
    if verdict != "ok":
        raise BackupFailed(f"the copy of {path} failed its integrity check: {verdict}")
    with _connection(URL.create("sqlite", database=str(partial))) as connection:
        return census(connection)


def _sqlite_restore(source: Path, path: Path) -> None:
    """Replace every page of the database at ``path`` with the backup's."""
    with closing(sqlite3.connect(source)) as saved, closing(sqlite3.connect(path)) as live:
        if saved.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise Invalid(f"{source} is damaged (it fails SQLite's integrity check)", field="FILE")
        saved.backup(live)


def _pg_backup(url: URL, partial: Path) -> Census:
    """Dump the database in custom format from a snapshot whose rows are also counted."""
    engine = create_engine(url, poolclass=NullPool, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as connection, connection.begin():
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            found = census(connection)
            _run_pg_tool(
                "pg_dump", url, ["--format=custom", f"--snapshot={snapshot}", f"--file={partial}"]
            )
    finally:
        engine.dispose()
    return found


def _pg_restore(url: URL, source: Path) -> None:
    """Put the dump back in one transaction, first dropping whatever of it already exists."""
    options = ["--single-transaction", "--exit-on-error", "--clean", "--if-exists"]
    _run_pg_tool("pg_restore", url, [*options, "--no-owner", "--no-privileges", str(source)])


def _run_pg_tool(tool: str, url: URL, arguments: list[str]) -> None:
    """Run pg_dump or pg_restore against ``url``; the password travels in the environment."""
    program = shutil.which(tool)
    if program is None:
        raise BackupFailed(
            f"{tool} is not on PATH: install the PostgreSQL client tools "
            "(the same major version as the server, or newer)"
        )
    libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = {**os.environ, **({"PGPASSWORD": str(url.password)} if url.password else {})}
    done = subprocess.run(
        [program, *arguments, f"--dbname={libpq}"], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()[-3:]
        raise BackupFailed(f"{tool} failed (exit {done.returncode}): " + " / ".join(said))
