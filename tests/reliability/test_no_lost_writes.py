"""No acknowledged write is lost: SIGKILL the server mid-load, restart it, and count every write.

Runs on the test database's kind: SQLite in the plain pass, PostgreSQL in the ``-m db`` pass
(the server gets a sibling database of its own, since it commits).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import Engine, select

from reliability.serverproc import Fleet, ServerProcess, seed_fleet, server_database_url, serving
from tightnut.db import make_engine, make_session_factory, transaction
from tightnut.fleet.models import MeterReading
from tightnut.inspections.models import Inspection
from tightnut.rules import RuleCatalog

CLIENTS = 6
WORKERS = 2
LOAD_S = 2.0  # at least this much load before the kill; longer only on a slow machine
MAX_LOAD_S = 30.0  # never more: the kill comes once every client has had both writes answered
ODOMETER_KM = 100_000.0  # the seeded reading; sending it again is always plausible
_reading_serial = itertools.count()
_reading_base = datetime.now(UTC) - timedelta(minutes=10)


@dataclass
class Ledger:
    """What one client sent and what it heard back."""

    acked_inspections: dict[str, int] = field(default_factory=dict)  # key -> id answered
    unacked_inspections: dict[str, int] = field(default_factory=dict)  # key -> vehicle id
    acked_readings: list[tuple[int, datetime]] = field(default_factory=list)
    unacked_readings: list[tuple[int, datetime]] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)


def _inspect(http: httpx.Client, fleet: Fleet, ledger: Ledger, key: str, vehicle_id: int) -> None:
    try:
        response = http.post(
            "/api/v1/inspections", json=fleet.bodies[vehicle_id], headers={"Idempotency-Key": key}
        )
    except httpx.TransportError:
        ledger.unacked_inspections[key] = vehicle_id
        raise
    if response.status_code == 201:
        ledger.acked_inspections[key] = response.json()["id"]
    else:
        ledger.unexpected.append(f"inspection {key}: {response.status_code} {response.text}")


def _read_meter(http: httpx.Client, ledger: Ledger, vehicle_id: int) -> None:
    stamp = _reading_base + timedelta(microseconds=next(_reading_serial))
    body = {"meter": "odometer_km", "value": ODOMETER_KM, "client_time": stamp.isoformat()}
    try:
        response = http.post(f"/api/v1/vehicles/{vehicle_id}/meters", json=body)
    except httpx.TransportError:
        ledger.unacked_readings.append((vehicle_id, stamp))
        raise
    if response.status_code == 201:
        ledger.acked_readings.append((vehicle_id, stamp))
    else:
        ledger.unexpected.append(f"reading {vehicle_id}: {response.status_code} {response.text}")


def _load_until_the_server_dies(base_url: str, fleet: Fleet, client: int, ledger: Ledger) -> None:
    with httpx.Client(base_url=base_url, headers=fleet.headers, timeout=30.0) as http:
        for n in itertools.count():
            vehicle_id = fleet.vehicle_ids[(client + n) % len(fleet.vehicle_ids)]
            try:
                if n % 2 == 0:
                    _inspect(http, fleet, ledger, f"load-{client}-{n}", vehicle_id)
                else:
                    _read_meter(http, ledger, vehicle_id)
            except httpx.TransportError:
                return


def _load_and_kill(server: ServerProcess, fleet: Fleet) -> list[Ledger]:
    started = threading.Barrier(CLIENTS + 1)
    ledgers = [Ledger() for _ in range(CLIENTS)]

    def client(number: int) -> None:
        started.wait()
        _load_until_the_server_dies(server.url, fleet, number, ledgers[number])

    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(client, number) for number in range(CLIENTS)]
        started.wait()
        time.sleep(LOAD_S)
        deadline = time.monotonic() + MAX_LOAD_S - LOAD_S
        while not _every_client_answered(ledgers) and time.monotonic() < deadline:
            time.sleep(0.1)
        server.kill()
        for future in futures:
            future.result()
    return ledgers


def _every_client_answered(ledgers: list[Ledger]) -> bool:
    return all(ledger.acked_inspections and ledger.acked_readings for ledger in ledgers)


def _retry(base_url: str, fleet: Fleet, keys: dict[str, int]) -> tuple[dict[str, int], list[str]]:
    """Resend each unacknowledged inspection with its key; the ids answered, and any surprise."""
    answered: dict[str, int] = {}
    surprises = []
    with httpx.Client(base_url=base_url, headers=fleet.headers, timeout=30.0) as http:
        for key, vehicle_id in keys.items():
            response = http.post(
                "/api/v1/inspections",
                json=fleet.bodies[vehicle_id],
                headers={"Idempotency-Key": key},
            )
            if response.status_code == 201:
                answered[key] = response.json()["id"]
            else:
                surprises.append(f"retry {key}: {response.status_code} {response.text}")
    return answered, surprises


def _stored(
    database_url: str,
) -> tuple[dict[str | None, list[int]], Counter[tuple[int, datetime | None]]]:
    engine = make_engine(database_url)
    with transaction(make_session_factory(engine), read_only=True) as session:
        inspections: dict[str | None, list[int]] = {}
        for key, inspection_id in session.execute(
            select(Inspection.idempotency_key, Inspection.id)
        ):
            inspections.setdefault(key, []).append(inspection_id)
        readings = Counter(
            (row.vehicle_id, row.client_time)
            for row in session.execute(
                select(MeterReading.vehicle_id, MeterReading.client_time).where(
                    MeterReading.source == "api"
                )
            )
        )
    engine.dispose()
    return inspections, readings


def test_kill_9_under_load_loses_no_acknowledged_write_and_retries_store_once(
    engine: Engine, tmp_path: Path, catalog: RuleCatalog
) -> None:
    url = server_database_url(engine, tmp_path)
    fleet = seed_fleet(url, catalog, vehicles=4)
    log_path = tmp_path / "server.log"
    first = ServerProcess(url, log_path=log_path, workers=WORKERS)
    first.start()
    ledgers = _load_and_kill(first, fleet)
    acked = {k: v for ledger in ledgers for k, v in ledger.acked_inspections.items()}
    unacked = {k: v for ledger in ledgers for k, v in ledger.unacked_inspections.items()}
    acked_readings = [r for ledger in ledgers for r in ledger.acked_readings]
    unacked_readings = [r for ledger in ledgers for r in ledger.unacked_readings]
    assert [msg for ledger in ledgers for msg in ledger.unexpected] == [], first.log_tail()
    assert _every_client_answered(ledgers), first.log_tail()
    assert len(unacked) + len(unacked_readings) == CLIENTS  # each client was cut off once

    with serving(url, log_path=log_path, workers=WORKERS) as second:
        retried, surprises = _retry(second.url, fleet, unacked)
        some_acked = {key: _vehicle_of(key, fleet) for key in sorted(acked)[:5]}
        replayed, replay_surprises = _retry(second.url, fleet, some_acked)
    assert surprises + replay_surprises == [], second.log_tail()
    assert replayed == {key: acked[key] for key in some_acked}

    inspections, readings = _stored(url)
    assert {key: ids for key, ids in inspections.items() if len(ids) != 1} == {}
    assert {key: inspections.get(key) for key in acked} == {k: [v] for k, v in acked.items()}
    assert {key: inspections.get(key) for key in retried} == {k: [v] for k, v in retried.items()}
    assert set(inspections) == set(acked) | set(unacked)
    assert Counter({r: readings[r] for r in acked_readings}) == Counter(acked_readings)
    assert len(acked_readings) == len(set(acked_readings))
    unacked_stored = sum(readings[r] for r in unacked_readings)
    assert all(readings[r] <= 1 for r in unacked_readings)
    assert sum(readings.values()) == len(acked_readings) + unacked_stored
    print(
        f"{engine.dialect.name}: acknowledged {len(acked)} inspections and "
        f"{len(acked_readings)} readings, all present once; {len(unacked)} inspections cut "
        f"off, {len(retried)} retried and stored once; lost 0"
    )


def _vehicle_of(key: str, fleet: Fleet) -> int:
    _, client, n = key.split("-")
    return fleet.vehicle_ids[(int(client) + int(n)) % len(fleet.vehicle_ids)]
