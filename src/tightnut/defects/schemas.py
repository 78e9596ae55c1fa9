"""What the API takes and gives for defects."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class DefectEventRead(BaseModel):
    """One signed state change."""

    model_config = ConfigDict(from_attributes=True)

    from_status: str | None
    to_status: str
    at: datetime
    client_time: datetime | None
    user_id: int | None
    inspection_id: int | None
    note: str


class DefectRead(BaseModel):
    """A defect with its history."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    vehicle_id: int
    item_id: str
    jurisdiction: str
    rule_ref: str
    severity: str
    gate: str
    status: str
    description: str
    evidence: dict[str, object]
    opened_at: datetime
    opened_by_inspection_id: int | None
    repaired_at: datetime | None
    closed_at: datetime | None
    closed_by_inspection_id: int | None
    history: list[DefectEventRead] = Field(default_factory=list)


class StartRepair(BaseModel):
    """Taking a defect into repair."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=2000)


class RepairSignOff(BaseModel):
    """The signed statement that a defect was repaired, and how."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    work_done: str = Field(min_length=3, max_length=2000)
    client_time: datetime | None = None
