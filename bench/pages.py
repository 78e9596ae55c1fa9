"""Page benchmark: the server time of every main page on the demo data, and a 2,000-bus board.

The app runs in this process (its ASGI callable behind Starlette's TestClient); the time taken
is the app's own, from the request entering the ASGI app to the last byte of the answer —
middleware, database, template and all, without the client's share. Each page is requested
as the role that works on it, signed in through the login form, after a few warm-up
requests; the table shows the median and p95 of the rest. Targets: every main page ≤ 200 ms
on the demo data, the board of a 2,000-vehicle depot ≤ 300 ms (docs/pages.md). Speed is
measured here, not asserted: the script fails only when a page errors (5xx).

The baseline, measured in the same run, is the sign-in page: the same middleware and the
same layout rendered, but no database and no page content, so the ratio is what a page's
own queries and content cost. ``/healthz`` is shown too, as the framework's floor.

A page another part of the app has not built yet (404 for its route) is reported as
missing, not failed.

SQLite by default (a temporary file); ``--database-url`` runs on PostgreSQL instead, in a
database the script drops and creates afresh (its name must say bench or test). ``--quick``
sends a few requests over a 200-vehicle depot, to prove the script runs.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from starlette.types import ASGIApp, Receive, Scope, Send

from gate_board import _populate as populate_bench_depot
from tightnut.app import create_app
from tightnut.auth import service as auth
from tightnut.auth.models import Role
from tightnut.config import Settings
from tightnut.db import make_engine, make_session_factory, transaction
from tightnut.demo.loader import DEMO_PASSWORD, load_demo
from tightnut.demo.tour import MAIN_PAGES, addresses, demo_email
from tightnut.fleet.meters import limits_of
from tightnut.migrate import upgrade
from tightnut.rules import load_catalog

PAGE_TARGET_MS = 200.0
BIG_BOARD_TARGET_MS = 300.0
BENCH_DISPATCHER = "bench.dispatcher@example.test"
ORIGIN = "http://testserver"


@dataclass(frozen=True)
class PageCase:
    """One page to time: its address (``{depot}`` etc. filled in), who asks, its target."""

    path: str
    role: Role | None
    target_ms: float = PAGE_TARGET_MS


PAGES = (
    *(PageCase(page.path, page.role) for page in MAIN_PAGES if page.role is not None),
    PageCase("/depots/{depot}/board/rows", Role.DISPATCHER),  # what the board polls
)
BASELINE = PageCase("/login", None)
FLOOR = PageCase("/healthz", None)


@dataclass(frozen=True)
class Result:
    """What one page answered and how long the app took, in ms."""

    name: str
    status: int
    times_ms: list[float]
    target_ms: float | None

    @property
    def median(self) -> float:
        """The median server time."""
        return statistics.median(self.times_ms) if self.times_ms else float("nan")

    @property
    def p95(self) -> float:
        """The 95th percentile of the server time."""
        ordered = sorted(self.times_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def verdict(self) -> str:
        """ok, over target, missing (not built yet), or the status the page answered."""
        if self.status == 404:
            return "missing"
        if self.status >= 500:
            return f"ERROR {self.status}"
        if self.status != 200:
            return f"answered {self.status}"
        if self.target_ms is not None and self.median > self.target_ms:
            return "over target"
        return "ok"


class Timed:
    """The app wrapped so each request's time inside it is kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.last_ms = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on and note how long the app took to answer it."""
        start = time.perf_counter()
        await self.app(scope, receive, send)
        if scope["type"] == "http":
            self.last_ms = (time.perf_counter() - start) * 1000


