"""Work orders: planned from due tasks and defects, worked, and signed by a certified technician.

Every change takes the version the caller last saw; a stale one is refused with 409 naming
``version`` (checked here, and again by SQLAlchemy's ``version_id_col`` at the UPDATE).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from tightnut.auth.rights import Actor, Right
from tightnut.db import utcnow
from tightnut.defects import service as defects
from tightnut.defects.models import Defect, DefectStatus
from tightnut.errors import Conflict, Invalid, NotFound
from tightnut.fleet import service as fleet
from tightnut.fleet.meters import MeterLimits
from tightnut.fleet.models import Meter, Vehicle
from tightnut.maintenance import service as maintenance
from tightnut.maintenance.models import Programme, ProgrammeTask
from tightnut.paging import PageRequest, Slice, keyset
from tightnut.people import service as people
from tightnut.workorders import parts
from tightnut.workorders.models import (
    PartUsage,
    WorkOrder,
    WorkOrderDefect,
    WorkOrderStatus,
    WorkOrderTask,
)

S = WorkOrderStatus
ACTIVE = (S.OPEN, S.ASSIGNED, S.IN_PROGRESS)
REPAIRABLE = (DefectStatus.OPEN, DefectStatus.IN_REPAIR)


@dataclass(frozen=True)
class Links:
    """What one work order covers and used: task ids, defect ids, part usages."""

    task_ids: list[int] = field(default_factory=list)
    defect_ids: list[int] = field(default_factory=list)
    parts: list[PartUsage] = field(default_factory=list)


def create_work_order(
    session: Session,
    actor: Actor,
    *,
    vehicle_id: int,
    title: str,
    task_ids: Sequence[int] = (),
    defect_ids: Sequence[int] = (),
    planned_on: date | None = None,
) -> WorkOrder:
    """One workshop visit of a vehicle for some of its programme tasks and open defects."""
    actor.require(Right.PLAN_WORK)
    vehicle = _own_vehicle(session, actor, vehicle_id)
    title = title.strip()
    if not title:
        raise Invalid("a work order needs a title", field="title")
    tasks = _free_tasks(session, actor, vehicle, list(dict.fromkeys(task_ids)))
    faults = _free_defects(session, actor, vehicle, list(dict.fromkeys(defect_ids)))
    order = WorkOrder(
        operator_id=actor.operator_id,
        vehicle_id=vehicle.id,
        depot_id=vehicle.depot_id,
        status=S.OPEN,
        title=title[:300],
        planned_on=planned_on,
        created_by=actor.user_id,
        created_at=utcnow(),
    )
    session.add(order)
    session.flush()
    session.add_all(WorkOrderTask(work_order_id=order.id, task_id=t) for t in tasks)
    session.add_all(WorkOrderDefect(work_order_id=order.id, defect_id=d) for d in faults)
    session.flush()
    return order


def create_from_defect(session: Session, actor: Actor, *, defect_id: int) -> WorkOrder:
    """A work order to repair one defect."""
    actor.require(Right.PLAN_WORK)
    defect = defects.get_defect(session, actor, defect_id)
    return create_work_order(
        session,
        actor,
        vehicle_id=defect.vehicle_id,
        title=f"Repair: {defect.description}",
        defect_ids=[defect.id],
    )


def _own_vehicle(session: Session, actor: Actor, vehicle_id: int) -> Vehicle:
    """The caller's vehicle, locked: two planners of one vehicle take turns."""
    vehicle = session.get(Vehicle, vehicle_id)
    if vehicle is None or vehicle.operator_id != actor.operator_id:
        raise NotFound(f"no vehicle {vehicle_id}", field="vehicle_id")
    return fleet.lock_vehicle(session, vehicle)


