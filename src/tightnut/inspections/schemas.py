"""What the API takes and gives for inspections."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from tightnut.fields import Body, ClientTime, Count, EngineHours, Km, MeasuredValue, RecordId

Position = Annotated[int, Field(strict=True, ge=1, le=12)]


class ItemResultIn(Body):
    """One checklist item as the inspector recorded it."""

    item_id: str = Field(min_length=1, max_length=100)
    passed: bool | None = None
    count: Count | None = None
    positions: list[Position] = Field(default_factory=list, max_length=12)
    value: MeasuredValue | None = None
    note: str | None = Field(default=None, max_length=1000)


class InspectionCreate(Body):
    """A pre-shift inspection: every checklist item, the meters and the client's clock."""

    vehicle_id: RecordId
    results: list[ItemResultIn] = Field(min_length=1, max_length=500)
    odometer_km: Km | None = None
    engine_hours: EngineHours | None = None
    client_time: ClientTime | None = None
    note: str | None = Field(default=None, max_length=2000)
    corrects_id: RecordId | None = None


class ItemResultRead(BaseModel):
    """One item's result with the verdict the rule gave."""

    item_id: str
    passed: bool | None = None
    count: int | None = None
    positions: list[int] = Field(default_factory=list)
    value: float | None = None
    note: str | None = None
    failed: bool = False
    gate: str = "none"
    severity: str | None = None
    explanation: str = ""


class InspectionRead(BaseModel):
    """A recorded inspection."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    vehicle_id: int
    depot_id: int
    inspector_id: int
    jurisdiction: str
    performed_at: datetime
    client_time: datetime | None
    odometer_km: float | None
    engine_hours: float | None
    results: list[ItemResultRead]
    failed_count: int
    blocking_count: int
    note: str | None
    corrects_id: int | None
    defect_ids: list[int] = Field(default_factory=list)


class ChecklistItemRead(BaseModel):
    """One item of a vehicle's checklist."""

    id: str
    group: str
    text_en: str
    text_ru: str
    record: str
    unit: str | None
    severity: str
    gate: str
    source: str
    verification: str


class ChecklistRead(BaseModel):
    """The checklist of one vehicle under its depot's jurisdiction."""

    vehicle_id: int
    jurisdiction: str
    items: list[ChecklistItemRead]
