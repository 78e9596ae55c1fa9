"""SQLite, the embedded default, under concurrent writers: they wait their turn, none fails."""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import func, select

from reliability.serverproc import Fleet, seed_fleet, serving
from tightnut.db import make_engine, make_session_factory, transaction
from tightnut.inspections.models import Inspection
from tightnut.rules import RuleCatalog

CLIENTS = 8
INSPECTIONS_PER_CLIENT = 12


def _post_inspections(base_url: str, fleet: Fleet, client: int) -> list[tuple[str, int]]:
    outcomes = []
    with httpx.Client(base_url=base_url, headers=fleet.headers, timeout=60.0) as http:
        for n in range(INSPECTIONS_PER_CLIENT):
            vehicle_id = fleet.vehicle_ids[(client + n) % len(fleet.vehicle_ids)]
            key = f"writer-{client}-{n}"
            response = http.post(
                "/api/v1/inspections",
                json=fleet.bodies[vehicle_id],
                headers={"Idempotency-Key": key},
            )
            outcomes.append((key, response.status_code))
    return outcomes


def _stored_keys(database_url: str) -> Counter[str | None]:
    engine = make_engine(database_url)
    with transaction(make_session_factory(engine), read_only=True) as session:
        keys = Counter(session.scalars(select(Inspection.idempotency_key)))
    engine.dispose()
    return keys


def test_eight_concurrent_inspectors_on_sqlite_all_succeed_and_each_is_stored_once(
    tmp_path: Path, catalog: RuleCatalog
) -> None:
    url = f"sqlite:///{tmp_path / 'writers.db'}"
    fleet = seed_fleet(url, catalog, vehicles=4)
    with (
        serving(url, log_path=tmp_path / "server.log") as server,
        ThreadPoolExecutor(CLIENTS) as pool,
    ):
        runs = pool.map(lambda c: _post_inspections(server.url, fleet, c), range(CLIENTS))
        outcomes = [outcome for run in runs for outcome in run]
    statuses = Counter(status for _, status in outcomes)
    assert statuses == {201: CLIENTS * INSPECTIONS_PER_CLIENT}, server.log_tail()
    assert _stored_keys(url) == Counter(key for key, _ in outcomes)


def test_a_board_reads_while_a_writer_holds_the_lock_and_a_waiting_write_then_succeeds(
    tmp_path: Path, catalog: RuleCatalog
) -> None:
    path = tmp_path / "held.db"
    url = f"sqlite:///{path}"
    fleet = seed_fleet(url, catalog, vehicles=1)
    vehicle_id = fleet.vehicle_ids[0]
    with (
        serving(url, log_path=tmp_path / "server.log") as server,
        httpx.Client(base_url=server.url, headers=fleet.headers, timeout=20.0) as http,
    ):
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        holder.execute(
            "UPDATE vehicles SET odometer_km = odometer_km + 1 WHERE id = ?", (vehicle_id,)
        )
        board = http.get(f"/api/v1/depots/{fleet.depot_id}/board")
        assert board.status_code == 200, board.text
        assert [row["vehicle_id"] for row in board.json()["vehicles"]] == [vehicle_id]
        waiting: list[httpx.Response] = []
        writer = threading.Thread(
            target=lambda: waiting.append(
                http.post("/api/v1/inspections", json=fleet.bodies[vehicle_id])
            )
        )
        writer.start()
        writer.join(timeout=1.0)
        assert writer.is_alive(), "the inspection should wait for the lock, not answer at once"
        holder.execute("COMMIT")
        holder.close()
        writer.join()
    assert waiting[0].status_code == 201, waiting[0].text
    assert waiting[0].json()["vehicle_id"] == vehicle_id
    engine = make_engine(url)
    with transaction(make_session_factory(engine), read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Inspection)) == 1
    engine.dispose()