def _free_tasks(session: Session, actor: Actor, vehicle: Vehicle, task_ids: list[int]) -> list[int]:
    if not task_ids:
        return []
    query = (
        select(ProgrammeTask.id)
        .join(Programme, Programme.id == ProgrammeTask.programme_id)
        .where(ProgrammeTask.id.in_(task_ids), Programme.operator_id == actor.operator_id)
    )
    found = set(session.scalars(query))
    for task_id in task_ids:
        if task_id not in found:
            raise NotFound(f"no programme task {task_id}", field="task_ids")
    busy = session.execute(
        select(WorkOrderTask.task_id, WorkOrder.id)
        .join(WorkOrder, WorkOrder.id == WorkOrderTask.work_order_id)
        .where(
            WorkOrder.vehicle_id == vehicle.id,
            WorkOrder.status.in_(ACTIVE),
            WorkOrderTask.task_id.in_(task_ids),
        )
    ).first()
    if busy is not None:
        raise Conflict(f"task {busy[0]} is already on work order {busy[1]}", field="task_ids")
    return task_ids


def _free_defects(
    session: Session, actor: Actor, vehicle: Vehicle, defect_ids: list[int]
) -> list[int]:
    for defect_id in defect_ids:
        defect = session.get(Defect, defect_id)
        if defect is None or defect.operator_id != actor.operator_id:
            raise NotFound(f"no defect {defect_id}", field="defect_ids")
        if defect.vehicle_id != vehicle.id:
            raise Invalid(f"defect {defect_id} is not on vehicle {vehicle.id}", field="defect_ids")
        if defect.status not in REPAIRABLE:
            raise Conflict(
                f"defect {defect_id} is {defect.status}; only an open defect can be repaired",
                field="defect_ids",
            )
    if not defect_ids:
        return []
    busy = session.execute(
        select(WorkOrderDefect.defect_id, WorkOrder.id)
        .join(WorkOrder, WorkOrder.id == WorkOrderDefect.work_order_id)
        .where(WorkOrder.status.in_(ACTIVE), WorkOrderDefect.defect_id.in_(defect_ids))
    ).first()
    if busy is not None:
        raise Conflict(f"defect {busy[0]} is already on work order {busy[1]}", field="defect_ids")
    return defect_ids


def planned_task_ids(session: Session, *, vehicle_id: int) -> set[int]:
    """Task ids already on an open, assigned or in-progress work order of the vehicle."""
    query = (
        select(WorkOrderTask.task_id)
        .join(WorkOrder, WorkOrder.id == WorkOrderTask.work_order_id)
        .where(WorkOrder.vehicle_id == vehicle_id, WorkOrder.status.in_(ACTIVE))
    )
    return set(session.scalars(query))


def get_work_order(session: Session, actor: Actor, work_order_id: int) -> WorkOrder:
    """The caller's work order ``work_order_id``; 404 for anyone else's."""
    order = session.get(WorkOrder, work_order_id)
    if order is None or order.operator_id != actor.operator_id:
        raise NotFound(f"no work order {work_order_id}")
    return order


def list_work_orders(
    session: Session,
    actor: Actor,
    *,
    depot_id: int | None = None,
    status: str | None = None,
    vehicle_id: int | None = None,
) -> Sequence[WorkOrder]:
    """The caller's work orders, newest first, optionally of one depot, status or vehicle."""
    query = select(WorkOrder).where(WorkOrder.operator_id == actor.operator_id)
    if depot_id is not None:
        query = query.where(WorkOrder.depot_id == depot_id)
    if status is not None:
        if status not in S.__members__.values():
            raise Invalid(f"unknown status '{status}'", field="status")
        query = query.where(WorkOrder.status == status)
    if vehicle_id is not None:
        query = query.where(WorkOrder.vehicle_id == vehicle_id)
    return session.scalars(query.order_by(WorkOrder.id.desc())).all()


def links(session: Session, orders: Collection[WorkOrder]) -> dict[int, Links]:
    """Tasks, defects and parts of each order, keyed by work order id, in three queries."""
    found = {order.id: Links() for order in orders}
    tasks = select(WorkOrderTask).where(WorkOrderTask.work_order_id.in_(found))
    for task in session.scalars(tasks.order_by(WorkOrderTask.id)):
        found[task.work_order_id].task_ids.append(task.task_id)
    faults = select(WorkOrderDefect).where(WorkOrderDefect.work_order_id.in_(found))
    for fault in session.scalars(faults.order_by(WorkOrderDefect.id)):
        found[fault.work_order_id].defect_ids.append(fault.defect_id)
    usages = select(PartUsage).where(PartUsage.work_order_id.in_(found))
    for usage in session.scalars(usages.order_by(PartUsage.id)):
        found[usage.work_order_id].parts.append(usage)
    return found


