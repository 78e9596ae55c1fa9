"""Planning work orders from the due list: one visit per vehicle for what falls due soon."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tightnut.auth.rights import Actor, Right
from tightnut.db import utcnow
from tightnut.fleet.models import Vehicle
from tightnut.fleet.service import get_depot
from tightnut.maintenance.duelist import DueEntry, compute_entries, facts_of
from tightnut.workorders.models import WorkOrder, WorkOrderTask
from tightnut.workorders.service import ACTIVE, create_work_order


def plan(session: Session, actor: Actor, *, depot_id: int, days: int) -> list[WorkOrder]:
    """One work order per vehicle for tasks falling due within ``days`` (unless already planned)."""
    actor.require(Right.PLAN_WORK)
    depot = get_depot(session, actor, depot_id)
    today = utcnow().date()
    horizon = today + timedelta(days=days)
    planned = _planned_tasks(session, actor.operator_id)
    visits: dict[int, list[DueEntry]] = defaultdict(list)
    for entry in compute_entries(session, actor.operator_id, today=today, depot_id=depot.id):
        falls_due = entry.status in ("due", "overdue") or (
            entry.forecast_date is not None and entry.forecast_date <= horizon
        )
        if falls_due and not entry.suppressed and (entry.vehicle.id, entry.task.id) not in planned:
            visits[entry.vehicle.id].append(entry)
    orders = []
    for vehicle_id, entries in sorted(visits.items()):
        when = min((e.forecast_date for e in entries if e.forecast_date), default=today)
        orders.append(
            create_work_order(
                session,
                actor,
                vehicle_id=vehicle_id,
                title="Planned maintenance: " + ", ".join(e.task.code for e in entries),
                task_ids=[e.task.id for e in entries],
                planned_on=max(when, today),
            )
        )
    return orders


def _planned_tasks(session: Session, operator_id: int) -> set[tuple[int, int]]:
    query = (
        select(WorkOrder.vehicle_id, WorkOrderTask.task_id)
        .join(WorkOrderTask, WorkOrderTask.work_order_id == WorkOrder.id)
        .where(WorkOrder.operator_id == operator_id, WorkOrder.status.in_(ACTIVE))
    )
    return {(row.vehicle_id, row.task_id) for row in session.execute(query)}


DUE_STATES = frozenset({"due_soon", "due", "overdue", "invalid_input"})


def vehicle_due(
    session: Session, actor: Actor, vehicle: Vehicle, *, wanted: frozenset[int] = frozenset()
) -> list[DueEntry]:
    """The vehicle's tasks due soon, due or overdue, and those in ``wanted``; most urgent first."""
    actor.require(Right.READ_FLEET)
    entries = compute_entries(
        session,
        actor.operator_id,
        today=utcnow().date(),
        vehicles=[facts_of(vehicle)],
        statuses=DUE_STATES | {"ok"},
    )
    shown = [e for e in entries if e.status in DUE_STATES or e.task.id in wanted]
    order = {"invalid_input": 0, "overdue": 1, "due": 2, "due_soon": 3, "ok": 4}
    return sorted(shown, key=lambda e: (order[e.status], e.forecast_date or utcnow().date()))
