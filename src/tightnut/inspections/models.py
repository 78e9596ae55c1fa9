"""Pre-shift inspections: append-only records of every checklist item's result."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tightnut.db import Base, UTCDateTime, utcnow


class Inspection(Base):
    """One inspection of one vehicle; never edited — a correction is a new row pointing back."""

    __tablename__ = "inspections"
    __table_args__ = (
        Index("ix_inspections_vehicle_performed", "vehicle_id", "performed_at"),
        UniqueConstraint("operator_id", "idempotency_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"))
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16), default="pre_shift")
    jurisdiction: Mapped[str] = mapped_column(String(8))
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    client_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    odometer_km: Mapped[float | None] = mapped_column()
    engine_hours: Mapped[float | None] = mapped_column()
    results: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    failed_count: Mapped[int] = mapped_column(default=0)
    blocking_count: Mapped[int] = mapped_column(default=0)
    note: Mapped[str | None] = mapped_column(String(2000))
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_digest: Mapped[str | None] = mapped_column(String(64))
