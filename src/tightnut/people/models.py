"""Technicians, the certifications that let them sign, and the training that grants them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tightnut.db import Base


class Technician(Base):
    """A person who does and signs maintenance; belongs to an operator or a service hub."""

    __tablename__ = "technicians"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    hub: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)


class Training(Base):
    """A course a technician completed; passing it grants a certification."""

    __tablename__ = "trainings"

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(200))
    model_family: Mapped[str] = mapped_column(String(100))
    engine_type: Mapped[str] = mapped_column(String(16))
    completed_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[float] = mapped_column(default=0.0)


class Certification(Base):
    """The right to sign work on one model family and engine type, between two dates."""

    __tablename__ = "certifications"
    __table_args__ = (
        Index("ix_certifications_match", "technician_id", "model_family", "engine_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"))
    model_family: Mapped[str] = mapped_column(String(100))
    engine_type: Mapped[str] = mapped_column(String(16))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    training_id: Mapped[int | None] = mapped_column(ForeignKey("trainings.id"))
