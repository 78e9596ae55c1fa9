"""Inspection API: a vehicle's checklist and idempotent submission."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response
from sqlalchemy.orm import Session

from tightnut.deps import ApiActor, AppSettings, Catalog, DbSession
from tightnut.fields import PathId
from tightnut.fleet.meters import limits_of
from tightnut.fleet.models import Depot
from tightnut.fleet.service import get_vehicle
from tightnut.inspections import service
from tightnut.inspections.models import Inspection
from tightnut.inspections.schemas import (
    ChecklistItemRead,
    ChecklistRead,
    InspectionCreate,
    InspectionRead,
)
from tightnut.paging import Page, PageQuery

router = APIRouter(tags=["inspections"])


@router.get("/vehicles/{vehicle_id}/checklist")
def checklist(
    vehicle_id: PathId, session: DbSession, actor: ApiActor, catalog: Catalog
) -> ChecklistRead:
    """The items an inspection of this vehicle must record."""
    vehicle = get_vehicle(session, actor, vehicle_id)
    depot = session.get_one(Depot, vehicle.depot_id)
    items = service.checklist(catalog, depot, vehicle)
    return ChecklistRead(
        vehicle_id=vehicle.id,
        jurisdiction=depot.jurisdiction,
        items=[
            ChecklistItemRead(
                id=i.id,
                group=i.group,
                text_en=i.text.en,
                text_ru=i.text.ru,
                record=i.record.kind,
                unit=i.record.unit,
                severity=i.severity,
                gate=i.gate,
                source=i.source.ref,
                verification=i.verification,
            )
            for i in items
        ],
    )


@router.post("/inspections", status_code=201)
def submit(
    data: InspectionCreate,
    response: Response,
    session: DbSession,
    actor: ApiActor,
    catalog: Catalog,
    settings: AppSettings,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> InspectionRead:
    """Record a pre-shift inspection; retries with the same Idempotency-Key write nothing."""
    submission = service.submit(
        session,
        actor,
        data=data,
        catalog=catalog,
        idempotency_key=idempotency_key,
        limits=limits_of(settings),
    )
    if submission.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return _read(session, submission.inspection)


@router.get("/inspections/{inspection_id}")
def get_inspection(inspection_id: PathId, session: DbSession, actor: ApiActor) -> InspectionRead:
    """One recorded inspection."""
    return _read(session, service.get_inspection(session, actor, inspection_id))


def _read(session: Session, inspection: Inspection) -> InspectionRead:
    read = InspectionRead.model_validate(inspection)
    read.defect_ids = service.opened_defect_ids(session, inspection)
    return read


@router.get("/vehicles/{vehicle_id}/inspections")
def history(
    vehicle_id: PathId, session: DbSession, actor: ApiActor, page: PageQuery
) -> Page[InspectionRead]:
    """The vehicle's inspections, newest first, a page at a time."""
    vehicle = get_vehicle(session, actor, vehicle_id)
    found = service.history(session, vehicle, page=page)
    opened = service.opened_defect_ids_of(session, vehicle, found.rows)
    items = [
        InspectionRead.model_validate(inspection).model_copy(
            update={"defect_ids": opened[inspection.id]}
        )
        for inspection in found.rows
    ]
    return Page(items=items, next_cursor=found.next_cursor)
