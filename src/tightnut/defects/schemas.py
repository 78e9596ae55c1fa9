"""What the API takes and gives for defects."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from tightnut.fields import Body, ClientTime


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
    detail: dict[str, object] | None = None


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


class StartRepair(Body):
    """Taking a defect into repair."""

    note: str = Field(default="", max_length=2000)


class RepairSignOff(Body):
    """The signed statement that a defect was repaired, and how."""

    work_done: str = Field(min_length=3, max_length=2000)
    client_time: ClientTime | None = None
