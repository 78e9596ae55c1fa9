"""A vehicle's timeline: every history merged newest first, paged without gaps or repeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from factories import make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Role
from tightnut.errors import Invalid
from tightnut.fleet.models import MeterReading, Vehicle, VehicleEvent
from tightnut.timeline.service import timeline

NOON = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _vehicle_with_history(session: Session) -> Vehicle:
    """Seven readings and seven events, two of each at every instant: ties across histories."""
    operator = make_operator(session)
    vehicle = make_vehicle(session, make_depot(session, operator))
    user = make_login(session, operator, Role.FLEET_MANAGER).actor.user_id
    for step in range(7):
        at = NOON + timedelta(minutes=step // 2)
        session.add(
            MeterReading(
                vehicle_id=vehicle.id, meter="odometer_km", value=100 + step, source="t", read_at=at
            )
        )
        session.add(
            VehicleEvent(vehicle_id=vehicle.id, kind="wheel_change", at=at, detail={}, user_id=user)
        )
    session.flush()
    return vehicle


def test_every_entry_shows_once_in_order_across_pages(session: Session) -> None:
    vehicle = _vehicle_with_history(session)
    seen: list[tuple[datetime, str, int]] = []
    older: str | None = None
    for _ in range(20):
        page = timeline(session, vehicle, older=older, limit=3)
        seen += [(e.at, e.kind, e.id) for e in page.entries]
        older = page.older
        if older is None:
            break
    everything = timeline(session, vehicle, limit=100).entries
    assert seen == [(e.at, e.kind, e.id) for e in everything]
    assert len(seen) == len(set(seen)) == 14
    assert [at for at, _, _ in seen] == sorted((at for at, _, _ in seen), reverse=True)


def test_a_position_that_was_not_given_out_is_invalid(session: Session) -> None:
    vehicle = _vehicle_with_history(session)
    for bad in ("nonsense", "WyIyMDI2IiwieCIsMV0", "WyIyMDI2LTAzLTAxVDEyOjAwOjAwIiwibWV0ZXIiLDFd"):
        with pytest.raises(Invalid):
            timeline(session, vehicle, older=bad)
