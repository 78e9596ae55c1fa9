"""Depots, vehicles and their meters (odometer km, engine hours)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tightnut.db import Base, UTCDateTime, utcnow


class Meter(StrEnum):
    """The meters a vehicle carries."""

    ODOMETER_KM = "odometer_km"
    ENGINE_HOURS = "engine_hours"


class Depot(Base):
    """A place vehicles leave from at each shift; it fixes the zone, shifts and jurisdiction."""

    __tablename__ = "depots"
    __table_args__ = (UniqueConstraint("operator_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    jurisdiction: Mapped[str] = mapped_column(String(8))
    shift_starts: Mapped[list[str]] = mapped_column(JSON)


class Vehicle(Base):
    """A machine of the fleet; its current meter readings are kept beside the history.

    ``out_of_service_at`` is set while the vehicle is taken off the line (it leaves the board
    and the gate refuses it); vehicle events keep every such change.
    """

    __tablename__ = "vehicles"
    __table_args__ = (
        UniqueConstraint("operator_id", "plate"),
        UniqueConstraint("operator_id", "vin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"), index=True)
    plate: Mapped[str] = mapped_column(String(20))
    vin: Mapped[str | None] = mapped_column(String(17))
    vehicle_class: Mapped[str] = mapped_column(String(16))
    make: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(100))
    model_family: Mapped[str] = mapped_column(String(100))
    engine_type: Mapped[str] = mapped_column(String(16))
    fastener_positions: Mapped[int] = mapped_column(default=10)
    gas_cylinder_cert_due: Mapped[date | None] = mapped_column(Date)
    odometer_km: Mapped[float | None] = mapped_column()
    engine_hours: Mapped[float | None] = mapped_column()
    odometer_offset_km: Mapped[float] = mapped_column(default=0.0)
    engine_hours_offset: Mapped[float] = mapped_column(default=0.0)
    km_per_day: Mapped[float] = mapped_column(default=0.0)
    hours_per_day: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    out_of_service_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    out_of_service_reason: Mapped[str | None] = mapped_column(String(500))


class MeterReading(Base):
    """One reading of one meter; within one physical meter the values only go up."""

    __tablename__ = "meter_readings"
    __table_args__ = (
        Index("ix_meter_readings_vehicle_meter_at", "vehicle_id", "meter", "read_at"),
        Index("ix_meter_readings_vehicle_at", "vehicle_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"))
    meter: Mapped[str] = mapped_column(String(16))
    value: Mapped[float] = mapped_column()
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    client_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class MeterReplacement(Base):
    """The explicit event that lets a meter start again from a lower value."""

    __tablename__ = "meter_replacements"

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"), index=True)
    meter: Mapped[str] = mapped_column(String(16))
    old_final_value: Mapped[float] = mapped_column()
    new_start_value: Mapped[float] = mapped_column()
    reason: Mapped[str] = mapped_column(String(500))
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class VehicleEvent(Base):
    """Something done to or about a vehicle (a wheel change, out of service); never edited."""

    __tablename__ = "vehicle_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    odometer_km: Mapped[float | None] = mapped_column()
    engine_hours: Mapped[float | None] = mapped_column()
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
