"""Test wiring: a migrated database (SQLite or PostgreSQL), one rolled-back transaction per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from tightnut.app import create_app
from tightnut.config import Settings
from tightnut.db import make_engine
from tightnut.migrate import upgrade
from tightnut.rules import RuleCatalog, load_catalog

DATABASE_URL_ENV = "TIGHTNUT_TEST_DATABASE_URL"
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _fresh_postgres(url: str) -> Engine:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    except OperationalError as exc:
        pytest.exit(f"PostgreSQL at {engine.url.host}:{engine.url.port} is not reachable: {exc}", 3)
    return engine


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The test database, migrated to head through Alembic."""
    url = os.environ.get(DATABASE_URL_ENV)
    if url and url.startswith("postgresql"):
        engine = _fresh_postgres(url)
    else:
        path = Path(tmp_path_factory.mktemp("db")) / "test.db"
        engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions whose commits only release savepoints of the test's transaction."""
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for arranging and checking the test's data."""
    with session_factory() as session:
        yield session


@pytest.fixture(scope="session")
def catalog() -> RuleCatalog:
    """The shipped rule packs."""
    return load_catalog()


@pytest.fixture
def client(session_factory: sessionmaker[Session], catalog: RuleCatalog) -> Iterator[TestClient]:
    """The app over the test's transaction."""
    settings = Settings(database_url="sqlite://")
    app = create_app(settings, session_factory=session_factory, catalog=catalog)
    with TestClient(app) as test_client:
        yield test_client


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that touch the database carry the ``db`` mark, so the PostgreSQL pass selects them."""
    for item in items:
        if "engine" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, one for the whole run (Playwright allows one per thread)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is not installed: run `make browser`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()
