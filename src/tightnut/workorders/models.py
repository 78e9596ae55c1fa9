"""Work orders, their tasks and defects, the parts they use, and the parts catalogue with stock."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tightnut.db import Base, UTCDateTime, utcnow


class WorkOrderStatus(StrEnum):
    """open → assigned → in_progress → done (signed) / cancelled."""

    OPEN = "open"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class WorkOrder(Base):
    """One visit of one vehicle to the workshop; ``version`` guards concurrent edits."""

    __tablename__ = "work_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"), index=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    status: Mapped[str] = mapped_column(String(16), default=WorkOrderStatus.OPEN)
    version: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(300))
    planned_on: Mapped[date | None] = mapped_column(Date)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    labour_hours: Mapped[float] = mapped_column(default=0.0)
    notes: Mapped[str] = mapped_column(String(4000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completion_km: Mapped[float | None] = mapped_column()
    completion_hours: Mapped[float | None] = mapped_column()
    signed_by_technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    signed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_reason: Mapped[str | None] = mapped_column(String(1000))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class WorkOrderTask(Base):
    """A programme task this work order performs."""

    __tablename__ = "work_order_tasks"
    __table_args__ = (UniqueConstraint("work_order_id", "task_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("programme_tasks.id"))


class WorkOrderDefect(Base):
    """A defect this work order repairs."""

    __tablename__ = "work_order_defects"
    __table_args__ = (UniqueConstraint("work_order_id", "defect_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    defect_id: Mapped[int] = mapped_column(ForeignKey("defects.id"), index=True)


class Part(Base):
    """A catalogue entry of a part."""

    __tablename__ = "parts"
    __table_args__ = (UniqueConstraint("operator_id", "sku"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(16), default="pcs")


class StockLevel(Base):
    """How many of a part lie at a depot; never below zero."""

    __tablename__ = "stock_levels"
    __table_args__ = (
        UniqueConstraint("part_id", "depot_id"),
        CheckConstraint("quantity >= 0", name="not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"), index=True)
    quantity: Mapped[float] = mapped_column(default=0.0)


class PartUsage(Base):
    """Parts a work order used, taken from a depot's stock."""

    __tablename__ = "part_usages"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    quantity: Mapped[float] = mapped_column()
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
