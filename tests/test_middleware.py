"""The HTTP layer as a real `tightnut serve` process sees it, over one keep-alive connection."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
from sqlalchemy import func, select

from reliability.serverproc import seed_fleet, serving
from tightnut.db import make_engine
from tightnut.fleet.models import Vehicle
from tightnut.rules import RuleCatalog

LIMIT_BYTES = 1024 * 1024


class Connection:
    """One httpx client that notes which connection (its local address) carried each answer."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.carriers: list[object] = []

    def send(self, method: str, path: str, **options: object) -> httpx.Response:
        """Send one request; remember the local end of the connection it went over."""
        answer = self.client.request(method, path, **options)  # type: ignore[arg-type]
        self.carriers.append(answer.extensions["network_stream"].get_extra_info("client_addr"))
        return answer

    def one_connection(self) -> bool:
        """Whether every answer came over the same connection."""
        return len(set(self.carriers)) == 1 and len(self.carriers) > 1


def test_keep_alive_connection_serves_the_next_request_after_a_500(tmp_path: Path) -> None:
    # A database that was never migrated: every query fails inside the server.
    url = f"sqlite:///{tmp_path / 'unmigrated.db'}"
    with (
        serving(url, log_path=tmp_path / "server.log") as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        connection = Connection(client)
        failed = connection.send("GET", "/api/v1/me", headers={"Authorization": "Bearer tn_x"})
        after = connection.send("GET", "/healthz")
        page = connection.send("GET", "/", headers={"Cookie": "tightnut_session=tn_x"})
        last = connection.send("GET", "/readyz")
        log = server.log_tail(200)
    assert failed.status_code == 500
    error = failed.json()["error"]
    assert error["code"] == "internal"
    assert error["message"].startswith("internal error; it has been logged as ")
    assert after.status_code == 200
    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    assert last.status_code == 503
    assert connection.one_connection()
    assert all(a.headers.get("connection") != "close" for a in (failed, page))
    for answer in (failed, page):
        assert "Traceback" not in answer.text
        assert "no such table" not in answer.text
        assert "server" not in answer.headers
    assert "no such table: api_tokens" in log


def _chunks(total_bytes: int) -> Iterator[bytes]:
    yield b'{"plate": "'
    for _ in range(total_bytes // 65536):
        yield b"x" * 65536
    yield b'"}'


def test_bodies_over_the_limit_get_413_chunked_or_declared(
    tmp_path: Path, catalog: RuleCatalog
) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    fleet = seed_fleet(url, catalog, vehicles=1)
    json_headers = {**fleet.headers, "Content-Type": "application/json"}
    with (
        serving(url, log_path=tmp_path / "server.log") as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        connection = Connection(client)
        chunked = connection.send(
            "POST", "/api/v1/vehicles", content=_chunks(LIMIT_BYTES + 65536), headers=json_headers
        )
        declared = connection.send(
            "POST", "/api/v1/vehicles", content=b"x" * (2 * LIMIT_BYTES), headers=json_headers
        )
        csv = connection.send("POST", "/api/v1/vehicles/import", content=_chunks(2 * LIMIT_BYTES))
        after = connection.send("GET", "/healthz")
    assert chunked.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in chunked.request.headers
    for answer in (chunked, declared, csv):
        assert answer.status_code == 413
        assert answer.json()["error"]["code"] == "too_large"
        assert answer.json()["error"]["field"] == "body"
    assert after.status_code == 200
    assert connection.one_connection()
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Vehicle)) == 1
    engine.dispose()
