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
    MeterReplacementCreate,
    VehicleCreate,
    VehicleRead,
)

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
    session: DbSession, actor: ApiActor, depot_id: QueryId = None
) -> list[VehicleRead]:
    """The caller's vehicles, optionally of one depot."""
    vehicles = service.list_vehicles(session, actor, depot_id=depot_id)
    return [VehicleRead.model_validate(v) for v in vehicles]


@router.get("/vehicles/{vehicle_id}")
def get_vehicle(vehicle_id: PathId, session: DbSession, actor: ApiActor) -> VehicleRead:
    """One vehicle."""
    return VehicleRead.model_validate(service.get_vehicle(session, actor, vehicle_id))


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
