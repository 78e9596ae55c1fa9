"""Maintenance API: programmes, meter batches, vehicle events, the due list, planning, on-time."""

from __future__ import annotations

from fastapi import APIRouter, Request

from tightnut.deps import ApiActor, AppSettings, DbSession
from tightnut.errors import Invalid
from tightnut.fields import PathId, QueryId
from tightnut.fleet.meters import limits_of
from tightnut.fleet.service import get_vehicle
from tightnut.maintenance import meters, programmes, service
from tightnut.maintenance.schemas import (
    BaselineIn,
    DueRow,
    MeterBatch,
    OnTimeRow,
    ProgrammeIn,
    ProgrammeRead,
    TaskRead,
    TaskUpdate,
    VehicleEventIn,
    VehicleEventRead,
)
from tightnut.paging import Page, PageQuery

router = APIRouter(tags=["maintenance"])


@router.get("/programmes")
def list_programmes(session: DbSession, actor: ApiActor) -> list[ProgrammeRead]:
    """The caller's maintenance programmes with their tasks."""
    return [
        programmes.read_programme(session, p) for p in programmes.list_programmes(session, actor)
    ]


@router.post("/programmes", status_code=201)
def create_programme(data: ProgrammeIn, session: DbSession, actor: ApiActor) -> ProgrammeRead:
    """Add a programme."""
    return programmes.read_programme(
        session, programmes.import_programme(session, actor, data=data)
    )


@router.post("/programmes/import-shipped", status_code=201)
def import_shipped(session: DbSession, actor: ApiActor) -> list[ProgrammeRead]:
    """Add the programmes shipped with Tightnut that the operator does not have yet."""
    return [
        programmes.read_programme(session, p) for p in programmes.import_shipped(session, actor)
    ]


@router.patch("/programmes/{programme_id}/tasks/{task_id}")
def update_task(
    programme_id: PathId, task_id: PathId, data: TaskUpdate, session: DbSession, actor: ApiActor
) -> TaskRead:
    """Edit a task's intervals, windows, tolerance, nesting or safety flag."""
    programme = programmes.get_programme(session, actor, programme_id)
    task = programmes.update_task(session, actor, programme, task_id, data=data)
    return TaskRead.model_validate(task)


@router.post("/meter-readings", status_code=201)
def record_readings(
    data: MeterBatch, session: DbSession, actor: ApiActor, settings: AppSettings
) -> meters.BatchReport:
    """Record a batch of readings: all of them or none."""
    return meters.record_batch(session, actor, rows=data.readings, limits=limits_of(settings))


@router.post(
    "/meter-readings/import",
    status_code=201,
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def import_readings(
    request: Request, session: DbSession, actor: ApiActor, settings: AppSettings
) -> meters.BatchReport:
    """Import readings from CSV (plate or vehicle_id, meter, value): all rows or none."""
    try:
        text = (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("the file is not UTF-8 text", field="file") from None
    return meters.import_csv(session, actor, text=text, limits=limits_of(settings))


@router.post("/vehicles/{vehicle_id}/events", status_code=201)
def record_event(
    vehicle_id: PathId,
    data: VehicleEventIn,
    session: DbSession,
    actor: ApiActor,
    settings: AppSettings,
) -> dict[str, object]:
    """Record a wheel change; it schedules the wheel-nut re-torque."""
    limits = limits_of(settings)
    event = service.record_event(session, actor, vehicle_id, data=data, limits=limits)
    return {"id": event.id, "vehicle_id": event.vehicle_id, "kind": event.kind, "at": event.at}


@router.put("/vehicles/{vehicle_id}/tasks/{task_id}/baseline")
def set_baseline(
    vehicle_id: PathId, task_id: PathId, data: BaselineIn, session: DbSession, actor: ApiActor
) -> dict[str, object]:
    """Record when a task was last done before Tightnut knew the vehicle."""
    state = service.set_baseline(session, actor, vehicle_id, task_id, data=data)
    return {"vehicle_id": vehicle_id, "task_id": task_id, "last_done_on": state.last_done_on}


@router.get("/maintenance/due")
def due(
    session: DbSession, actor: ApiActor, depot_id: QueryId = None, include_ok: bool = False
) -> list[DueRow]:
    """Every task due soon, due or overdue, whichever meter comes first, with a forecast date."""
    return service.due_list(session, actor, depot_id=depot_id, include_ok=include_ok)


@router.get("/maintenance/ontime")
def ontime(session: DbSession, actor: ApiActor, depot_id: QueryId = None) -> list[OnTimeRow]:
    """The share of maintenance done within tolerance, per depot and month and overall."""
    return service.on_time(session, actor, depot_id=depot_id)


@router.get("/vehicles/{vehicle_id}/events")
def event_history(
    vehicle_id: PathId, session: DbSession, actor: ApiActor, page: PageQuery
) -> Page[VehicleEventRead]:
    """The vehicle's events (wheel changes, depot changes, out of service), newest first."""
    vehicle = get_vehicle(session, actor, vehicle_id)
    found = service.event_history(session, vehicle, page=page)
    items = [VehicleEventRead.model_validate(event) for event in found.rows]
    return Page(items=items, next_cursor=found.next_cursor)
