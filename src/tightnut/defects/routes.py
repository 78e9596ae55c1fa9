"""Defect API: list, read with history, take into repair, sign the repair."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter
from sqlalchemy.orm import Session

from tightnut.defects import service
from tightnut.defects.models import Defect
from tightnut.defects.schemas import DefectEventRead, DefectRead, RepairSignOff, StartRepair
from tightnut.deps import ApiActor, DbSession
from tightnut.fields import PathId, QueryId
from tightnut.fleet.service import get_vehicle
from tightnut.paging import Page, PageQuery

router = APIRouter(tags=["defects"])


@router.get("/defects")
def list_defects(
    session: DbSession,
    actor: ApiActor,
    page: PageQuery,
    vehicle_id: QueryId = None,
    unresolved: bool = False,
) -> Page[DefectRead]:
    """The caller's defects with their state changes, newest first, a page at a time."""
    found = service.list_defects(
        session, actor, page=page, vehicle_id=vehicle_id, unresolved_only=unresolved
    )
    return Page(items=_read_all(session, found.rows), next_cursor=found.next_cursor)


@router.get("/defects/{defect_id}")
def get_defect(defect_id: PathId, session: DbSession, actor: ApiActor) -> DefectRead:
    """One defect with every state change."""
    return _read(session, service.get_defect(session, actor, defect_id))


@router.post("/defects/{defect_id}/start-repair")
def start_repair(
    defect_id: PathId, data: StartRepair, session: DbSession, actor: ApiActor
) -> DefectRead:
    """open → in_repair."""
    defect = service.get_defect(session, actor, defect_id)
    return _read(session, service.start_repair(session, actor, defect, note=data.note))


@router.post("/defects/{defect_id}/repaired")
def mark_repaired(
    defect_id: PathId, data: RepairSignOff, session: DbSession, actor: ApiActor
) -> DefectRead:
    """Sign the repair; the vehicle still needs a passing re-inspection."""
    defect = service.get_defect(session, actor, defect_id)
    service.mark_repaired(
        session, actor, defect, work_done=data.work_done, client_time=data.client_time
    )
    return _read(session, defect)


def _read(session: Session, defect: Defect) -> DefectRead:
    read = DefectRead.model_validate(defect)
    read.history = [DefectEventRead.model_validate(e) for e in service.history(session, defect)]
    return read


@router.get("/vehicles/{vehicle_id}/defects")
def vehicle_defects(
    vehicle_id: PathId, session: DbSession, actor: ApiActor, page: PageQuery
) -> Page[DefectRead]:
    """The vehicle's defects with their state changes, newest first, a page at a time."""
    vehicle = get_vehicle(session, actor, vehicle_id)
    found = service.list_defects(session, actor, page=page, vehicle_id=vehicle.id)
    return Page(items=_read_all(session, found.rows), next_cursor=found.next_cursor)


def _read_all(session: Session, defects: Sequence[Defect]) -> list[DefectRead]:
    events = service.histories(session, defects)
    return [
        DefectRead.model_validate(defect).model_copy(
            update={"history": [DefectEventRead.model_validate(e) for e in events[defect.id]]}
        )
        for defect in defects
    ]