def assign(
    session: Session,
    actor: Actor,
    work_order: WorkOrder,
    *,
    expected_version: int,
    technician_id: int,
) -> WorkOrder:
    """Give the order to a technician (open/assigned → assigned; in progress stays so)."""
    actor.require(Right.PLAN_WORK)
    _check(work_order, expected_version, ACTIVE, "assigned")
    technician = people.get_technician(session, actor, technician_id)
    if not technician.active:
        raise Conflict(f"technician {technician_id} is not active", field="technician_id")
    work_order.technician_id = technician.id
    if work_order.status != S.IN_PROGRESS:
        work_order.status = S.ASSIGNED
    return _save(session, work_order)


def start(
    session: Session, actor: Actor, work_order: WorkOrder, *, expected_version: int
) -> WorkOrder:
    """assigned → in progress."""
    actor.require(Right.DO_WORK)
    _check(work_order, expected_version, (S.ASSIGNED,), "started")
    work_order.status = S.IN_PROGRESS
    return _save(session, work_order)


def cancel(
    session: Session, actor: Actor, work_order: WorkOrder, *, expected_version: int, reason: str
) -> WorkOrder:
    """open/assigned/in progress → cancelled, with the reason."""
    actor.require(Right.PLAN_WORK)
    _check(work_order, expected_version, ACTIVE, "cancelled")
    reason = reason.strip()
    if len(reason) < 3:
        raise Invalid("say why the order is cancelled", field="reason")
    work_order.status = S.CANCELLED
    work_order.cancelled_reason = reason[:1000]
    return _save(session, work_order)


def update(
    session: Session,
    actor: Actor,
    work_order: WorkOrder,
    *,
    expected_version: int,
    labour_hours: float | None = None,
    notes: str | None = None,
) -> WorkOrder:
    """Record labour hours and notes on an order not yet signed or cancelled."""
    actor.require(Right.DO_WORK)
    _check(work_order, expected_version, ACTIVE, "edited")
    if labour_hours is not None:
        work_order.labour_hours = _labour(labour_hours)
    if notes is not None:
        work_order.notes = notes.strip()[:4000]
    return _save(session, work_order)


def use_part(
    session: Session,
    actor: Actor,
    work_order: WorkOrder,
    *,
    expected_version: int,
    part_id: int,
    quantity: float,
    depot_id: int | None = None,
) -> PartUsage:
    """Take parts from a depot's stock (the order's depot unless named) for work in progress."""
    actor.require(Right.DO_WORK)
    _check(work_order, expected_version, (S.IN_PROGRESS,), "given parts")
    part = parts.get_part(session, actor, part_id)
    source = work_order.depot_id if depot_id is None else depot_id
    parts.take_stock(session, actor, part=part, depot_id=source, quantity=quantity)
    usage = PartUsage(
        work_order_id=work_order.id,
        part_id=part.id,
        depot_id=source,
        quantity=quantity,
        used_at=utcnow(),
    )
    session.add(usage)
    _save(session, work_order)
    return usage


def sign_off(
    session: Session,
    actor: Actor,
    work_order: WorkOrder,
    *,
    expected_version: int,
    completion_km: float | None,
    completion_hours: float | None,
    labour_hours: float,
    notes: str,
    limits: MeterLimits,
) -> WorkOrder:
    """in progress → done, signed by a technician certified for the vehicle's family and engine.

    Records the completion meters, marks the linked defects repaired (the gate still wants a
    passing re-inspection) and resets the programme tasks from the completion reading.
    """
    actor.require(Right.DO_WORK)
    _check(work_order, expected_version, (S.IN_PROGRESS,), "signed")
    vehicle = session.get_one(Vehicle, work_order.vehicle_id)
    signer = people.certified_signer(
        session, actor, model_family=vehicle.model_family, engine_type=vehicle.engine_type
    )
    notes = notes.strip()
    if len(notes) < 3:
        raise Invalid("say what was done", field="notes")
    labour = _labour(labour_hours)
    _check_meters(vehicle, completion_km=completion_km, completion_hours=completion_hours)
    _record_meters(session, actor, vehicle, km=completion_km, hours=completion_hours, limits=limits)
    now = utcnow()
    work_order.status = S.DONE
    work_order.completed_at = now
    work_order.completion_km = completion_km
    work_order.completion_hours = completion_hours
    work_order.labour_hours = labour
    work_order.notes = notes[:4000]
    work_order.signed_by_technician_id = signer.id
    work_order.signed_by_user_id = actor.user_id
    _save(session, work_order)
    found = links(session, [work_order])[work_order.id]
    _repair_defects(session, actor, work_order, found.defect_ids, notes=notes)
    if found.task_ids:
        maintenance.complete_tasks(
            session,
            work_order_id=work_order.id,
            vehicle=vehicle,
            task_ids=found.task_ids,
            done_km=completion_km,
            done_hours=completion_hours,
            done_at=now,
        )
    return work_order


