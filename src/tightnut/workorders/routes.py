"""Work-order API: plan, assign, start, use parts, sign off or cancel; the parts catalogue."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter
from sqlalchemy.orm import Session

from tightnut.auth.rights import Actor
from tightnut.deps import ApiActor, DbSession, Limits
from tightnut.fields import PathId, QueryId
from tightnut.fleet.service import get_vehicle
from tightnut.maintenance.schemas import PlanRequest
from tightnut.paging import Page, PageQuery
from tightnut.workorders import parts, plan, service
from tightnut.workorders.models import Part, WorkOrder, WorkOrderStatus
from tightnut.workorders.schemas import (
    Assign,
    Cancel,
    PartCreate,
    PartRead,
    PartUsageRead,
    PartUse,
    SignOff,
    Start,
    StockRead,
    StockReceipt,
    StockSet,
    WorkOrderCreate,
    WorkOrderRead,
    WorkOrderUpdate,
)

router = APIRouter(tags=["work orders"])


@router.post("/work-orders", status_code=201)
def create_work_order(data: WorkOrderCreate, session: DbSession, actor: ApiActor) -> WorkOrderRead:
    """Plan a workshop visit for some of a vehicle's tasks and open defects."""
    order = service.create_work_order(session, actor, **data.model_dump())
    return _read(session, order)


@router.post("/maintenance/plan", status_code=201, tags=["maintenance"])
def plan_due_work(
    data: PlanRequest, session: DbSession, actor: ApiActor
) -> list[dict[str, object]]:
    """Plan one work order per vehicle for what falls due in the next days."""
    orders = plan.plan(session, actor, depot_id=data.depot_id, days=data.days)
    return [
        {"id": o.id, "vehicle_id": o.vehicle_id, "title": o.title, "planned_on": o.planned_on}
        for o in orders
    ]


@router.post("/defects/{defect_id}/work-order", status_code=201)
def create_from_defect(defect_id: PathId, session: DbSession, actor: ApiActor) -> WorkOrderRead:
    """A work order to repair one defect."""
    return _read(session, service.create_from_defect(session, actor, defect_id=defect_id))


@router.get("/work-orders")
def list_work_orders(
    session: DbSession,
    actor: ApiActor,
    depot_id: QueryId = None,
    status: WorkOrderStatus | None = None,
    vehicle_id: QueryId = None,
) -> list[WorkOrderRead]:
    """The caller's work orders, newest first."""
    orders = service.list_work_orders(
        session, actor, depot_id=depot_id, status=status, vehicle_id=vehicle_id
    )
    return _read_all(session, orders)


@router.get("/work-orders/{work_order_id}")
def get_work_order(work_order_id: PathId, session: DbSession, actor: ApiActor) -> WorkOrderRead:
    """One work order with its tasks, defects and parts."""
    return _read(session, service.get_work_order(session, actor, work_order_id))


@router.patch("/work-orders/{work_order_id}")
def update(
    work_order_id: PathId, data: WorkOrderUpdate, session: DbSession, actor: ApiActor
) -> WorkOrderRead:
    """Record labour hours and notes; a stale ``version`` is refused with 409."""
    order = service.get_work_order(session, actor, work_order_id)
    service.update(
        session,
        actor,
        order,
        expected_version=data.version,
        labour_hours=data.labour_hours,
        notes=data.notes,
    )
    return _read(session, order)


@router.post("/work-orders/{work_order_id}/assign")
def assign(
    work_order_id: PathId, data: Assign, session: DbSession, actor: ApiActor
) -> WorkOrderRead:
    """Give the order to a technician."""
    order = service.get_work_order(session, actor, work_order_id)
    service.assign(
        session, actor, order, expected_version=data.version, technician_id=data.technician_id
    )
    return _read(session, order)


@router.post("/work-orders/{work_order_id}/start")
def start(work_order_id: PathId, data: Start, session: DbSession, actor: ApiActor) -> WorkOrderRead:
    """assigned → in progress."""
    order = service.get_work_order(session, actor, work_order_id)
    service.start(session, actor, order, expected_version=data.version)
    return _read(session, order)


