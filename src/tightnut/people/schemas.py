"""What the API takes and gives for technicians, trainings and certifications."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from tightnut.fields import Body, Day, RecordId, TrainingHours
from tightnut.rules.schema import EngineType

_Strict = Body


class TechnicianCreate(Body):
    """A new technician; ``user_id`` links the user who signs work as this technician."""

    full_name: str = Field(min_length=1, max_length=200)
    user_id: RecordId | None = None
    hub: str | None = Field(default=None, max_length=200)


class TrainingCreate(Body):
    """A completed course; it grants a certification for ``grants_years`` (null: none)."""

    title: str = Field(min_length=1, max_length=200)
    provider: str = Field(min_length=1, max_length=200)
    model_family: str = Field(min_length=1, max_length=100)
    engine_type: EngineType
    completed_on: Day
    hours: TrainingHours = 0.0
    grants_years: int | None = Field(default=3, strict=True, ge=1, le=20)


class CertificationCreate(Body):
    """A certificate the technician already holds; it must expire after its issue."""

    model_family: str = Field(min_length=1, max_length=100)
    engine_type: EngineType
    issued_on: Day
    expires_on: Day


class CertificationRead(BaseModel):
    """A certification as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    technician_id: int
    model_family: str
    engine_type: str
    issued_on: date
    expires_on: date
    training_id: int | None


class TrainingRead(BaseModel):
    """A training and the certification it granted."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    technician_id: int
    title: str
    provider: str
    model_family: str
    engine_type: str
    completed_on: date
    hours: float
    certification: CertificationRead | None = None


class TechnicianRead(BaseModel):
    """A technician with their certifications and trainings."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    full_name: str
    user_id: int | None
    hub: str | None
    active: bool
    certifications: list[CertificationRead] = Field(default_factory=list)
    trainings: list[TrainingRead] = Field(default_factory=list)