def _check_meters(
    vehicle: Vehicle, *, completion_km: float | None, completion_hours: float | None
) -> None:
    # A reading below the last one is refused by record_meter, named after our field there.
    readings = (
        (Meter.ODOMETER_KM, completion_km, "completion_km"),
        (Meter.ENGINE_HOURS, completion_hours, "completion_hours"),
    )
    for meter, value, name in readings:
        current: float | None = getattr(vehicle, meter.value)
        if value is None and current is not None:
            raise Invalid(f"the vehicle's {meter.value} reads {current:g}; give it", field=name)
        if value is not None and value < 0:
            raise Invalid("a meter reading cannot be negative", field=name)


def _record_meters(
    session: Session,
    actor: Actor,
    vehicle: Vehicle,
    *,
    km: float | None,
    hours: float | None,
    limits: MeterLimits,
) -> None:
    readings = (
        (Meter.ODOMETER_KM, km, "completion_km"),
        (Meter.ENGINE_HOURS, hours, "completion_hours"),
    )
    for meter, value, name in readings:
        if value is None:
            continue
        try:
            fleet.record_meter(
                session,
                actor,
                vehicle,
                meter=meter,
                value=value,
                source="work_order",
                limits=limits,
            )
        except Invalid as exc:
            raise Invalid(exc.message, field=name, detail=exc.detail) from None


def _repair_defects(
    session: Session, actor: Actor, work_order: WorkOrder, defect_ids: list[int], *, notes: str
) -> None:
    for defect_id in defect_ids:
        defect = session.get_one(Defect, defect_id)
        if defect.status in REPAIRABLE:
            work_done = f"work order {work_order.id}: {notes}"[:2000]
            defects.mark_repaired(session, actor, defect, work_done=work_done, client_time=None)


def _labour(hours: float) -> float:
    if hours < 0:
        raise Invalid("labour hours cannot be negative", field="labour_hours")
    return hours


def _check(
    work_order: WorkOrder, expected_version: int, allowed: Collection[str], action: str
) -> None:
    if work_order.version != expected_version:
        raise _stale(work_order, expected_version)
    if work_order.status not in allowed:
        raise Conflict(
            f"work order {work_order.id} is {work_order.status}; it cannot be {action}",
            field="status",
        )


def _stale(work_order: WorkOrder, expected_version: int) -> Conflict:
    return Conflict(
        f"work order {work_order.id} is at version {work_order.version}, "
        f"not {expected_version}; reload it and try again",
        field="version",
        detail={"current_version": work_order.version},
    )


def _save(session: Session, work_order: WorkOrder) -> WorkOrder:
    # Every accepted change bumps the version, even one that only adds rows beside the order.
    order_id, expected = work_order.id, work_order.version
    flag_modified(work_order, "status")
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(
            f"work order {order_id} was changed by someone else since version {expected}; "
            "reload it and try again",
            field="version",
        ) from None
    return work_order


def vehicle_history(session: Session, vehicle: Vehicle, *, page: PageRequest) -> Slice[WorkOrder]:
    """One page of the vehicle's work orders, newest first, whatever their status."""
    query = select(WorkOrder).where(
        WorkOrder.operator_id == vehicle.operator_id, WorkOrder.vehicle_id == vehicle.id
    )
    return keyset(session, query, key=WorkOrder.created_at, row_id=WorkOrder.id, page=page)


