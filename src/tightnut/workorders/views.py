"""What the work-order pages show: orders with their vehicle, depot, technician and contents.

Read-only and batched: a page of orders costs a fixed number of queries whatever its length.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from tightnut.auth.models import User
from tightnut.auth.rights import Actor
from tightnut.defects.models import Defect, DefectEvent
from tightnut.fleet.models import Depot, Vehicle
from tightnut.maintenance.models import ProgrammeTask
from tightnut.people import service as people
from tightnut.people.models import Technician
from tightnut.workorders import service
from tightnut.workorders.models import Part, PartUsage, StockLevel, WorkOrder

Row = TypeVar("Row", Vehicle, Depot, Technician, ProgrammeTask, Defect, Part)


@dataclass(frozen=True)
class OrderFacts:
    """One work order with what a reader needs beside it."""

    order: WorkOrder
    vehicle: Vehicle
    depot: Depot
    technician: Technician | None
    tasks: list[ProgrammeTask] = field(default_factory=list)
    defects: list[Defect] = field(default_factory=list)


@dataclass(frozen=True)
class UsedPart:
    """Parts one order took from stock."""

    usage: PartUsage
    part: Part


@dataclass(frozen=True)
class Event:
    """One line of a work order's history; ``kind`` names what happened."""

    at: datetime
    kind: str
    who: str = ""
    what: str = ""


@dataclass(frozen=True)
class Candidate:
    """A technician one may assign, and whether they may sign for this vehicle today."""

    technician: Technician
    certified: bool


@dataclass(frozen=True)
class StockChoice:
    """A part and how many lie at the order's depot."""

    part: Part
    quantity: float


def facts(session: Session, orders: Sequence[WorkOrder]) -> list[OrderFacts]:
    """Each order with its vehicle, depot, technician, tasks and defects, in six queries."""
    if not orders:
        return []
    vehicles = _by_id(session, Vehicle, {o.vehicle_id for o in orders})
    depots = _by_id(session, Depot, {o.depot_id for o in orders})
    technicians = _by_id(session, Technician, {o.technician_id for o in orders if o.technician_id})
    found = service.links(session, orders)
    tasks = _by_id(session, ProgrammeTask, {t for f in found.values() for t in f.task_ids})
    defects = _by_id(session, Defect, {d for f in found.values() for d in f.defect_ids})
    return [
        OrderFacts(
            order=order,
            vehicle=vehicles[order.vehicle_id],
            depot=depots[order.depot_id],
            technician=technicians.get(order.technician_id) if order.technician_id else None,
            tasks=[tasks[t] for t in found[order.id].task_ids],
            defects=[defects[d] for d in found[order.id].defect_ids],
        )
        for order in orders
    ]


def used_parts(session: Session, order: WorkOrder) -> list[UsedPart]:
    """The parts the order used, oldest first."""
    usages = service.links(session, [order])[order.id].parts
    catalogue = _by_id(session, Part, {u.part_id for u in usages})
    return [UsedPart(usage=u, part=catalogue[u.part_id]) for u in usages]


def history(session: Session, seen: OrderFacts, parts: Sequence[UsedPart]) -> list[Event]:
    """What happened to the order and its defects, oldest first."""
    order = seen.order
    names = _user_names(session, {order.created_by, order.signed_by_user_id})
    events = [Event(order.created_at, "created", names.get(order.created_by or 0, ""), order.title)]
    events += [Event(p.usage.used_at, "part", what=f"{p.part.sku} {p.part.name}") for p in parts]
    if seen.defects:
        query = select(DefectEvent).where(DefectEvent.defect_id.in_([d.id for d in seen.defects]))
        for change in session.scalars(query.order_by(DefectEvent.id)):
            if change.at >= order.created_at:
                events.append(Event(change.at, f"defect_{change.to_status}", what=change.note))
    if order.completed_at is not None:
        signer = session.get(Technician, order.signed_by_technician_id or 0)
        events.append(Event(order.completed_at, "signed", signer.full_name if signer else ""))
    return sorted(events, key=lambda e: e.at)


def candidates(session: Session, actor: Actor, vehicle: Vehicle) -> list[Candidate]:
    """The active technicians, each marked certified or not for the vehicle's family and engine."""
    everyone = people.list_technicians(session, actor, active_only=True)
    certified = {
        t.id
        for t in people.certified_technicians(
            session,
            actor.operator_id,
            model_family=vehicle.model_family,
            engine_type=vehicle.engine_type,
            on=date.today(),
        )
    }
    return [Candidate(t, t.id in certified) for t in everyone]


def stock_at(session: Session, actor: Actor, depot_id: int) -> list[StockChoice]:
    """The catalogue with what lies at one depot, parts in stock first."""
    levels = {
        level.part_id: level.quantity
        for level in session.scalars(select(StockLevel).where(StockLevel.depot_id == depot_id))
    }
    catalogue = [StockChoice(p, levels.get(p.id, 0.0)) for p in _parts(session, actor)]
    return sorted(catalogue, key=lambda c: (c.quantity <= 0, c.part.sku))


def _parts(session: Session, actor: Actor) -> Sequence[Part]:
    query = select(Part).where(Part.operator_id == actor.operator_id).order_by(Part.sku)
    return session.scalars(query.limit(500)).all()


def _user_names(session: Session, ids: Collection[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: u.full_name for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def _by_id(session: Session, model: type[Row], ids: Collection[int | None]) -> dict[int, Row]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(wanted)))}
