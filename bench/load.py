"""Load benchmark: `tightnut serve --workers N` as a real process, driven over loopback.

A national operator's morning rush: 20 depots of 80 buses each (the shipped maintenance
programme recorded for every bus, so each board decision includes the maintenance check).
Half the clients submit pre-shift inspections (each with an Idempotency-Key, every item
passing, a random bus); the other half read the board of a random depot. Each client sends
one request at a time, as a tablet does. For each database (SQLite and PostgreSQL) and each
worker count it prints inspections/s and board reads/s with p50/p99 latency and the errors
(any answer other than 2xx, or no answer). Targets: 0 errors on both databases; on PostgreSQL
with 2 workers ≥ 300 inspections/s with p99 ≤ 100 ms; the 80-bus board ≤ 30 ms p50.

The baseline, measured in the same run on each database, is one writer and one reader against
one worker: the figures under load are printed as ratios to it, and 2 workers to 1 worker.

`--quick` (4 clients, 3 s per run) proves the script runs. The client shares the machine's
cores with the server: on 2 cores it takes a noticeable share of one (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import insert, make_url, select, text
from sqlalchemy.orm import Session

from benchserver import Server
from tightnut.auth import service as auth
from tightnut.auth.models import Role
from tightnut.db import make_engine, make_session_factory, transaction, utcnow
from tightnut.demo.checks import results_for
from tightnut.fleet.models import Depot, Vehicle
from tightnut.maintenance.models import ProgrammeTask, TaskState
from tightnut.maintenance.programmes import import_shipped
from tightnut.migrate import upgrade
from tightnut.rules import load_catalog

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/tightnut_bench"
DEPOTS = 20
BUSES_PER_DEPOT = 80
ENGINES = ("diesel", "cng", "electric")


@dataclass(frozen=True)
class Fleet:
    """What the clients need: a token, the depots and an inspection body per bus."""

    headers: dict[str, str]
    depot_ids: list[int]
    bodies: list[dict[str, object]]


@dataclass
class Tally:
    """Latencies of the answered requests of one kind, and the errors."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        """Count one error of kind ``what``."""
        self.errors[what] = self.errors.get(what, 0) + 1

    def rate(self, seconds: float) -> float:
        """Answered requests per second."""
        return len(self.latencies_ms) / seconds

    def pct(self, q: float) -> float:
        """The ``q`` quantile of the latencies, in ms (nan when nothing was answered)."""
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Run:
    """One measured run: its shape and what it counted."""

    workers: int
    writers: int
    readers: int
    seconds: float
    inspections: Tally
    boards: Tally

    @property
    def inspections_per_s(self) -> float:
        """Inspections stored per second."""
        return self.inspections.rate(self.seconds)

    @property
    def boards_per_s(self) -> float:
        """Boards read per second."""
        return self.boards.rate(self.seconds)


def fresh_database(backend: str, folder: Path, pg_url: str) -> str:
    """An empty, migrated database URL (PostgreSQL: created if missing, its schema reset)."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'load.db'}"
    else:
        url = pg_url
        _ensure_postgres_database(url)
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def _ensure_postgres_database(url: str) -> None:
    parsed = make_url(url)
    admin = make_engine(parsed.set(database="postgres").render_as_string(hide_password=False))
    with admin.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        found = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
        )
        if found is None:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def seed(url: str) -> Fleet:
    """Commit the operator, its depots and buses, their maintenance state and an inspector."""
    catalog = load_catalog()
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        operator = auth.create_operator(session, name="Load Transport")
        inspector = auth.create_user(
            session,
            operator_id=operator.id,
            email="i@load.test",
            full_name="I",
            role=Role.INSPECTOR,
        )
        manager = auth.create_user(
            session,
            operator_id=operator.id,
            email="m@load.test",
            full_name="M",
            role=Role.FLEET_MANAGER,
        )
        token = auth.issue_token(session, user=inspector)
        depots = [
            Depot(
                operator_id=operator.id,
                name=f"Depot {n:02d}",
                timezone="Europe/Moscow",
                jurisdiction="RU",
                shift_starts=["00:00", "08:00", "16:00"],
            )
            for n in range(DEPOTS)
        ]
        session.add_all(depots)
        session.flush()
        session.execute(
            insert(Vehicle),
            [_bus(operator.id, d.id, n) for d in depots for n in range(BUSES_PER_DEPOT)],
        )
        import_shipped(session, auth.actor_of(manager))
        vehicles = session.execute(select(Vehicle.id, Vehicle.engine_type)).all()
        _maintenance(session, [v.id for v in vehicles])
        checklists = {
            engine_type: results_for(
                catalog.checklist(jurisdiction="RU", vehicle_class="bus", engine_type=engine_type),
                vehicle_class="bus",
                fastener_positions=10,
            )
            for engine_type in ENGINES
        }
        bodies = [{"vehicle_id": v.id, "results": checklists[v.engine_type]} for v in vehicles]
        depot_ids = [d.id for d in depots]
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    engine.dispose()
    return Fleet({"Authorization": f"Bearer {token}"}, depot_ids, bodies)