def page_work_orders(
    session: Session,
    actor: Actor,
    *,
    page: PageRequest,
    status: str | None = None,
    depot_id: int | None = None,
    technician_id: int | None = None,
    plate: str | None = None,
) -> Slice[WorkOrder]:
    """One page of the caller's work orders, newest first, by state, depot, technician or plate."""
    query = select(WorkOrder).where(WorkOrder.operator_id == actor.operator_id)
    if status:
        if status not in S.__members__.values():
            raise Invalid(f"unknown status '{status}'", field="status")
        query = query.where(WorkOrder.status == status)
    if depot_id is not None:
        query = query.where(WorkOrder.depot_id == depot_id)
    if technician_id is not None:
        query = query.where(WorkOrder.technician_id == technician_id)
    if plate and plate.strip():
        wanted = plate.strip().upper()
        query = query.join(Vehicle, Vehicle.id == WorkOrder.vehicle_id).where(
            Vehicle.plate.contains(wanted, autoescape=True)
        )
    return keyset(session, query, key=WorkOrder.created_at, row_id=WorkOrder.id, page=page)


def find_same_order(
    session: Session,
    actor: Actor,
    *,
    vehicle_id: int,
    task_ids: Collection[int],
    defect_ids: Collection[int],
) -> WorkOrder | None:
    """The caller's own active order of the vehicle for exactly these tasks and defects.

    A form sent twice finds the order its first sending made, so the page shows that one.
    """
    if not task_ids and not defect_ids:
        return None
    query = select(WorkOrder).where(
        WorkOrder.operator_id == actor.operator_id,
        WorkOrder.vehicle_id == vehicle_id,
        WorkOrder.created_by == actor.user_id,
        WorkOrder.status.in_(ACTIVE),
    )
    orders = session.scalars(query.order_by(WorkOrder.id.desc()).limit(20)).all()
    found = links(session, orders)
    for order in orders:
        covers = found[order.id]
        if set(covers.task_ids) == set(task_ids) and set(covers.defect_ids) == set(defect_ids):
            return order
    return None


def repairable_defects(session: Session, actor: Actor, vehicle: Vehicle) -> Sequence[Defect]:
    """The vehicle's defects still to repair (open or in repair), newest first."""
    query = select(Defect).where(
        Defect.operator_id == actor.operator_id,
        Defect.vehicle_id == vehicle.id,
        Defect.status.in_(REPAIRABLE),
    )
    return session.scalars(query.order_by(Defect.opened_at.desc(), Defect.id.desc())).all()


def planned_defects(session: Session, *, defect_ids: Collection[int]) -> dict[int, int]:
    """Of ``defect_ids``, those already on an active work order, with that order's id."""
    if not defect_ids:
        return {}
    query = (
        select(WorkOrderDefect.defect_id, WorkOrder.id)
        .join(WorkOrder, WorkOrder.id == WorkOrderDefect.work_order_id)
        .where(WorkOrder.status.in_(ACTIVE), WorkOrderDefect.defect_id.in_(defect_ids))
    )
    return {row[0]: row[1] for row in session.execute(query)}


def planned_tasks(session: Session, *, vehicle_id: int) -> dict[int, int]:
    """The vehicle's task ids on an active work order, with that order's id."""
    query = (
        select(WorkOrderTask.task_id, WorkOrder.id)
        .join(WorkOrder, WorkOrder.id == WorkOrderTask.work_order_id)
        .where(WorkOrder.vehicle_id == vehicle_id, WorkOrder.status.in_(ACTIVE))
    )
    return {row[0]: row[1] for row in session.execute(query)}


def vehicles_by_plate(
    session: Session, actor: Actor, *, plate: str, limit: int = 20
) -> Sequence[Vehicle]:
    """The caller's vehicles whose plate holds ``plate``, by plate, at most ``limit``."""
    wanted = plate.strip().upper()
    if not wanted:
        return []
    query = select(Vehicle).where(
        Vehicle.operator_id == actor.operator_id, Vehicle.plate.contains(wanted, autoescape=True)
    )
    return session.scalars(query.order_by(Vehicle.plate, Vehicle.id).limit(limit)).all()
