"""A real `tightnut serve` process on a free loopback port, and a fleet seeded for it to serve.

Tests that need the server as the operating system runs it (several worker processes, a
SIGKILL mid-load, a restart) start it from here; everything else uses the in-process client.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import Engine, make_url, text

from factories import inspection_body, make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Role
from tightnut.db import make_engine, make_session_factory, transaction
from tightnut.migrate import upgrade
from tightnut.rules import RuleCatalog

TIGHTNUT = Path(sys.executable).with_name("tightnut")
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """`tightnut serve` in a process group of its own, so one signal reaches every worker."""

    def __init__(self, database_url: str, *, log_path: Path, workers: int = 1) -> None:
        self.database_url = database_url
        self.log_path = log_path
        self.workers = workers
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the server and return once it answers HTTP."""
        env = {**os.environ, "TIGHTNUT_DATABASE_URL": self.database_url}
        command = [str(TIGHTNUT), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._wait_until_serving()

    def kill(self) -> None:
        """SIGKILL the server and its workers: no shutdown, no flush, no goodbye."""
        process = self._running()
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        """Ask the server to shut down (SIGTERM); kill it if it does not."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise RuntimeError("the server was never started")
        return self._process

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._running().poll() is not None:
                raise RuntimeError(f"tightnut serve exited:\n{self.log_tail()}")
            try:
                httpx.get(f"{self.url}/healthz", timeout=2.0)
            except httpx.TransportError:
                time.sleep(0.1)
                continue
            return
        self.kill()
        raise RuntimeError(f"tightnut serve did not answer in {START_TIMEOUT_S:g} s")

    def log_tail(self, lines: int = 40) -> str:
        """The last lines the server printed."""
        text_lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text_lines[-lines:])


@contextmanager
def serving(database_url: str, *, log_path: Path, workers: int = 1) -> Iterator[ServerProcess]:
    """A started server, stopped when the block ends (however it ends)."""
    server = ServerProcess(database_url, log_path=log_path, workers=workers)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def server_database_url(engine: Engine, folder: Path) -> str:
    """A fresh database of the test database's kind, which a server process may commit to.

    On PostgreSQL it is a sibling of the test database (``<name>_server``), recreated empty;
    the test database itself only ever holds rolled-back test transactions.
    """
    if engine.dialect.name != "postgresql":
        return f"sqlite:///{folder / 'server.db'}"
    url = engine.url.set(database=f"{engine.url.database}_server")
    recreate_postgres_database(url.render_as_string(hide_password=False))
    return url.render_as_string(hide_password=False)


def recreate_postgres_database(url: str) -> None:
    """Drop (even while connected to) and create the database ``url`` names."""
    parsed = make_url(url)
    admin = make_engine(parsed.set(database="postgres").render_as_string(hide_password=False))
    with admin.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


@dataclass(frozen=True)
class Fleet:
    """What a load needs: an inspector's headers, a depot and inspection bodies per vehicle."""

    headers: dict[str, str]
    depot_id: int
    vehicle_ids: tuple[int, ...]
    bodies: dict[int, dict[str, object]]


def seed_fleet(database_url: str, catalog: RuleCatalog, *, vehicles: int) -> Fleet:
    """Migrate ``database_url`` and commit an operator, an inspector and a depot of buses."""
    engine = make_engine(database_url)
    upgrade(engine)
    with transaction(make_session_factory(engine)) as session:
        operator = make_operator(session)
        login = make_login(session, operator, Role.INSPECTOR)
        depot = make_depot(session, operator)
        buses = [make_vehicle(session, depot) for _ in range(vehicles)]
        bodies = {bus.id: inspection_body(catalog, depot, bus) for bus in buses}
        fleet = Fleet(
            headers=login.headers,
            depot_id=depot.id,
            vehicle_ids=tuple(bus.id for bus in buses),
            bodies=bodies,
        )
    engine.dispose()
    return fleet
