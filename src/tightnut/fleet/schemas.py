"""What the API takes and gives for depots, vehicles and meters."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from tightnut.fields import (
    MAX_ID,
    Body,
    ClientTime,
    ClockText,
    Day,
    EngineHours,
    Km,
    MeterValue,
    Patch,
    RecordId,
    check_meter_range,
)
from tightnut.fleet.models import Meter
from tightnut.rules.schema import EngineType, Jurisdiction, VehicleClass

GAS_ENGINES = frozenset({"cng", "lng", "lpg"})


_Strict = Body


class DepotCreate(Body):
    """A new depot."""

    name: str = Field(min_length=1, max_length=200)
    timezone: str = Field(min_length=1, max_length=64)
    jurisdiction: Jurisdiction
    shift_starts: list[ClockText] = Field(min_length=1, max_length=6)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"unknown time zone '{value}'") from None
        return value

    @field_validator("shift_starts")
    @classmethod
    def _clock_times(cls, value: list[str]) -> list[str]:
        starts = sorted({time.fromisoformat(v).strftime("%H:%M") for v in value})
        if len(starts) != len(value):
            raise ValueError("shift starts must be distinct")
        return starts


class DepotRead(BaseModel):
    """A depot as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    timezone: str
    jurisdiction: str
    shift_starts: list[str]


class VehicleCreate(Body):
    """A new vehicle; a gas-fuelled one needs its cylinder certification due date."""

    depot_id: RecordId
    plate: str = Field(min_length=1, max_length=20)
    vin: str | None = Field(default=None, max_length=17)
    vehicle_class: VehicleClass
    make: str = Field(min_length=1, max_length=100)
    model: str = Field(min_length=1, max_length=100)
    model_family: str = Field(min_length=1, max_length=100)
    engine_type: EngineType
    fastener_positions: int = Field(default=10, ge=4, le=12)
    gas_cylinder_cert_due: Day | None = None
    odometer_km: Km | None = None
    engine_hours: EngineHours | None = None

    @field_validator("plate", "vin")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper().replace(" ", "") if value else None


class VehicleRead(BaseModel):
    """A vehicle as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    depot_id: int
    plate: str
    vin: str | None
    vehicle_class: str
    make: str
    model: str
    model_family: str
    engine_type: str
    fastener_positions: int
    gas_cylinder_cert_due: date | None
    odometer_km: float | None
    engine_hours: float | None
    out_of_service_at: datetime | None = None
    out_of_service_reason: str | None = None


class MeterReadingCreate(Body):
    """One reading of one meter."""

    meter: Meter
    value: MeterValue
    client_time: ClientTime | None = None

    @field_validator("value")
    @classmethod
    def _in_range(cls, value: float, info: ValidationInfo) -> float:
        return check_meter_range(str(info.data.get("meter", "")), value)


class MeterReplacementCreate(Body):
    """The explicit event of a replaced odometer or engine."""

    meter: Meter
    old_final_value: MeterValue
    new_start_value: MeterValue
    reason: str = Field(min_length=3, max_length=500)

    @field_validator("old_final_value", "new_start_value")
    @classmethod
    def _in_range(cls, value: float, info: ValidationInfo) -> float:
        return check_meter_range(str(info.data.get("meter", "")), value)


class ImportRowError(BaseModel):
    """One reason one CSV row was refused."""

    line: int
    column: str
    reason: str


class ImportReport(BaseModel):
    """The outcome of an all-or-nothing CSV import."""

    imported: int
    vehicle_ids: list[int]


class VehicleUpdate(Patch):
    """Changes to a vehicle: its depot, plate and descriptive fields; meters go by readings."""

    NULLABLE = frozenset({"vin", "gas_cylinder_cert_due"})

    depot_id: RecordId | None = None
    plate: str | None = Field(default=None, min_length=1, max_length=20)
    vin: str | None = Field(default=None, max_length=17)
    make: str | None = Field(default=None, min_length=1, max_length=100)
    model: str | None = Field(default=None, min_length=1, max_length=100)
    model_family: str | None = Field(default=None, min_length=1, max_length=100)
    gas_cylinder_cert_due: Day | None = None

    @field_validator("plate", "vin")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper().replace(" ", "") if value else None


class OutOfService(Body):
    """Taking a vehicle off the line, and why."""

    reason: str = Field(min_length=3, max_length=500)


class ReturnToService(Body):
    """Putting a vehicle back on the line."""

    note: str = Field(default="", max_length=1000)


class MeterReadingRead(BaseModel):
    """One recorded meter reading."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    meter: str
    value: float
    read_at: datetime
    client_time: datetime | None
    source: str
    user_id: int | None


@cache
def known_zones() -> frozenset[str]:
    """Every IANA time zone this machine's database knows."""
    return frozenset(available_timezones())


class DepotUpdate(Patch):
    """Changes to a depot: its name, time zone, rule jurisdiction and shift start times."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = Field(default=None, min_length=1, max_length=64)
    jurisdiction: Jurisdiction | None = None
    shift_starts: list[ClockText] | None = Field(default=None, min_length=1, max_length=6)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and value not in known_zones():
            raise ValueError(f"unknown time zone '{value}'")
        return value

    @field_validator("shift_starts")
    @classmethod
    def _clock_times(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        try:
            starts = sorted({time.fromisoformat(v.zfill(5)).strftime("%H:%M") for v in value})
        except ValueError:
            raise ValueError("shift starts are clock times, HH:MM") from None
        if len(starts) != len(value):
            raise ValueError("shift starts must be distinct")
        return starts


class VehicleFilter(Body):
    """Which vehicles a fleet list or export shows: a search text and filters, all optional."""

    q: str | None = Field(default=None, max_length=100)
    depot_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    vehicle_class: VehicleClass | None = None
    engine_type: EngineType | None = None
    service: Literal["in", "out"] | None = None
