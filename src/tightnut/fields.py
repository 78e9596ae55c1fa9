"""Field types shared by every API: ids, physical quantities, clocks, days and text, each bounded.

A number the API takes is finite and inside a physical range the OpenAPI shows (minimum,
maximum); an id is a JSON integer; a client's clock carries its zone and lies between 2000 and
a day ahead of ours; a day is ISO text; text holds no NUL byte (PostgreSQL cannot store one)
and has a length limit. A bad value is a 422 naming its field, before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, ClassVar, cast

from fastapi import Path, Query
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic.fields import FieldInfo

MAX_ID = 2**31 - 1  # id columns are 32-bit integers on PostgreSQL: 2 billion rows a table
MAX_ODOMETER_KM = 10_000_000.0  # 250 times round the Earth: beyond any road vehicle's life
MAX_ENGINE_HOURS = 1_000_000.0  # 114 years running day and night
MAX_DAYS = 36_525.0  # a century: the longest interval or window in days
MAX_KM_PER_DAY = 24 * 300.0  # a day at 300 km/h: beyond any road vehicle's utilisation
MAX_HOURS_PER_DAY = 24.0
MAX_STOCK_QUANTITY = 10_000_000.0  # parts of one kind at one depot
MAX_LABOUR_HOURS = 10_000.0  # one work order: five working years of one person
MAX_TRAINING_HOURS = 10_000.0
MAX_MEASURED_VALUE = 1_000_000.0  # |value| of any measurement the rule packs take (mm, MPa, deg)
MAX_COUNT = 1_000  # items counted at one inspection point (fasteners, …)
MAX_TEXT = 4_000  # the longest text any field takes, unless it says less
EARLIEST_CLIENT_TIME = datetime(2000, 1, 1, tzinfo=UTC)
CLIENT_CLOCK_AHEAD = timedelta(days=1)
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)

RecordId = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
"""A record id in a request body: a JSON integer (not ``false``, not ``"1"``), 1 … 2⁶³−1."""

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
"""A record id in the URL path."""

QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
"""An optional record id filter in the query string."""

Version = Annotated[
    int, Field(strict=True, ge=1, le=MAX_ID, description="the version the caller last read")
]
"""The optimistic-lock version a client read."""


def _finite(low: float, high: float, *, positive: bool = False) -> FieldInfo:
    if positive:
        return cast(FieldInfo, Field(gt=low, le=high, allow_inf_nan=False))
    return cast(FieldInfo, Field(ge=low, le=high, allow_inf_nan=False))


Km = Annotated[float, _finite(0, MAX_ODOMETER_KM)]
"""A distance or odometer reading in km: finite, 0 … 10,000,000."""
PositiveKm = Annotated[float, _finite(0, MAX_ODOMETER_KM, positive=True)]
EngineHours = Annotated[float, _finite(0, MAX_ENGINE_HOURS)]
"""Engine hours: finite, 0 … 1,000,000 h."""
PositiveEngineHours = Annotated[float, _finite(0, MAX_ENGINE_HOURS, positive=True)]
MeterValue = Annotated[float, _finite(0, MAX_ODOMETER_KM)]
"""A reading of either meter (km or engine hours; the model checks the meter's own range)."""
Days = Annotated[float, _finite(0, MAX_DAYS)]
"""A span in days: finite, 0 … 36,525 (a century)."""
PositiveDays = Annotated[float, _finite(0, MAX_DAYS, positive=True)]
Percent = Annotated[float, _finite(0, 50)]
"""A tolerance in per cent of the interval: 0 … 50."""
StockQuantity = Annotated[float, _finite(0, MAX_STOCK_QUANTITY)]
"""Parts counted at a depot: 0 … 10,000,000."""
PositiveStockQuantity = Annotated[float, _finite(0, MAX_STOCK_QUANTITY, positive=True)]
LabourHours = Annotated[float, _finite(0, MAX_LABOUR_HOURS)]
"""Labour on one work order: 0 … 10,000 h."""
TrainingHours = Annotated[float, _finite(0, MAX_TRAINING_HOURS)]
MeasuredValue = Annotated[float, _finite(-MAX_MEASURED_VALUE, MAX_MEASURED_VALUE)]
"""A measured value in the item's unit: finite, −1,000,000 … 1,000,000."""
Count = Annotated[int, Field(strict=True, ge=0, le=MAX_COUNT)]
"""A count at one inspection point: a JSON integer, 0 … 1,000."""


def check_meter_range(meter: str, value: float) -> float:
    """``value`` if it lies in the range of ``meter`` (odometer_km or engine_hours)."""
    high = MAX_ENGINE_HOURS if meter == "engine_hours" else MAX_ODOMETER_KM
    if value > high:
        raise ValueError(f"{meter} readings go up to {high:,.0f}; got {value:g}")
    return value


def _iso_text(value: object) -> object:
    """Refuse numbers where a date or a time is due: ``0`` is not 1970-01-01."""
    if isinstance(value, bool | int | float):
        raise ValueError("write it as ISO 8601 text (YYYY-MM-DD, or with the time and zone)")
    return value


def _sane_clock(value: datetime) -> datetime:
    latest = datetime.now(UTC) + CLIENT_CLOCK_AHEAD
    if not EARLIEST_CLIENT_TIME <= value <= latest:
        raise ValueError("a client clock must lie between 2000 and one day ahead of the server")
    return value


ClientTime = Annotated[AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_sane_clock)]
"""The client's clock: ISO 8601 with a zone, from 2000 to one day ahead of the server."""

Day = Annotated[date, BeforeValidator(_iso_text), Field(ge=FIRST_DAY, le=LAST_DAY)]
"""A calendar day as ISO text (YYYY-MM-DD), 1900-01-01 … 2199-12-31."""


def no_nul(value: str | None) -> str | None:
    """``value`` unless it holds a NUL byte (which PostgreSQL cannot store)."""
    if value is not None and "\x00" in value:
        raise ValueError("text must not contain a NUL byte (\\x00)")
    return value


QueryText = Annotated[str | None, Query(max_length=200), AfterValidator(no_nul)]
"""An optional text filter in the query string: ≤ 200 characters, no NUL byte."""


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_holds_nul(item) for item in value)
    if isinstance(value, Mapping):
        return any(_holds_nul(item) for item in value.values())
    return False


TaskCode = Annotated[str, Field(min_length=1, max_length=50), AfterValidator(no_nul)]
"""A task code (``TO-1``), as an item of a list."""
ShortName = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(no_nul)]
"""A short name (a model family), as an item of a list."""
ClockText = Annotated[str, Field(min_length=1, max_length=8), AfterValidator(no_nul)]
"""A local clock time, ``HH:MM`` or ``HH:MM:SS``."""


class Body(BaseModel):
    """A request body: unknown fields refused, text trimmed, bounded and free of NUL bytes."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, str_max_length=MAX_TEXT)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_bytes(cls, value: object) -> object:
        if _holds_nul(value):
            raise ValueError("text must not contain a NUL byte (\\x00)")
        return value


class Patch(Body):
    """A partial update: a field left out is kept; an explicit ``null`` is refused.

    A subclass lists in ``NULLABLE`` the fields where ``null`` means something (clear it).
    """

    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, value: object, info: ValidationInfo) -> object:
        if value is None and info.field_name not in cls.NULLABLE:
            raise ValueError("may be left out to keep it, but not null")
        return value