@router.post("/work-orders/{work_order_id}/cancel")
def cancel(
    work_order_id: PathId, data: Cancel, session: DbSession, actor: ApiActor
) -> WorkOrderRead:
    """Cancel the order, saying why."""
    order = service.get_work_order(session, actor, work_order_id)
    service.cancel(session, actor, order, expected_version=data.version, reason=data.reason)
    return _read(session, order)


@router.post("/work-orders/{work_order_id}/parts", status_code=201)
def use_part(
    work_order_id: PathId, data: PartUse, session: DbSession, actor: ApiActor
) -> WorkOrderRead:
    """Take parts from stock for this order; never more than lie there."""
    order = service.get_work_order(session, actor, work_order_id)
    service.use_part(
        session,
        actor,
        order,
        expected_version=data.version,
        part_id=data.part_id,
        quantity=data.quantity,
        depot_id=data.depot_id,
    )
    return _read(session, order)


@router.post("/work-orders/{work_order_id}/sign-off")
def sign_off(
    work_order_id: PathId, data: SignOff, session: DbSession, actor: ApiActor, limits: Limits
) -> WorkOrderRead:
    """Sign the work done; only a technician certified for the vehicle's family and engine."""
    order = service.get_work_order(session, actor, work_order_id)
    service.sign_off(
        session,
        actor,
        order,
        expected_version=data.version,
        completion_km=data.completion_km,
        completion_hours=data.completion_hours,
        labour_hours=data.labour_hours,
        notes=data.notes,
        limits=limits,
    )
    return _read(session, order)


@router.post("/parts", status_code=201)
def create_part(data: PartCreate, session: DbSession, actor: ApiActor) -> PartRead:
    """Add a part to the catalogue."""
    part = parts.create_part(session, actor, **data.model_dump())
    return PartRead.model_validate(part)


@router.get("/parts")
def list_parts(session: DbSession, actor: ApiActor) -> list[PartRead]:
    """The catalogue with stock per depot."""
    return _parts(session, actor, parts.list_parts(session, actor))


@router.put("/parts/{part_id}/stock/{depot_id}")
def set_stock(
    part_id: PathId, depot_id: PathId, data: StockSet, session: DbSession, actor: ApiActor
) -> StockRead:
    """Set the counted stock of a part at a depot."""
    level = parts.set_stock(
        session, actor, part_id=part_id, depot_id=depot_id, quantity=data.quantity
    )
    return StockRead.model_validate(level)


@router.post("/parts/{part_id}/stock/{depot_id}/receipts")
def receive_stock(
    part_id: PathId, depot_id: PathId, data: StockReceipt, session: DbSession, actor: ApiActor
) -> StockRead:
    """Add received parts to a depot's stock."""
    level = parts.receive_stock(
        session, actor, part_id=part_id, depot_id=depot_id, quantity=data.quantity
    )
    return StockRead.model_validate(level)


def _parts(session: Session, actor: Actor, catalogue: Sequence[Part]) -> list[PartRead]:
    levels = parts.list_stock(session, actor)
    reads = [PartRead.model_validate(part) for part in catalogue]
    by_id = {read.id: read for read in reads}
    for level in levels:
        if level.part_id in by_id:
            by_id[level.part_id].stock.append(StockRead.model_validate(level))
    return reads


def _read(session: Session, order: WorkOrder) -> WorkOrderRead:
    [read] = _read_all(session, [order])
    return read


def _read_all(session: Session, orders: Sequence[WorkOrder]) -> list[WorkOrderRead]:
    found = service.links(session, orders)
    reads = []
    for order in orders:
        read = WorkOrderRead.model_validate(order)
        read.task_ids = found[order.id].task_ids
        read.defect_ids = found[order.id].defect_ids
        read.parts = [PartUsageRead.model_validate(u) for u in found[order.id].parts]
        reads.append(read)
    return reads


@router.get("/vehicles/{vehicle_id}/work-orders")
def vehicle_history(
    vehicle_id: PathId, session: DbSession, actor: ApiActor, page: PageQuery
) -> Page[WorkOrderRead]:
    """The vehicle's work orders with tasks, defects and parts, newest first."""
    vehicle = get_vehicle(session, actor, vehicle_id)
    found = service.vehicle_history(session, vehicle, page=page)
    return Page(items=_read_all(session, found.rows), next_cursor=found.next_cursor)
