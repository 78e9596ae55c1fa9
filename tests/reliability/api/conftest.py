"""Reliability wiring: one app over the test database, two operators seeded once per test module.

The seed runs inside a transaction that is rolled back when the module ends, so no other
test waits on its write lock (a directory without ``__init__.py`` is no package: a package
scope would last the whole session). Each test runs inside a savepoint of it, rolled back
after the test, so no test sees another's writes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from reliability.api.seed import World, seed_world
from reliability.api.target import APP, CATALOG


@pytest.fixture(scope="module")
def seeded_connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that holds the seed and is rolled back at the end."""
    with engine.connect() as connection:
        outer = connection.begin()
        APP.state.session_factory = sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        yield connection
        outer.rollback()


@pytest.fixture(scope="module")
def world(seeded_connection: Connection) -> World:
    """Two operators with every kind of record, seeded through the API."""
    factory: sessionmaker[Session] = APP.state.session_factory
    with TestClient(APP) as client, factory() as session:
        return seed_world(client, session, CATALOG)


@pytest.fixture
def fresh(seeded_connection: Connection, world: World) -> Iterator[World]:
    """The seeded world; what the test writes is rolled back after it."""
    savepoint = seeded_connection.begin_nested()
    yield world
    savepoint.rollback()


@pytest.fixture
def api(fresh: World) -> Iterator[TestClient]:
    """A client of the app over the seeded database (server errors answer 500, not raise)."""
    with TestClient(APP, raise_server_exceptions=False) as client:
        yield client
