"""Fleet API: depots, vehicles, CSV import and meters."""

from __future__ import annotations

from fastapi import APIRouter, Request

from tightnut.deps import ApiActor, AppSettings, DbSession
from tightnut.errors import Invalid
from tightnut.fields import PathId, QueryId
from tightnut.fleet import importer, service
from tightnut.fleet.meters import limits_of
from tightnut.fleet.schemas import (
    DepotCreate,
    DepotRead,
    ImportReport,
    MeterReadingCreate,
    MeterReadingRead,
    MeterReplacementCreate,
    OutOfService,
    ReturnToService,
    VehicleCreate,
    VehicleRead,
    VehicleUpdate,
)
from tightnut.paging import Page, PageQuery

router = APIRouter(tags=["fleet"])


@router.post("/depots", status_code=201)
def create_depot(data: DepotCreate, session: DbSession, actor: ApiActor) -> DepotRead:
    """Create a depot."""
    return DepotRead.model_validate(service.create_depot(session, actor, data=data))


@router.get("/depots")
def list_depots(session: DbSession, actor: ApiActor) -> list[DepotRead]:
    """The caller's depots."""
    return [DepotRead.model_validate(d) for d in service.list_depots(session, actor)]


@router.post("/vehicles", status_code=201)
def create_vehicle(data: VehicleCreate, session: DbSession, actor: ApiActor) -> VehicleRead:
    """Register a vehicle."""
    return VehicleRead.model_validate(service.create_vehicle(session, actor, data=data))


@router.get("/vehicles")
def list_vehicles(
    session: DbSession, actor: ApiActor, page: PageQuery, depot_id: QueryId = None
) -> Page[VehicleRead]:
    """The caller's vehicles by plate, optionally of one depot, a page at a time."""
    found = service.list_vehicles(session, actor, page=page, depot_id=depot_id)
    items = [VehicleRead.model_validate(v) for v in found.rows]
    return Page(items=items, next_cursor=found.next_cursor)


@router.get("/vehicles/{vehicle_id}")
def get_vehicle(vehicle_id: PathId, session: DbSession, actor: ApiActor) -> VehicleRead:
    """One vehicle."""
    return VehicleRead.model_validate(service.get_vehicle(session, actor, vehicle_id))


@router.patch("/vehicles/{vehicle_id}")
def update_vehicle(
    vehicle_id: PathId, data: VehicleUpdate, session: DbSession, actor: ApiActor
) -> VehicleRead:
    """Move a vehicle to another depot, change its plate or descriptive fields."""
    vehicle = service.get_vehicle(session, actor, vehicle_id)
    return VehicleRead.model_validate(service.update_vehicle(session, actor, vehicle, data=data))


@router.post("/vehicles/{vehicle_id}/out-of-service")
def take_out_of_service(
    vehicle_id: PathId, data: OutOfService, session: DbSession, actor: ApiActor
) -> VehicleRead:
    """Take a vehicle off the line, with the reason; the gate refuses it until it returns."""
    vehicle = service.get_vehicle(session, actor, vehicle_id)
    service.take_out_of_service(session, actor, vehicle, reason=data.reason)
    return VehicleRead.model_validate(vehicle)


@router.post("/vehicles/{vehicle_id}/return-to-service")
def return_to_service(
    vehicle_id: PathId, data: ReturnToService, session: DbSession, actor: ApiActor
) -> VehicleRead:
    """Put a vehicle back on the line."""
    vehicle = service.get_vehicle(session, actor, vehicle_id)
    service.return_to_service(session, actor, vehicle, note=data.note)
    return VehicleRead.model_validate(vehicle)


@router.get("/vehicles/{vehicle_id}/meter-readings")
def meter_history(
    vehicle_id: PathId, session: DbSession, actor: ApiActor, page: PageQuery
) -> Page[MeterReadingRead]:
    """The vehicle's meter readings, newest first, a page at a time."""
    vehicle = service.get_vehicle(session, actor, vehicle_id)
    found = service.meter_history(session, vehicle, page=page)
    items = [MeterReadingRead.model_validate(r) for r in found.rows]
    return Page(items=items, next_cursor=found.next_cursor)


@router.post(
    "/vehicles/import",
    status_code=201,
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def import_vehicles(request: Request, session: DbSession, actor: ApiActor) -> ImportReport:
    """Import vehicles from a CSV body: all rows or none."""
    try:
        text = (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("the file is not UTF-8 text", field="file") from None
    return importer.import_vehicles(session, actor, text=text)


@router.post("/vehicles/{vehicle_id}/meters", status_code=201)
def record_meter(
    vehicle_id: PathId,
    data: MeterReadingCreate,
    session: DbSession,
    actor: ApiActor,
    settings: AppSettings,
) -> VehicleRead:
    """Record one meter reading; it may not go down."""
    vehicle = service.get_vehicle(session, actor, vehicle_id)
    service.record_meter(
        session,
        actor,
        vehicle,
        meter=data.meter,
        value=data.value,
        source="api",
        client_time=data.client_time,
        limits=limits_of(settings),
    )
    return VehicleRead.model_validate(vehicle)


@router.post("/vehicles/{vehicle_id}/meter-replacements", status_code=201)
def replace_meter(
    vehicle_id: PathId, data: MeterReplacementCreate, session: DbSession, actor: ApiActor
) -> VehicleRead:
    """Record a replaced odometer or engine-hour meter."""
    vehicle = service.get_vehicle(session, actor, vehicle_id)
    service.replace_meter(session, actor, vehicle, data=data)
    return VehicleRead.model_validate(vehicle)
