"""Auth test wiring: apps with their own settings over the test's transaction, and Redis."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tightnut.app import create_app
from tightnut.auth.throttle import connect_redis
from tightnut.config import Settings
from tightnut.rules import RuleCatalog

REDIS_URL_ENV = "TIGHTNUT_TEST_REDIS_URL"
ClientMaker = Callable[..., TestClient]


@pytest.fixture
def make_client(
    session_factory: sessionmaker[Session], catalog: RuleCatalog
) -> Iterator[ClientMaker]:
    """Apps over the test's transaction with settings of the test's choosing, closed after it.

    Two clients from here are two worker processes: they share only the database (and Redis).
    """
    clients: list[TestClient] = []

    def make(base_url: str = "http://testserver", **settings: object) -> TestClient:
        app = create_app(
            Settings(database_url="sqlite://", **settings),  # type: ignore[arg-type]
            session_factory=session_factory,
            catalog=catalog,
        )
        client = TestClient(app, base_url=base_url)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def redis_settings() -> Iterator[dict[str, object]]:
    """Settings pointing at the test Redis under a key prefix of this test's own."""
    from redis import RedisError

    url = os.environ.get(REDIS_URL_ENV, "redis://127.0.0.1:6379/0")
    client = connect_redis(url)
    try:
        client.ping()
    except RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {url} is not reachable ({exc}); CI needs it")
        pytest.skip(f"Redis at {url} is not reachable: {exc}")
    prefix = f"tightnut-test-{uuid.uuid4().hex}:"
    yield {"redis_url": url, "redis_prefix": prefix}
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)
    client.close()


@pytest.fixture
def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
