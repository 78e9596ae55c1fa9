"""Defects found at inspection and the append-only history of their states."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from tightnut.db import Base, UTCDateTime, utcnow


class DefectStatus(StrEnum):
    """open → in_repair → repaired → closed (by the passing re-inspection)."""

    OPEN = "open"
    IN_REPAIR = "in_repair"
    REPAIRED = "repaired"
    CLOSED = "closed"


UNRESOLVED = (DefectStatus.OPEN, DefectStatus.IN_REPAIR, DefectStatus.REPAIRED)
UNRESOLVED_SQL = "status IN ('open', 'in_repair', 'repaired')"


class Defect(Base):
    """A fault on a vehicle, tied to the rule item that failed; kept forever."""

    __tablename__ = "defects"
    __table_args__ = (
        Index("ix_defects_vehicle_status", "vehicle_id", "status"),
        # The defect list pages newest first over an operator's defects (migration 0005).
        Index("ix_defects_operator_opened", "operator_id", "opened_at"),
        # One unresolved defect per item and vehicle: a racing second inspection cannot open
        # another (migration 0003).
        Index(
            "uq_defects_unresolved_item",
            "vehicle_id",
            "item_id",
            unique=True,
            sqlite_where=text(UNRESOLVED_SQL),
            postgresql_where=text(UNRESOLVED_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"))
    item_id: Mapped[str] = mapped_column(String(100))
    jurisdiction: Mapped[str] = mapped_column(String(8))
    rule_ref: Mapped[str] = mapped_column(String(500))
    severity: Mapped[str] = mapped_column(String(16))
    gate: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=DefectStatus.OPEN)
    description: Mapped[str] = mapped_column(String(2000))
    evidence: Mapped[dict[str, object]] = mapped_column(JSON)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opened_by_inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    repaired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))


class DefectEvent(Base):
    """One state change of a defect, signed by a user; never edited."""

    __tablename__ = "defect_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    defect_id: Mapped[int] = mapped_column(ForeignKey("defects.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    client_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    note: Mapped[str] = mapped_column(String(2000), default="")
    detail: Mapped[dict[str, object] | None] = mapped_column(JSON)