def _bus(operator_id: int, depot_id: int, n: int) -> dict[str, object]:
    return dict(
        operator_id=operator_id,
        depot_id=depot_id,
        plate=f"L{depot_id:02d}{n:03d}",
        vehicle_class="bus",
        make="Generic Works",
        model="12 m city bus",
        model_family="city-bus-12m",
        engine_type=ENGINES[n % len(ENGINES)],
        fastener_positions=10,
        odometer_km=100_000.0,
        engine_hours=5_000.0,
        odometer_offset_km=0.0,
        engine_hours_offset=0.0,
        created_at=utcnow(),
    )


def _maintenance(session: Session, ids: list[int]) -> None:
    """Every task last done somewhere inside its interval: nothing overdue, all checked."""
    tasks = session.execute(select(ProgrammeTask.id, ProgrammeTask.interval_km)).all()
    rows = [
        dict(
            vehicle_id=vehicle_id,
            task_id=task_id,
            last_done_km=100_000.0 - (interval_km or 0.0) * 0.3,
            last_done_on=utcnow().date(),
            source="bench",
        )
        for vehicle_id in ids
        for task_id, interval_km in tasks
    ]
    session.execute(insert(TaskState), rows)


async def _writer(http: httpx.AsyncClient, fleet: Fleet, until: float, tally: Tally) -> None:
    while time.perf_counter() < until:
        body = random.choice(fleet.bodies)
        key = {"Idempotency-Key": uuid.uuid4().hex}
        await _timed(http.post("/api/v1/inspections", json=body, headers=key), tally)


async def _reader(http: httpx.AsyncClient, fleet: Fleet, until: float, tally: Tally) -> None:
    while time.perf_counter() < until:
        depot_id = random.choice(fleet.depot_ids)
        await _timed(http.get(f"/api/v1/depots/{depot_id}/board"), tally)


async def _timed(request: object, tally: Tally) -> None:
    started = time.perf_counter()
    try:
        response = await request  # type: ignore[misc]
    except httpx.HTTPError as error:
        tally.error(type(error).__name__)
        return
    if response.is_success:
        tally.latencies_ms.append((time.perf_counter() - started) * 1000)
    else:
        tally.error(f"HTTP {response.status_code}")


async def _drive(base_url: str, fleet: Fleet, writers: int, readers: int, seconds: float) -> Run:
    inspections, boards = Tally(), Tally()
    limits = httpx.Limits(max_connections=writers + readers)
    async with httpx.AsyncClient(
        base_url=base_url, headers=fleet.headers, limits=limits, timeout=60
    ) as http:
        await _reader(http, fleet, time.perf_counter() + 0.5, Tally())  # warm every worker a bit
        until = time.perf_counter() + seconds
        await asyncio.gather(
            *(_writer(http, fleet, until, inspections) for _ in range(writers)),
            *(_reader(http, fleet, until, boards) for _ in range(readers)),
        )
    return Run(0, writers, readers, seconds, inspections, boards)


