"""Maintenance programmes and tasks, vehicles' task states, completions and vehicle events."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tightnut.db import Base, UTCDateTime, utcnow


class Programme(Base):
    """A maintenance programme for a model family (or a vehicle class and engine type)."""

    __tablename__ = "programmes"
    __table_args__ = (UniqueConstraint("operator_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    model_families: Mapped[list[str]] = mapped_column(JSON)
    vehicle_class: Mapped[str | None] = mapped_column(String(16))
    engine_types: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(500))
    illustrative: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProgrammeTask(Base):
    """One task of a programme: intervals (any subset), windows, tolerance, nesting, trigger."""

    __tablename__ = "programme_tasks"
    __table_args__ = (UniqueConstraint("programme_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="periodic")
    engine_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    interval_km: Mapped[float | None] = mapped_column()
    interval_hours: Mapped[float | None] = mapped_column()
    interval_days: Mapped[float | None] = mapped_column()
    soon_km: Mapped[float] = mapped_column(default=0.0)
    soon_hours: Mapped[float] = mapped_column(default=0.0)
    soon_days: Mapped[float] = mapped_column(default=0.0)
    tolerance_pct: Mapped[float] = mapped_column(default=0.0)
    includes: Mapped[list[str]] = mapped_column(JSON, default=list)
    season_start: Mapped[str | None] = mapped_column(String(5))
    season_end: Mapped[str | None] = mapped_column(String(5))
    trigger: Mapped[str | None] = mapped_column(String(32))
    window_min_km: Mapped[float | None] = mapped_column()
    window_max_km: Mapped[float | None] = mapped_column()
    safety_critical: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(500), default="")


class TaskState(Base):
    """Where a vehicle stands on one task: the last-done point, or the armed event."""

    __tablename__ = "task_states"
    __table_args__ = (UniqueConstraint("vehicle_id", "task_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"))
    task_id: Mapped[int] = mapped_column(ForeignKey("programme_tasks.id"), index=True)
    last_done_km: Mapped[float | None] = mapped_column()
    last_done_hours: Mapped[float | None] = mapped_column()
    last_done_on: Mapped[date | None] = mapped_column(Date)
    armed_km: Mapped[float | None] = mapped_column()
    armed_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(50), default="baseline")


class TaskCompletion(Base):
    """One task done by a signed work order, and whether it was within tolerance."""

    __tablename__ = "task_completions"
    __table_args__ = (Index("ix_task_completions_operator_done", "operator_id", "done_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("programme_tasks.id"))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_km: Mapped[float | None] = mapped_column()
    done_hours: Mapped[float | None] = mapped_column()
    status_at_completion: Mapped[str] = mapped_column(String(16))
    on_time: Mapped[bool] = mapped_column()
