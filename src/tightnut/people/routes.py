"""People API: technicians, the trainings they complete and the certifications they hold."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session

from tightnut.deps import ApiActor, DbSession
from tightnut.fields import PathId, QueryText
from tightnut.people import service
from tightnut.people.models import Technician, Training
from tightnut.people.schemas import (
    CertificationCreate,
    CertificationRead,
    TechnicianCreate,
    TechnicianRead,
    TrainingCreate,
    TrainingRead,
)

router = APIRouter(tags=["people"])


@router.post("/technicians", status_code=201)
def create_technician(
    data: TechnicianCreate, session: DbSession, actor: ApiActor
) -> TechnicianRead:
    """Register a technician of the caller's operator or one of its hubs."""
    technician = service.create_technician(session, actor, **data.model_dump())
    return _read(session, technician)


@router.get("/technicians")
def list_technicians(
    session: DbSession, actor: ApiActor, hub: QueryText = None, active: bool = False
) -> list[TechnicianRead]:
    """The caller's technicians, optionally of one hub or only the active ones."""
    found = service.list_technicians(session, actor, hub=hub, active_only=active)
    return [_read(session, t) for t in found]


@router.get("/technicians/{technician_id}")
def get_technician(technician_id: PathId, session: DbSession, actor: ApiActor) -> TechnicianRead:
    """One technician with certifications and trainings."""
    return _read(session, service.get_technician(session, actor, technician_id))


@router.post("/technicians/{technician_id}/trainings", status_code=201)
def record_training(
    technician_id: PathId, data: TrainingCreate, session: DbSession, actor: ApiActor
) -> TrainingRead:
    """Record a completed training and the certification it grants."""
    training = service.record_training(
        session, actor, technician_id=technician_id, **data.model_dump()
    )
    return _training(session, training)


@router.post("/technicians/{technician_id}/certifications", status_code=201)
def add_certification(
    technician_id: PathId, data: CertificationCreate, session: DbSession, actor: ApiActor
) -> CertificationRead:
    """Enter a certificate the technician already holds."""
    certification = service.add_certification(
        session, actor, technician_id=technician_id, **data.model_dump()
    )
    return CertificationRead.model_validate(certification)


def _training(session: Session, training: Training) -> TrainingRead:
    read = TrainingRead.model_validate(training)
    granted = service.granted_by(session, training)
    read.certification = CertificationRead.model_validate(granted) if granted else None
    return read


def _read(session: Session, technician: Technician) -> TechnicianRead:
    read = TechnicianRead.model_validate(technician)
    read.certifications = [
        CertificationRead.model_validate(c) for c in service.certifications_of(session, technician)
    ]
    read.trainings = [_training(session, t) for t in service.trainings_of(session, technician)]
    return read