def measure(
    url: str, fleet: Fleet, workers: int, clients: tuple[int, int], seconds: float, log: Path
) -> Run:
    """Start a server with ``workers``; drive it with (writers, readers) for ``seconds``."""
    server = Server(url, workers, log)
    try:
        run = asyncio.run(_drive(server.base_url, fleet, *clients, seconds))
    finally:
        server.stop()
    return Run(workers, run.writers, run.readers, seconds, run.inspections, run.boards)


def report(backend: str, run: Run, baseline: Run | None) -> None:
    """Print one run's line, with ratios to the baseline run."""
    insp, board = run.inspections, run.boards
    errors = {**insp.errors, **{f"board {k}": v for k, v in board.errors.items()}}
    label = (
        f"{run.workers} worker{'s' if run.workers > 1 else ''}, {run.writers}+{run.readers} clients"
    )
    print(
        f"  {label:<24} inspections {run.inspections_per_s:6.1f}/s "
        f"p50 {insp.pct(0.5):6.1f} ms p99 {insp.pct(0.99):6.1f} ms | "
        f"board {run.boards_per_s:6.1f}/s p50 {board.pct(0.5):6.1f} ms "
        f"p99 {board.pct(0.99):6.1f} ms | errors {sum(errors.values())} {errors or ''}"
    )
    if baseline is not None and run.readers == 0:
        ratio = run.inspections_per_s / baseline.inspections_per_s
        print(f"  {'':<24} vs baseline: inspections/s ×{ratio:.2f}")
    elif baseline is not None:
        print(
            f"  {'':<24} vs baseline: "
            f"inspections/s ×{run.inspections_per_s / baseline.inspections_per_s:.2f}, "
            f"board/s ×{run.boards_per_s / baseline.boards_per_s:.2f}, "
            f"board p50 ×{board.pct(0.5) / baseline.boards.pct(0.5):.2f}"
        )


def run_backend(backend: str, args: argparse.Namespace) -> list[Run]:
    """Seed ``backend`` once, then measure the baseline and each worker count."""
    with tempfile.TemporaryDirectory() as folder:
        url = fresh_database(backend, Path(folder), args.pg_url)
        fleet = seed(url)
        log = Path(folder) / "server.log"
        print(f"\n{backend}: {DEPOTS} depots × {BUSES_PER_DEPOT} buses, {args.seconds:g} s a run")
        baseline = measure(url, fleet, 1, (1, 1), args.seconds, log)
        report(backend, baseline, None)
        runs = [baseline]
        half = max(1, args.clients // 2)
        for workers in args.workers:
            runs.append(
                measure(url, fleet, workers, (half, args.clients - half), args.seconds, log)
            )
            report(backend, runs[-1], baseline)
        if len(runs) == 3:
            one, two = runs[1], runs[2]
            print(
                f"  2 workers vs 1: "
                f"inspections/s ×{two.inspections_per_s / one.inspections_per_s:.2f}, "
                f"board/s ×{two.boards_per_s / one.boards_per_s:.2f}"
            )
        print("  the rush alone (every client inspecting):")
        runs.append(measure(url, fleet, max(args.workers), (args.clients, 0), args.seconds, log))
        report(backend, runs[-1], baseline)
    return runs


def main() -> None:
    """Parse arguments and run the benchmark on each database."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="4 clients, 3 s a run")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("TIGHTNUT_BENCH_DATABASE_URL", DEFAULT_PG_URL),
        help="the PostgreSQL database to fill (created if missing, its schema reset)",
    )
    args = parser.parse_args()
    if args.quick:
        args.clients, args.seconds = 4, 3.0
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    failed = False
    for backend in backends:
        runs = run_backend(backend, args)
        failed |= any(run.inspections.errors or run.boards.errors for run in runs)
        failed |= any(not run.inspections.latencies_ms for run in runs)
    if failed:
        raise SystemExit("errors under load (see above)")


if __name__ == "__main__":
    main()
