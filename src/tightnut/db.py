"""Database wiring: engines, sessions, the declarative base and the UTC time column."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

READ_ONLY = "tightnut_read_only"
"""Execution option of a transaction that only reads: SQLite may begin it deferred."""

POOL_SIZE = 16
"""Connections each worker process keeps open: more than its cores can keep busy."""
POOL_OVERFLOW = 4
"""Extra connections at a peak; they close on return, so few, or every peak request reconnects."""

WRITER_WAIT_S = 30.0
"""How long a SQLite writer waits for its turn (the busy timeout waits as long again)."""
_writer_turns: WeakKeyDictionary[Engine, threading.Lock] = WeakKeyDictionary()


class Base(DeclarativeBase):
    """Base of every ORM model."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Tightnut stores aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The server's clock, which is authoritative."""
    return datetime.now(UTC)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and real transactions."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            **_pool_args(url),
        )
        _tune_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, **_pool_args(url))


def _pool_args(url: str) -> dict[str, int]:
    # An in-memory SQLite database lives in one connection; there is no pool to size.
    if url.startswith("sqlite") and (url == "sqlite://" or ":memory:" in url):
        return {}
    return {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}


def make_null_pool_engine(url: str) -> Engine:
    """An engine that keeps no connections open (migrations, one-off commands)."""
    engine = create_engine(url, poolclass=NullPool)
    if url.startswith("sqlite"):
        _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    _writer_turns[engine] = threading.Lock()

    # pysqlite opens transactions lazily and breaks SAVEPOINT; take control of BEGIN ourselves.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    # A deferred transaction that reads and then writes cannot wait for the write lock: SQLite
    # answers "database is locked" at once, whatever busy_timeout says. So a transaction takes
    # the write lock up front (and waits its turn) unless it declared that it only reads.
    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session], *, read_only: bool = False) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error.

    A ``read_only`` unit begins deferred on SQLite, so readers do not queue behind writers.
    """
    session = factory(execution_options={READ_ONLY: True}) if read_only else factory()
    with _writer_turn(factory, read_only=read_only):
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


@contextmanager
def _writer_turn(factory: sessionmaker[Session], *, read_only: bool) -> Iterator[None]:
    # SQLite's busy handler sleeps in growing steps (up to 100 ms) and nobody wakes it when the
    # lock frees, so a crowd of waiting writers leaves the lock idle most of the time. Writers of
    # one process therefore queue on a lock that hands over at once; only one waits in SQLite.
    # A plain Lock, not an RLock: a request enters and leaves its transaction on different threads.
    bind = factory.kw.get("bind")
    turn = _writer_turns.get(bind) if isinstance(bind, Engine) and not read_only else None
    taken = turn is not None and turn.acquire(timeout=WRITER_WAIT_S)
    try:
        yield
    finally:
        if taken and turn is not None:
            turn.release()
