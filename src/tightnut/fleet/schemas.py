"""What the API takes and gives for depots, vehicles and meters."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tightnut.fleet.models import Meter
from tightnut.rules.schema import EngineType, Jurisdiction, VehicleClass

GAS_ENGINES = frozenset({"cng", "lng", "lpg"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DepotCreate(_Strict):
    """A new depot."""

    name: str = Field(min_length=1, max_length=200)
    timezone: str
    jurisdiction: Jurisdiction
    shift_starts: list[str] = Field(min_length=1, max_length=6)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
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


class VehicleCreate(_Strict):
    """A new vehicle; a gas-fuelled one needs its cylinder certification due date."""

    depot_id: int
    plate: str = Field(min_length=1, max_length=20)
    vin: str | None = Field(default=None, max_length=17)
    vehicle_class: VehicleClass
    make: str = Field(min_length=1, max_length=100)
    model: str = Field(min_length=1, max_length=100)
    model_family: str = Field(min_length=1, max_length=100)
    engine_type: EngineType
    fastener_positions: int = Field(default=10, ge=4, le=12)
    gas_cylinder_cert_due: date | None = None
    odometer_km: float | None = Field(default=None, ge=0)
    engine_hours: float | None = Field(default=None, ge=0)

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


class MeterReadingCreate(_Strict):
    """One reading of one meter."""

    meter: Meter
    value: float = Field(ge=0)
    client_time: datetime | None = None


class MeterReplacementCreate(_Strict):
    """The explicit event of a replaced odometer or engine."""

    meter: Meter
    old_final_value: float = Field(ge=0)
    new_start_value: float = Field(ge=0)
    reason: str = Field(min_length=3, max_length=500)


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
