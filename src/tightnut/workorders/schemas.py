"""What the API takes and gives for work orders, parts and stock."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class WorkOrderCreate(_Strict):
    """A new work order for one vehicle's programme tasks and open defects."""

    vehicle_id: int
    title: str = Field(min_length=1, max_length=300)
    task_ids: list[int] = Field(default_factory=list, max_length=200)
    defect_ids: list[int] = Field(default_factory=list, max_length=200)
    planned_on: date | None = None


class _Versioned(_Strict):
    version: int = Field(ge=1, description="the version the caller last read")


class Assign(_Versioned):
    """Give the order to a technician."""

    technician_id: int


class Start(_Versioned):
    """Start the work."""


class Cancel(_Versioned):
    """Cancel the order, saying why."""

    reason: str = Field(min_length=3, max_length=1000)


class WorkOrderUpdate(_Versioned):
    """Labour hours and notes; fields left out are kept."""

    labour_hours: float | None = Field(default=None, ge=0)
    notes: str | None = Field(default=None, max_length=4000)


class PartUse(_Versioned):
    """Parts taken from stock for this order (the order's depot unless named)."""

    part_id: int
    quantity: float = Field(gt=0)
    depot_id: int | None = None


class SignOff(_Versioned):
    """The signed statement that the work is done, with the meters at completion."""

    completion_km: float | None = Field(default=None, ge=0)
    completion_hours: float | None = Field(default=None, ge=0)
    labour_hours: float = Field(ge=0)
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


class PartCreate(_Strict):
    """A new catalogue entry."""

    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    unit: str = Field(default="pcs", min_length=1, max_length=16)


class StockSet(_Strict):
    """The counted stock of a part at a depot."""

    quantity: float = Field(ge=0)


class StockReceipt(_Strict):
    """Parts received at a depot."""

    quantity: float = Field(gt=0)


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
