"""Photos: the cleaned image and its thumbnail, kept in the database beside their record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from tightnut.db import Base, UTCDateTime, utcnow


class Photo(Base):
    """One photo of a vehicle, tied to an inspection's item, a defect, or both; never edited.

    The bytes live in the row (transactional with the inspection or defect they belong to, and
    in every backup); they are deferred so that listing photos never loads them.
    """

    __tablename__ = "photos"
    __table_args__ = (
        Index("ix_photos_defect", "defect_id"),
        Index("ix_photos_inspection_item", "inspection_id", "item_code"),
        Index("ix_photos_vehicle_created", "vehicle_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"))
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    item_code: Mapped[str | None] = mapped_column(String(100))
    defect_id: Mapped[int | None] = mapped_column(ForeignKey("defects.id"))
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    thumbnail: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    width_px: Mapped[int] = mapped_column()
    height_px: Mapped[int] = mapped_column()
    size_bytes: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    taken_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
