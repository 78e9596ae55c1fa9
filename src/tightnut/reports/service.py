"""The fleet manager's overview figures: availability per shift, maintenance on time, defects.

Each figure is aggregated in the database (GROUP BY), so the overview costs a few queries
whatever the fleet's size; Python only walks the groups (shifts, months, systems).

- Availability of a depot in a shift: the vehicles released to the line in that shift over
  the vehicles of the depot in service now. Only shifts in which the gate decided anything
  (a release or a refusal) count: a shift with no decision at all is no record, not 0 %.
- On time: the maintenance domain's own rate per month, for the operator as a whole.
- Open defects by system: unresolved defects (open, in repair, repaired but not yet
  re-inspected) by the system of the rule item they failed (``brakes.service`` → brakes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from tightnut.auth.rights import Actor, Right
from tightnut.db import utcnow
from tightnut.defects.models import UNRESOLVED, Defect
from tightnut.fleet.models import Depot, Vehicle
from tightnut.fleet.service import list_depots
from tightnut.gate.models import ReleaseDecision
from tightnut.gate.shifts import current_shift
from tightnut.maintenance import service as maintenance

AVAILABILITY_DAYS = 30
ON_TIME_MONTHS = 12


@dataclass(frozen=True)
class ShiftShare:
    """How many of a depot's vehicles went out in one shift."""

    shift_start: datetime
    released: int
    decided: int
    fleet: int

    @property
    def share(self) -> float:
        """Released over the depot's vehicles in service (0 for a depot with none)."""
        return min(self.released / self.fleet, 1.0) if self.fleet else 0.0


@dataclass(frozen=True)
class DepotAvailability:
    """One depot's shifts over the period, oldest first."""

    depot: Depot
    fleet: int
    shifts: tuple[ShiftShare, ...]


@dataclass(frozen=True)
class MonthRate:
    """The share of maintenance done within tolerance in one month."""

    month: date
    done: int
    on_time: int
    overdue_open: int
    rate: float | None


@dataclass(frozen=True)
class SystemCount:
    """Open defects of one system (the rule pack's item group)."""

    system: str
    count: int


@dataclass(frozen=True)
class Overview:
    """The three figures of the overview and the period they cover."""

    since: datetime
    until: datetime
    availability: tuple[DepotAvailability, ...]
    on_time: tuple[MonthRate, ...]
    defects: tuple[SystemCount, ...]


def overview(session: Session, actor: Actor, *, now: datetime | None = None) -> Overview:
    """Every figure of the caller's overview, as of ``now``."""
    actor.require(Right.READ_FLEET)
    until = now or utcnow()
    since = until - timedelta(days=AVAILABILITY_DAYS)
    return Overview(
        since=since,
        until=until,
        availability=availability(session, actor, since=since, until=until),
        on_time=on_time_by_month(session, actor, until=until),
        defects=open_defects_by_system(session, actor),
    )


def availability(
    session: Session, actor: Actor, *, since: datetime, until: datetime | None = None
) -> tuple[DepotAvailability, ...]:
    """Per depot of the caller, each shift since ``since`` with a gate decision: its share.

    The shift under way at ``until`` (now by default) is left out: half its vehicles may not
    have gone out yet, and a trend should not dip for that.
    """
    actor.require(Right.READ_FLEET)
    fleet = _fleet_sizes(session, actor.operator_id)
    # Vehicles, not answers: one blocked after its release and released again counts once.
    released = func.count(
        func.distinct(case((ReleaseDecision.released.is_(True), ReleaseDecision.vehicle_id)))
    )
    query = (
        select(
            ReleaseDecision.depot_id,
            ReleaseDecision.shift_start,
            released,
            func.count(func.distinct(ReleaseDecision.vehicle_id)),
        )
        .where(
            ReleaseDecision.operator_id == actor.operator_id,
            ReleaseDecision.shift_start >= since,
        )
        .group_by(ReleaseDecision.depot_id, ReleaseDecision.shift_start)
        .order_by(ReleaseDecision.depot_id, ReleaseDecision.shift_start)
    )
    depots = list_depots(session, actor)
    now = until or utcnow()
    under_way = {
        depot.id: current_shift(
            now, timezone=depot.timezone, shift_starts=depot.shift_starts, lead=timedelta(0)
        ).start
        for depot in depots
    }
    shifts: dict[int, list[ShiftShare]] = {}
    for depot_id, start, out, decided in session.execute(query):
        if depot_id in under_way and start >= under_way[depot_id]:
            continue
        size = fleet.get(depot_id, 0)
        shifts.setdefault(depot_id, []).append(ShiftShare(start, int(out or 0), decided, size))
    return tuple(
        DepotAvailability(depot, fleet.get(depot.id, 0), tuple(shifts.get(depot.id, ())))
        for depot in depots
    )


def _fleet_sizes(session: Session, operator_id: int) -> dict[int, int]:
    """Vehicles in service per depot (those taken out of service are not expected out)."""
    query = (
        select(Vehicle.depot_id, func.count())
        .where(Vehicle.operator_id == operator_id, Vehicle.out_of_service_at.is_(None))
        .group_by(Vehicle.depot_id)
    )
    return {depot_id: count for depot_id, count in session.execute(query)}  # noqa: C416


def on_time_by_month(
    session: Session, actor: Actor, *, until: datetime, months: int = ON_TIME_MONTHS
) -> tuple[MonthRate, ...]:
    """The operator's on-time rate for each of the last ``months`` months that has any work."""
    first = _months_back(until.date().replace(day=1), months - 1)
    found = []
    for row in maintenance.on_time(session, actor):
        month = date.fromisoformat(f"{row.month}-01")
        if row.depot_id is None and month >= first:
            found.append(MonthRate(month, row.done, row.on_time, row.overdue_open, row.rate))
    return tuple(sorted(found, key=lambda m: m.month))


def _months_back(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def open_defects_by_system(session: Session, actor: Actor) -> tuple[SystemCount, ...]:
    """The caller's unresolved defects counted by system, the most first."""
    actor.require(Right.READ_FLEET)
    query = (
        select(Defect.item_id, func.count())
        .where(Defect.operator_id == actor.operator_id, Defect.status.in_(UNRESOLVED))
        .group_by(Defect.item_id)
    )
    counts: dict[str, int] = {}
    for item_id, count in session.execute(query):
        system = item_id.split(".", 1)[0]
        counts[system] = counts.get(system, 0) + count
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(SystemCount(system, count) for system, count in ordered)
