"""The due list of a 10,000-vehicle operator from the database (part of bench/due_engine.py).

Builds 10,000 vehicles (city buses and tractors) under the shipped programmes with a recorded
state for every task, then times the whole due list — queries, arrays, the kernel and the rows
the API returns — on SQLite and PostgreSQL. Target ≤ 500 ms. The baseline, measured in the same
run, is the same list computed one vehicle at a time (a query set per vehicle, as a naive
service would), on a sample scaled to the fleet.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert, select, text

from benchdb import fresh_engine
from tightnut.auth import service as auth
from tightnut.auth.models import Role
from tightnut.auth.rights import Actor
from tightnut.db import make_session_factory, utcnow
from tightnut.fleet.models import Depot, Vehicle
from tightnut.maintenance.duelist import compute_entries, load_vehicles
from tightnut.maintenance.models import Programme, ProgrammeTask, TaskState
from tightnut.maintenance.programmes import import_shipped
from tightnut.maintenance.schemas import DueRow
from tightnut.maintenance.service import due_list


def _populate(engine: Engine, vehicles: int) -> Actor:
    factory = make_session_factory(engine)
    with factory.begin() as session:
        operator = auth.create_operator(session, name="Due Bench")
        user = auth.create_user(
            session,
            operator_id=operator.id,
            email="fm@due.test",
            full_name="Fleet manager",
            role=Role.FLEET_MANAGER,
        )
        actor = auth.actor_of(user)
        import_shipped(session, actor)
        depot = Depot(
            operator_id=operator.id,
            name="Yard",
            timezone="Europe/Moscow",
            jurisdiction="RU",
            shift_starts=["06:00"],
        )
        session.add(depot)
        session.flush()
        session.execute(
            insert(Vehicle), [_vehicle(operator.id, depot.id, i) for i in range(vehicles)]
        )
        tasks = session.execute(select(ProgrammeTask.id, ProgrammeTask.programme_id)).all()
        families = session.execute(select(Programme.id, Programme.model_families)).all()
        programme_of = {family: pid for pid, names in families for family in names}
        ids = session.execute(select(Vehicle.id, Vehicle.model_family)).all()
        session.execute(insert(TaskState), list(_states(ids, tasks, programme_of)))
    return actor


def _vehicle(operator_id: int, depot_id: int, i: int) -> dict[str, object]:
    bus = i % 3 != 0
    return dict(
        operator_id=operator_id,
        depot_id=depot_id,
        plate=f"D{i:06d}",
        vehicle_class="bus" if bus else "tractor",
        make="Generic Works",
        model="12 m city bus" if bus else "80 hp tractor",
        model_family="city-bus-12m" if bus else "wheeled-tractor-80hp",
        engine_type=("diesel", "cng", "electric")[i % 3] if bus else "diesel",
        fastener_positions=10 if bus else 8,
        gas_cylinder_cert_due=date.today() + timedelta(days=30 + i % 700)
        if bus and i % 3 == 1
        else None,
        odometer_km=50_000.0 + (i * 37) % 400_000 if bus else None,
        engine_hours=2_000.0 + (i * 13) % 9_000,
        odometer_offset_km=0.0,
        engine_hours_offset=0.0,
        km_per_day=150.0 + i % 100 if bus else 0.0,
        hours_per_day=7.0 + i % 5,
        created_at=utcnow() - timedelta(days=900),
    )


def _states(vehicles: list, tasks: list, programme_of: dict):  # type: ignore[no-untyped-def]
    """A recorded state for each task of each vehicle's own programme."""
    for n, (vehicle_id, family) in enumerate(vehicles):
        for task_id, programme_id in tasks:
            if programme_id != programme_of.get(family):
                continue
            share = ((n * 7 + task_id * 3) % 100) / 100
            yield dict(
                vehicle_id=vehicle_id,
                task_id=task_id,
                last_done_km=max(0.0, 50_000.0 + (n * 37) % 400_000 - 10_000 * share),
                last_done_hours=max(0.0, 2_000.0 + (n * 13) % 9_000 - 500 * share),
                last_done_on=date.today() - timedelta(days=int(180 * share)),
                source="bench",
            )


def database_section(args: argparse.Namespace) -> None:
    """Time the due list from the database on each backend and print the figures."""
    vehicles = 1_000 if args.quick else 10_000
    for backend in ("sqlite", "postgresql"):
        with tempfile.TemporaryDirectory() as folder:
            engine = fresh_engine(backend, Path(folder), "tightnut_bench_due")
            actor = _populate(engine, vehicles)
            if backend == "postgresql":
                with engine.connect() as conn:
                    conn.execute(text("ANALYZE"))
                    conn.commit()
            _measure(engine, actor, backend, vehicles, repeats=3 if args.quick else 7)
            engine.dispose()


def _measure(engine: Engine, actor: Actor, backend: str, vehicles: int, repeats: int) -> None:
    factory = make_session_factory(engine)
    with factory() as session:
        shown, shown_rows = _times(lambda: due_list(session, actor), repeats)
        every, every_rows = _times(lambda: due_list(session, actor, include_ok=True), repeats)
        sample = load_vehicles(session, actor.operator_id)[:200]
        start = time.perf_counter()
        for vehicle in sample:
            one = load_vehicles(session, actor.operator_id, vehicle_ids=[vehicle.id])
            compute_entries(session, actor.operator_id, today=date.today(), vehicles=one)
        naive = (time.perf_counter() - start) * 1000 * vehicles / len(sample)
    best = statistics.median(shown)
    print(f"\ndue list from {backend}: {vehicles:,} vehicles")
    print(
        f"  due list (due soon, due, overdue: {shown_rows:,} rows)  p50 {best:8.1f} ms   "
        f"min {min(shown):8.1f} ms   target ≤ 500 ms"
    )
    print(
        f"  every (vehicle, task) row ({every_rows:,} rows)        p50 "
        f"{statistics.median(every):8.1f} ms"
    )
    print(
        f"  baseline: one vehicle at a time (200 sampled, scaled) {naive:10.1f} ms  → "
        f"{naive / best:.1f}× faster"
    )


def _times(run: Callable[[], list[DueRow]], repeats: int) -> tuple[list[float], int]:
    run()
    times, rows = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        rows = len(run())
        times.append((time.perf_counter() - start) * 1000)
    return times, rows
