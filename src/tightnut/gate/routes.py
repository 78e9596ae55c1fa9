"""Gate API: a vehicle's decision, the release request and the depot board."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from tightnut.deps import ApiActor, Catalog, DbSession, InspectionLead
from tightnut.fields import PathId
from tightnut.fleet.service import get_vehicle
from tightnut.gate import service
from tightnut.gate.schemas import (
    BoardRead,
    BoardRowRead,
    GateDecisionRead,
    ReleaseHistoryRead,
    ReleaseRead,
    ReleaseRequest,
)
from tightnut.openapi import ErrorBody
from tightnut.paging import Page, PageQuery

router = APIRouter(tags=["gate"])
STATES = ("released", "ready", "blocked", "not_inspected")


@router.get("/vehicles/{vehicle_id}/gate")
def gate(
    vehicle_id: PathId, session: DbSession, actor: ApiActor, catalog: Catalog, lead: InspectionLead
) -> GateDecisionRead:
    """May this vehicle go out now, and every reason why not."""
    decision = service.decide_vehicle(session, actor, vehicle_id, catalog=catalog, lead=lead)
    return GateDecisionRead.of(decision)


@router.post(
    "/vehicles/{vehicle_id}/release",
    status_code=201,
    response_model=ReleaseRead,
    responses={
        409: {
            "model": ReleaseRead | ErrorBody,
            "description": "refused, with the gate's reasons (recorded like a release); or an "
            "error body when the vehicle was already released this shift",
        }
    },
)
def release(
    vehicle_id: PathId,
    data: ReleaseRequest,
    session: DbSession,
    actor: ApiActor,
    catalog: Catalog,
    lead: InspectionLead,
) -> ReleaseRead | JSONResponse:
    """Release to the line; a refusal answers 409 with the reasons and is recorded too."""
    decision, record = service.release(
        session, actor, vehicle_id, catalog=catalog, lead=lead, client_time=data.client_time
    )
    body = ReleaseRead(
        release_id=record.id,
        released=record.released,
        decided_at=record.decided_at,
        decision=GateDecisionRead.of(decision),
    )
    if record.released:
        return body
    return JSONResponse(status_code=409, content=body.model_dump(mode="json"))


@router.get("/depots/{depot_id}/board")
def board(
    depot_id: PathId, session: DbSession, actor: ApiActor, catalog: Catalog, lead: InspectionLead
) -> BoardRead:
    """Every vehicle of the depot with its state for the current shift."""
    depot, shift, rows = service.board(session, actor, depot_id, catalog=catalog, lead=lead)
    counts = Counter(row.state for row in rows)
    return BoardRead(
        depot_id=depot.id,
        depot=depot.name,
        timezone=depot.timezone,
        shift_start=shift.start,
        shift_end=shift.end,
        counts={state: counts.get(state, 0) for state in STATES},
        vehicles=[BoardRowRead.of(row) for row in rows],
    )


@router.get("/vehicles/{vehicle_id}/releases")
def release_history(
    vehicle_id: PathId, session: DbSession, actor: ApiActor, page: PageQuery
) -> Page[ReleaseHistoryRead]:
    """The vehicle's release decisions, released and refused with reasons, newest first."""
    vehicle = get_vehicle(session, actor, vehicle_id)
    found = service.release_history(session, vehicle, page=page)
    items = [ReleaseHistoryRead.model_validate(record) for record in found.rows]
    return Page(items=items, next_cursor=found.next_cursor)
