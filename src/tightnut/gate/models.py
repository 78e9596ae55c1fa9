"""Release decisions: every release to the line and every refusal, append-only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column

from tightnut.db import Base, UTCDateTime, utcnow


class ReleaseDecision(Base):
    """The gate's answer to one release request, with every reason; never edited."""

    __tablename__ = "release_decisions"
    __table_args__ = (
        Index("ix_release_decisions_vehicle_at", "vehicle_id", "decided_at"),
        Index("ix_release_decisions_depot_at", "depot_id", "decided_at"),
        # One release per vehicle, shift and counting inspection, even when two requests race
        # (migration 0008): a vehicle blocked after its release goes out again only on a new
        # inspection and a new release.
        Index(
            "uq_release_decisions_released_inspection",
            "vehicle_id",
            "shift_start",
            "inspection_id",
            unique=True,
            sqlite_where=text("released = 1"),
            postgresql_where=text("released"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"))
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    released: Mapped[bool] = mapped_column()
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    client_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shift_start: Mapped[datetime] = mapped_column(UTCDateTime())
    reasons: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    warnings: Mapped[list[dict[str, object]]] = mapped_column(JSON)
