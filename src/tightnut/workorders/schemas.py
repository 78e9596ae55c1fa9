"""What the API takes and gives for work orders, parts and stock."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from tightnut.fields import (
    Body,
    Day,
    EngineHours,
    Km,
    LabourHours,
    Patch,
    PositiveStockQuantity,
    RecordId,
    StockQuantity,
    Version,
)

_Strict = Body


class WorkOrderCreate(Body):
    """A new work order for one vehicle's programme tasks and open defects."""

    vehicle_id: RecordId
    title: str = Field(min_length=1, max_length=300)
    task_ids: list[RecordId] = Field(default_factory=list, max_length=200)
    defect_ids: list[RecordId] = Field(default_factory=list, max_length=200)
    planned_on: Day | None = None


class _Versioned(Body):
    version: Version


class Assign(_Versioned):
    """Give the order to a technician."""

    technician_id: RecordId


class Start(_Versioned):
    """Start the work."""


class Cancel(_Versioned):
    """Cancel the order, saying why."""

    reason: str = Field(min_length=3, max_length=1000)


class WorkOrderUpdate(Patch):
    """Labour hours and notes; fields left out are kept (``null`` is refused)."""

    version: Version
    labour_hours: LabourHours | None = None
    notes: str | None = Field(default=None, max_length=4000)


class PartUse(_Versioned):
    """Parts taken from stock for this order (the order's depot unless named)."""

    part_id: RecordId
    quantity: PositiveStockQuantity
    depot_id: RecordId | None = None


class SignOff(_Versioned):
    """The signed statement that the work is done, with the meters at completion."""

    completion_km: Km | None = None
    completion_hours: EngineHours | None = None
    labour_hours: LabourHours
    notes: str = Field(min_length=3, max_length=4000)


class PartUsageRead(BaseModel):
    """Parts one order used."""

    model_config = ConfigDict(from_attributes=True)

    part_id: int
    depot_id: int
    quantity: float
    used_at: datetime


class WorkOrderRead(BaseModel):
    """A work order with its tasks, defects and parts; send ``version`` back to change it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    vehicle_id: int
    depot_id: int
    status: str
    version: int
    title: str
    planned_on: date | None
    technician_id: int | None
    labour_hours: float
    notes: str
    created_at: datetime
    created_by: int | None
    completed_at: datetime | None
    completion_km: float | None
    completion_hours: float | None
    signed_by_technician_id: int | None
    signed_by_user_id: int | None
    cancelled_reason: str | None
    task_ids: list[int] = Field(default_factory=list)
    defect_ids: list[int] = Field(default_factory=list)
    parts: list[PartUsageRead] = Field(default_factory=list)


class PartCreate(Body):
    """A new catalogue entry."""

    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    unit: str = Field(default="pcs", min_length=1, max_length=16)


class StockSet(Body):
    """The counted stock of a part at a depot."""

    quantity: StockQuantity


class StockReceipt(Body):
    """Parts received at a depot."""

    quantity: PositiveStockQuantity


class StockRead(BaseModel):
    """How many of a part lie at a depot."""

    model_config = ConfigDict(from_attributes=True)

    part_id: int
    depot_id: int
    quantity: float


class PartRead(BaseModel):
    """A catalogue entry with its stock per depot."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    sku: str
    name: str
    unit: str
    stock: list[StockRead] = Field(default_factory=list)
