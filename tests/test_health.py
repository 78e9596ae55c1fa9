"""Probes a deployment asks: is the process up, and can it serve (database reachable, migrated)."""

from __future__ import annotations

import socket
from pathlib import Path

from fastapi.testclient import TestClient

from tightnut.app import create_app
from tightnut.config import Settings
from tightnut.db import make_engine
from tightnut.health import head_revisions
from tightnut.migrate import upgrade


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _probe(database_url: str, path: str) -> tuple[int, dict[str, object]]:
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        answer = client.get(path)
    return answer.status_code, answer.json()


def test_migrated_database_is_ready(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "reason": None}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"


def test_probes_sit_outside_the_api_and_need_no_credentials(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/healthz").status_code == 404
    assert client.get("/api/v1/readyz").status_code == 404


def test_unreachable_database_is_not_ready_but_the_process_is_up() -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/tightnut"
    assert _probe(url, "/healthz") == (200, {"status": "ok", "reason": None})
    status, body = _probe(url, "/readyz")
    assert status == 503
    assert body == {"status": "unavailable", "reason": "the database is unreachable"}


def test_database_without_schema_is_not_ready(tmp_path: Path) -> None:
    status, body = _probe(f"sqlite:///{tmp_path / 'empty.db'}", "/readyz")
    assert status == 503
    assert body["reason"] == "the database has no schema: run `tightnut db upgrade`"


def test_database_behind_the_migrations_is_not_ready(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0003")
    engine.dispose()
    status, body = _probe(url, "/readyz")
    assert status == 503
    head = ", ".join(sorted(head_revisions()))
    assert (
        body["reason"] == f"the schema is at 0003, the code needs {head}: run `tightnut db upgrade`"
    )
    upgrade(make_engine(url))
    assert _probe(url, "/readyz") == (200, {"status": "ok", "reason": None})
