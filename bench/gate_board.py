"""Gate benchmark: the depot board and single decisions over a large inspection history.

A depot of 2,000 city buses under the shipped maintenance programme, with 1,000,000 historical
inspections (one a day per vehicle, going back 500 days), 90 % inspected for the current shift
and a few open defects. Every decision includes the overdue safety-critical maintenance check,
as in the app. It prints, for SQLite and PostgreSQL:

- the board (every vehicle's state, batched queries) — target ≤ 150 ms;
- one vehicle's decision in process, database included — target ≤ 2 ms p50/p99;
- the kernel alone;
- the baseline measured in the same run: the board computed one vehicle at a time (N+1 queries),
  and the ratio of the two.

`--quick` shrinks the data (200 vehicles, 20,000 inspections) so CI proves the script runs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from benchdb import fresh_engine
from tightnut.auth import service as auth
from tightnut.auth.models import Role
from tightnut.auth.rights import Actor
from tightnut.db import make_session_factory, utcnow
from tightnut.defects.models import Defect
from tightnut.demo.checks import results_for
from tightnut.fleet.models import Depot, Vehicle
from tightnut.gate import service as gate
from tightnut.gate.kernel import decide
from tightnut.inspections.models import Inspection
from tightnut.maintenance.models import ProgrammeTask, TaskState
from tightnut.maintenance.programmes import import_shipped
from tightnut.rules import RuleCatalog, load_catalog

LEAD = timedelta(hours=3)
CHUNK = 20_000


def _populate(
    session: Session, catalog: RuleCatalog, vehicles: int, inspections: int
) -> tuple[Actor, int]:
    operator = auth.create_operator(session, name="Bench Transport")
    user = auth.create_user(
        session,
        operator_id=operator.id,
        email="bench@example.test",
        full_name="Bench",
        role=Role.INSPECTOR,
    )
    depot = Depot(
        operator_id=operator.id,
        name="Bench Depot",
        timezone="Europe/Moscow",
        jurisdiction="RU",
        shift_starts=["05:00", "14:00"],
    )
    session.add(depot)
    session.flush()
    engines = ("diesel", "cng", "electric")
    session.execute(
        insert(Vehicle),
        [
            dict(
                operator_id=operator.id,
                depot_id=depot.id,
                plate=f"B{i:05d}",
                vehicle_class="bus",
                make="Generic Works",
                model="12 m city bus",
                model_family="city-bus-12m",
                engine_type=engines[i % 3],
                fastener_positions=10,
                odometer_km=100_000.0,
                engine_hours=5_000.0,
                odometer_offset_km=0.0,
                engine_hours_offset=0.0,
                created_at=utcnow(),
            )
            for i in range(vehicles)
        ],
    )
    ids = list(session.scalars(text("SELECT id FROM vehicles ORDER BY id")))
    manager = auth.create_user(
        session,
        operator_id=operator.id,
        email="fm@example.test",
        full_name="Fleet manager",
        role=Role.FLEET_MANAGER,
    )
    import_shipped(session, auth.actor_of(manager))
    _history(session, catalog, depot, user.id, ids, inspections)
    _defects(session, operator.id, ids)
    _maintenance(session, ids)
    return auth.actor_of(user), depot.id


def _history(
    session: Session, catalog: RuleCatalog, depot: Depot, user_id: int, ids: list[int], total: int
) -> None:
    items = catalog.checklist(jurisdiction="RU", vehicle_class="bus", engine_type="cng")
    results = results_for(items, vehicle_class="bus", fastener_positions=10)
    now = utcnow()
    per_vehicle = max(1, total // len(ids))
    rows: list[dict[str, object]] = []
    for day in range(per_vehicle, -1, -1):
        for n, vehicle_id in enumerate(ids):
            if day == 0 and n % 10 == 9:
                continue  # a tenth is not inspected yet this shift
            at = now - timedelta(days=day, minutes=30)
            rows.append(
                dict(
                    operator_id=depot.operator_id,
                    vehicle_id=vehicle_id,
                    depot_id=depot.id,
                    inspector_id=user_id,
                    kind="pre_shift",
                    jurisdiction="RU",
                    performed_at=at,
                    results=results,
                    failed_count=0,
                    blocking_count=0,
                )
            )
            if len(rows) >= CHUNK:
                session.execute(insert(Inspection), rows)
                rows.clear()
    if rows:
        session.execute(insert(Inspection), rows)


def _maintenance(session: Session, ids: list[int]) -> None:
    """Each task last done somewhere within its interval; one bus in a hundred past TO-2."""
    tasks = session.execute(
        select(ProgrammeTask.id, ProgrammeTask.code, ProgrammeTask.interval_km)
    ).all()
    rows = []
    for n, vehicle_id in enumerate(ids):
        for task_id, code, interval_km in tasks:
            share = 1.2 if code == "TO-2" and n % 100 == 0 else ((n * 7 + task_id * 13) % 90) / 100
            rows.append(
                dict(
                    vehicle_id=vehicle_id,
                    task_id=task_id,
                    last_done_km=100_000.0 - (interval_km or 0.0) * share,
                    last_done_on=utcnow().date() - timedelta(days=int(150 * share)),
                    source="bench",
                )
            )
    session.execute(insert(TaskState), rows)


def _defects(session: Session, operator_id: int, ids: list[int]) -> None:
    session.execute(
        insert(Defect),
        [
            dict(
                operator_id=operator_id,
                vehicle_id=vehicle_id,
                item_id="wheels.fasteners",
                jurisdiction="RU",
                rule_ref="Перечень п. 5",
                severity="dangerous",
                gate="block",
                status="open",
                description="wheel nut missing",
                evidence={},
                opened_at=utcnow(),
            )
            for vehicle_id in ids[::97]
        ],
    )


def _times(fn: Callable[[], object], repeats: int) -> list[float]:
    fn()  # warm caches and statement compilation
    found = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        found.append((time.perf_counter() - start) * 1000)
    return found


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(backend: str, vehicles: int, inspections: int, repeats: int) -> None:
    """Build the data on ``backend`` and print the figures."""
    catalog = load_catalog()
    with tempfile.TemporaryDirectory() as folder:
        engine = fresh_engine(backend, Path(folder), "tightnut_bench")
        factory = make_session_factory(engine)
        started = time.perf_counter()
        with factory.begin() as session:
            actor, depot_id = _populate(session, catalog, vehicles, inspections)
        if backend == "postgresql":
            with engine.connect() as conn:
                conn.execute(text("ANALYZE"))
                conn.commit()
        loaded = time.perf_counter() - started
        with factory() as session:
            board = _times(
                lambda: gate.board(session, actor, depot_id, catalog=catalog, lead=LEAD), repeats
            )
            ids = list(session.scalars(text("SELECT id FROM vehicles ORDER BY id")))
            single = _times_each(
                lambda i: gate.decide_vehicle(session, actor, i, catalog=catalog, lead=LEAD), ids
            )
            depot = session.get_one(Depot, depot_id)
            vehicle = session.get_one(Vehicle, ids[0])
            facts = gate.gather_facts(
                session, depot, [vehicle], catalog=catalog, now=utcnow(), lead=LEAD
            )
            kernel = _times(lambda: decide(facts[vehicle.id]), 2_000)
            naive = _times(
                lambda: [
                    gate.decide_vehicle(session, actor, i, catalog=catalog, lead=LEAD) for i in ids
                ],
                max(1, repeats // 5),
            )
            count = session.scalar(text("SELECT count(*) FROM inspections"))
            refused = _refused_for_maintenance(session, actor, depot_id, catalog)
        engine.dispose()
    expected = len(range(0, vehicles, 100))
    if refused != expected:
        raise SystemExit(f"the board refused {refused} buses for overdue TO-2, not {expected}")
    board_ms, naive_ms = statistics.median(board), statistics.median(naive)
    print(f"\n{backend}: {vehicles} vehicles, {count:,} inspections (loaded in {loaded:.1f} s)")
    _line("board", board, "8.1f", "target ≤ 150 ms")
    _line("single decision (db)", single, "8.3f", "target ≤ 2 ms")
    _line("kernel decide()", kernel, "8.4f")
    print(
        f"  baseline: board one vehicle at a time  p50 {naive_ms:8.1f} ms  → batched board is "
        f"{naive_ms / board_ms:.1f}× faster"
    )
    print(f"  refused for overdue safety-critical maintenance: {refused} buses, as seeded")


def _refused_for_maintenance(
    session: Session, actor: Actor, depot_id: int, catalog: RuleCatalog
) -> int:
    """How many buses the board refuses for overdue safety-critical maintenance."""
    _, _, rows = gate.board(session, actor, depot_id, catalog=catalog, lead=LEAD)
    return sum(any(r.code == "maintenance_overdue" for r in row.decision.reasons) for row in rows)


def _line(name: str, values: list[float], fmt: str, note: str = "") -> None:
    p50, p99 = format(_pct(values, 0.5), fmt), format(_pct(values, 0.99), fmt)
    print(f"  {name:<22} p50 {p50} ms  p99 {p99} ms   {note}")


def _times_each(fn: Callable[[int], object], ids: list[int]) -> list[float]:
    fn(ids[0])
    found = []
    for vehicle_id in ids[: min(len(ids), 1000)]:
        start = time.perf_counter()
        fn(vehicle_id)
        found.append((time.perf_counter() - start) * 1000)
    return found


def main() -> None:
    """Parse arguments and run the benchmark on each backend."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small data, to prove the script runs")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--vehicles", type=int, default=2_000)
    parser.add_argument("--inspections", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    if args.quick:
        args.vehicles, args.inspections, args.repeats = 200, 20_000, 5
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        run(backend, args.vehicles, args.inspections, args.repeats)


if __name__ == "__main__":
    main()
