"""Races that used to make duplicates: two requests at once for one vehicle or one defect.

Each trial starts two real transactions on their own connections at the same instant (a
barrier), on SQLite and on PostgreSQL. The database must refuse the second row, and the loser
gets a 409 (Conflict) or the first result.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

import pytest
from sqlalchemy import Engine, Select, func, make_url, select, text
from sqlalchemy.orm import Session, sessionmaker

from factories import inspection_body, make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Role
from tightnut.auth.rights import Actor
from tightnut.db import make_engine, make_session_factory, transaction
from tightnut.defects.models import UNRESOLVED, Defect
from tightnut.fleet.meters import MeterLimits
from tightnut.gate import service as gate
from tightnut.gate.models import ReleaseDecision
from tightnut.inspections import service as inspections
from tightnut.inspections.models import Inspection
from tightnut.inspections.schemas import InspectionCreate
from tightnut.migrate import upgrade
from tightnut.rules import RuleCatalog
from tightnut.workorders import service as workorders
from tightnut.workorders.models import WorkOrder, WorkOrderDefect

T = TypeVar("T")
TRIALS = 5
LEAD = timedelta(hours=3)
LIMITS = MeterLimits(max_km_per_hour=120.0, max_engine_hours_per_day=24.0)
pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def racing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    """A database of its own (committed data; the other tests' rollback cannot hold races)."""
    url = os.environ.get("TIGHTNUT_TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        engine = _fresh_postgres_database(url, suffix="_races")
    else:
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('races') / 'races.db'}")
    upgrade(engine)
    yield make_session_factory(engine)
    engine.dispose()


def _fresh_postgres_database(url: str, *, suffix: str) -> Engine:
    target = make_url(url)
    name = f"{target.database}{suffix}"
    admin = make_engine(target.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_engine(target.set(database=name).render_as_string(hide_password=False))


def _at_once(factory: sessionmaker[Session], work: Callable[[Session], T]) -> list[T | Exception]:
    """Run ``work`` in two transactions that start together; each result or its error."""
    barrier = threading.Barrier(2)
    results: list[T | Exception] = [RuntimeError("did not run")] * 2

    def run(slot: int) -> None:
        barrier.wait()
        try:
            with transaction(factory) as session:
                results[slot] = work(session)
        except Exception as error:  # the loser's answer is part of what is checked
            results[slot] = error

    threads = [threading.Thread(target=run, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@dataclass(frozen=True)
class Fleet:
    """One CNG bus with an inspector, an engineer and two inspection bodies for it."""

    inspector: Actor
    engineer: Actor
    bus_id: int
    passing: dict[str, object]
    failing: dict[str, object]


def _fleet(factory: sessionmaker[Session], catalog: RuleCatalog) -> Fleet:
    with transaction(factory) as session:
        operator = make_operator(session)
        depot = make_depot(session, operator)
        bus = make_vehicle(session, depot, engine_type="cng")
        return Fleet(
            inspector=make_login(session, operator, Role.INSPECTOR).actor,
            engineer=make_login(session, operator, Role.SERVICE_ENGINEER).actor,
            bus_id=bus.id,
            passing=inspection_body(catalog, depot, bus),
            failing=inspection_body(
                catalog, depot, bus, {"gas.leak": {"passed": False, "note": "smell"}}
            ),
        )


def _submit(
    session: Session,
    actor: Actor,
    body: dict[str, object],
    catalog: RuleCatalog,
    key: str | None = None,
) -> int:
    data = InspectionCreate.model_validate(body)
    found = inspections.submit(
        session, actor, data=data, catalog=catalog, limits=LIMITS, idempotency_key=key
    )
    return found.inspection.id


def _count(factory: sessionmaker[Session], query: Select[tuple[int]]) -> int:
    with transaction(factory) as session:
        return session.execute(query).scalar_one()


def test_two_simultaneous_releases_make_one_release(
    racing: sessionmaker[Session], catalog: RuleCatalog
) -> None:
    for _ in range(TRIALS):
        fleet = _fleet(racing, catalog)
        with transaction(racing) as session:
            _submit(session, fleet.inspector, fleet.passing, catalog)

        results = _at_once(
            racing,
            lambda s, f=fleet: (
                gate.release(  # type: ignore[misc]
                    s, f.inspector, f.bus_id, catalog=catalog, lead=LEAD
                )[1].released
            ),
        )

        assert sorted(type(r).__name__ for r in results) == ["Conflict", "bool"], results
        assert True in results
        released = select(func.count()).where(
            ReleaseDecision.vehicle_id == fleet.bus_id, ReleaseDecision.released.is_(True)
        )
        assert _count(racing, released) == 1


def test_two_identical_failing_inspections_open_one_defect(
    racing: sessionmaker[Session], catalog: RuleCatalog
) -> None:
    for _ in range(TRIALS):
        fleet = _fleet(racing, catalog)

        results = _at_once(
            racing,
            lambda s, f=fleet: _submit(s, f.inspector, f.failing, catalog),  # type: ignore[misc]
        )

        assert all(isinstance(r, int) for r in results), results
        stored = select(func.count()).where(Inspection.vehicle_id == fleet.bus_id)
        assert _count(racing, stored) == 2
        unresolved = select(func.count()).where(
            Defect.vehicle_id == fleet.bus_id,
            Defect.item_id == "gas.leak",
            Defect.status.in_(UNRESOLVED),
        )
        assert _count(racing, unresolved) == 1


def test_two_inspections_with_one_key_make_one_record(
    racing: sessionmaker[Session], catalog: RuleCatalog
) -> None:
    for _ in range(TRIALS):
        fleet = _fleet(racing, catalog)
        key = f"race-{fleet.bus_id}"

        results = _at_once(
            racing,
            lambda s, f=fleet, k=key: _submit(  # type: ignore[misc]
                s, f.inspector, f.failing, catalog, k
            ),
        )

        assert all(isinstance(r, int) for r in results), results
        assert results[0] == results[1]
        stored = select(func.count()).where(Inspection.vehicle_id == fleet.bus_id)
        assert _count(racing, stored) == 1


def test_two_work_orders_for_one_defect_make_one(
    racing: sessionmaker[Session], catalog: RuleCatalog
) -> None:
    for _ in range(TRIALS):
        fleet = _fleet(racing, catalog)
        with transaction(racing) as session:
            _submit(session, fleet.inspector, fleet.failing, catalog)
            defect_id = session.scalars(
                select(Defect.id).where(Defect.vehicle_id == fleet.bus_id)
            ).one()

        results = _at_once(
            racing,
            lambda s, f=fleet, d=defect_id: (
                workorders.create_from_defect(  # type: ignore[misc]
                    s, f.engineer, defect_id=d
                ).id
            ),
        )

        assert sorted(type(r).__name__ for r in results) == ["Conflict", "int"], results
        active = (
            select(func.count())
            .select_from(WorkOrderDefect)
            .join(WorkOrder, WorkOrder.id == WorkOrderDefect.work_order_id)
            .where(WorkOrderDefect.defect_id == defect_id, WorkOrder.status.in_(workorders.ACTIVE))
        )
        assert _count(racing, active) == 1
