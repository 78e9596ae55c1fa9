"""A fresh, migrated database for a benchmark: a SQLite file or a PostgreSQL database of its own."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from tightnut.db import make_engine
from tightnut.migrate import upgrade

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def fresh_engine(backend: str, folder: Path, name: str) -> Engine:
    """An empty database called ``name`` on ``backend``, migrated to the latest schema."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{folder / name}.db")
    else:
        admin = make_engine(f"{PG_SERVER}/postgres").execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        engine = make_engine(f"{PG_SERVER}/{name}")
    upgrade(engine)
    return engine