@contextmanager
def _database(url: str | None, folder: Path) -> Iterator[str]:
    if url is None:
        yield f"sqlite:///{folder / 'bench_pages.db'}"
        return
    name = make_url(url).database or ""
    if not re.search(r"bench|test", name):
        raise SystemExit(f"refusing to drop database {name!r}: its name must say bench or test")
    admin = make_engine(make_url(url).set(database="postgres").render_as_string(False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield url


def _load(url: str, vehicles: int, inspections: int) -> dict[str, str]:
    """The demo data plus a big depot; the values to fill the page addresses with."""
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    catalog = load_catalog()
    with transaction(factory) as session:
        # The big depot first: its generator gives its buses every programme task it finds.
        actor, big_depot = populate_bench_depot(session, catalog, vehicles, inspections)
        load_demo(session, catalog=catalog, limits=limits_of(Settings()))
        auth.create_user(
            session,
            operator_id=actor.operator_id,
            email=BENCH_DISPATCHER,
            full_name="Bench dispatcher",
            role=Role.DISPATCHER,
            password=DEMO_PASSWORD,
        )
        ids = addresses(session)
    if url.startswith("postgresql"):
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    engine.dispose()
    return {**ids, "big_depot": str(big_depot)}


def _signed_in(client: TestClient, email: str) -> None:
    client.get("/login")
    form = {
        "email": email,
        "password": DEMO_PASSWORD,
        "csrf_token": client.cookies["tightnut_csrf"],
    }
    answer = client.post("/login", data=form, headers={"Origin": ORIGIN})
    if answer.status_code != 303:
        raise SystemExit(f"could not sign in as {email}: {answer.status_code}")


def _time(
    client: TestClient, timed: Timed, name: str, path: str, target: float | None, n: int
) -> Result:
    status = 0
    for _ in range(max(2, n // 5)):  # warm-up: statement caches, templates, the catalogue
        status = client.get(path).status_code
    if status != 200:
        return Result(name, status, [], target)
    found = []
    for _ in range(n):
        status = max(status, client.get(path).status_code)
        found.append(timed.last_ms)
    return Result(name, status, found, target)


def run(url: str, *, vehicles: int, inspections: int, requests: int) -> list[Result]:
    """Load the data, then time every page; the results in the order printed."""
    started = time.perf_counter()
    ids = _load(url, vehicles, inspections)
    print(f"  loaded in {time.perf_counter() - started:.1f} s")
    timed = Timed(create_app(Settings(database_url=url, secure_cookies=False)))
    clients: dict[str, TestClient] = {}

    def client_for(email: str | None) -> TestClient:
        key = email or ""
        if key not in clients:
            clients[key] = TestClient(
                timed, base_url=ORIGIN, follow_redirects=False, raise_server_exceptions=False
            ).__enter__()
            if email:
                _signed_in(clients[key], email)
        return clients[key]

    results = []
    try:
        for case in (FLOOR, BASELINE):
            results.append(_time(client_for(None), timed, case.path, case.path, None, requests))
        for case in PAGES:
            email = demo_email(case.role) if case.role else None
            path = case.path.format(**ids)
            results.append(
                _time(client_for(email), timed, case.path, path, case.target_ms, requests)
            )
        big = f"/depots/{ids['big_depot']}/board"
        name = f"board of {vehicles} buses"
        results.append(
            _time(client_for(BENCH_DISPATCHER), timed, name, big, BIG_BOARD_TARGET_MS, requests)
        )
    finally:
        for client in clients.values():
            client.__exit__(None, None, None)
    return results


def report(backend: str, results: list[Result]) -> None:
    """Print the table: page, median, p95, target, ratio to the sign-in page."""
    baseline = next(r for r in results if r.name == BASELINE.path).median
    print(f"\n{backend}: server time per page (baseline: the sign-in page, {baseline:.1f} ms)")
    head = f"{'median ms':>10} {'p95 ms':>8} {'target':>8} {'× baseline':>11}"
    print(f"  {'page':<32} {head}  verdict")
    for r in results:
        target = f"≤ {r.target_ms:.0f}" if r.target_ms is not None else "—"
        if r.times_ms:
            figures = f"{r.median:10.1f} {r.p95:8.1f} {target:>8} {r.median / baseline:10.1f}×"
        else:
            figures = f"{'—':>10} {'—':>8} {target:>8} {'—':>11}"
        print(f"  {r.name:<32} {figures}  {r.verdict}")
    measured = [r for r in results if r.times_ms and r.target_ms is not None]
    within = sum(r.median <= (r.target_ms or 0) for r in measured)
    missing = sum(r.status == 404 for r in results)
    print(f"  within target: {within} of {len(measured)} measured; missing: {missing}")


def main() -> None:
    """Parse arguments, run on the chosen database, exit 1 if any page answered 5xx."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="few requests, a small depot")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL database to drop and fill, e.g. "
        "postgresql+psycopg://postgres@127.0.0.1:5432/tightnut_bench_pages",
    )
    parser.add_argument("--vehicles", type=int, default=2_000)
    parser.add_argument("--inspections", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    if args.quick:
        args.vehicles, args.inspections, args.requests = 200, 2_000, 3
    backend = "postgresql" if args.database_url else "sqlite"
    print(f"{backend}: loading the demo data and a {args.vehicles}-bus depot")
    with tempfile.TemporaryDirectory() as folder, _database(args.database_url, Path(folder)) as url:
        results = run(
            url, vehicles=args.vehicles, inspections=args.inspections, requests=args.requests
        )
    report(backend, results)
    if any(r.status >= 500 for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
