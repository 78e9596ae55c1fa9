"""Programme files and API bodies for maintenance, validated before anything is written."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from tightnut.fields import (
    Body,
    ClientTime,
    Day,
    Days,
    EngineHours,
    Km,
    MeterValue,
    Patch,
    Percent,
    PositiveDays,
    PositiveEngineHours,
    PositiveKm,
    RecordId,
    ShortName,
    TaskCode,
    check_meter_range,
)
from tightnut.rules.schema import EngineType, VehicleClass

TaskKind = Literal["periodic", "seasonal", "event"]
Trigger = Literal["wheel_change", "gas_cylinder_certification"]
_INTERVALS = ("interval_km", "interval_hours", "interval_days")
MAX_BATCH_READINGS = 1_000  # a batch is one transaction: ~1.5 s of work at this size
MAX_TASKS = 200
MAX_LIST = 50
_Strict = Body


def _month_day(value: str | None) -> str | None:
    if value is not None:
        date.fromisoformat(f"2000-{value}")  # raises on a bad MM-DD
    return value


class TaskIn(Body):
    """One task of a programme; intervals in km, engine hours and days, whichever comes first."""

    code: str = Field(min_length=1, max_length=50)
    name: str = Field(min_length=1, max_length=200)
    kind: TaskKind = "periodic"
    engine_types: list[EngineType] = Field(default_factory=list, max_length=MAX_LIST)
    interval_km: PositiveKm | None = None
    interval_hours: PositiveEngineHours | None = None
    interval_days: PositiveDays | None = None
    soon_km: Km = 0.0
    soon_hours: EngineHours = 0.0
    soon_days: Days = 0.0
    tolerance_pct: Percent = 0.0
    includes: list[TaskCode] = Field(default_factory=list, max_length=MAX_LIST)
    season_start: str | None = Field(default=None, max_length=5)
    season_end: str | None = Field(default=None, max_length=5)
    trigger: Trigger | None = None
    window_min_km: Km | None = None
    window_max_km: PositiveKm | None = None
    safety_critical: bool = False
    source: str = Field(default="", max_length=500)

    _season = field_validator("season_start", "season_end")(_month_day)

    @model_validator(mode="after")
    def _fits_kind(self) -> Self:
        has_interval = any(getattr(self, name) is not None for name in _INTERVALS)
        if self.kind == "periodic" and not has_interval:
            raise ValueError("a periodic task needs interval_km, interval_hours or interval_days")
        if self.kind == "seasonal" and (self.season_start is None or self.season_end is None):
            raise ValueError("a seasonal task needs season_start and season_end (MM-DD)")
        if self.kind == "event" and self.trigger is None:
            raise ValueError("an event task needs a trigger")
        if self.trigger == "wheel_change" and not (
            self.window_min_km is not None
            and self.window_max_km is not None
            and self.window_min_km < self.window_max_km
        ):
            raise ValueError("a wheel-change task needs window_min_km < window_max_km")
        return self


class ProgrammeIn(Body):
    """A whole programme, as shipped in a file or posted to the API."""

    code: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    model_families: list[ShortName] = Field(default_factory=list, max_length=MAX_LIST)
    vehicle_class: VehicleClass | None = None
    engine_types: list[EngineType] = Field(default_factory=list, max_length=MAX_LIST)
    source: str = Field(min_length=1, max_length=500)
    illustrative: bool = True
    tasks: list[TaskIn] = Field(min_length=1, max_length=MAX_TASKS)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not self.model_families and self.vehicle_class is None:
            raise ValueError("give model_families or a vehicle_class")
        codes = [task.code for task in self.tasks]
        if len(set(codes)) != len(codes):
            raise ValueError("task codes must be unique")
        for task in self.tasks:
            unknown = sorted(set(task.includes) - set(codes))
            if unknown:
                raise ValueError(f"task {task.code} includes unknown task {unknown[0]}")
        cycle = find_nesting_cycle({task.code: task.includes for task in self.tasks})
        if cycle:
            raise ValueError(f"task nesting cycle: {' → '.join(cycle)}")
        return self


def find_nesting_cycle(includes: dict[str, list[str]]) -> list[str] | None:
    """A cycle in 'task includes tasks', as the codes along it, or None."""
    state: dict[str, int] = {}

    def visit(code: str, path: list[str]) -> list[str] | None:
        if state.get(code) == 1:
            return [*path[path.index(code) :], code]
        if state.get(code) == 2:
            return None
        state[code] = 1
        for child in includes.get(code, []):
            if found := visit(child, [*path, code]):
                return found
        state[code] = 2
        return None

    for code in includes:
        if found := visit(code, []):
            return found
    return None


class TaskUpdate(Patch):
    """An edit of a task's intervals, windows or flags; omitted fields stay as they are.

    ``null`` removes an interval (a periodic task keeps at least one); no other field takes it.
    """

    NULLABLE: ClassVar[frozenset[str]] = frozenset(_INTERVALS)

    interval_km: PositiveKm | None = None
    interval_hours: PositiveEngineHours | None = None
    interval_days: PositiveDays | None = None
    soon_km: Km | None = None
    soon_hours: EngineHours | None = None
    soon_days: Days | None = None
    tolerance_pct: Percent | None = None
    includes: list[TaskCode] | None = Field(default=None, max_length=MAX_LIST)
    safety_critical: bool | None = None


class TaskRead(BaseModel):
    """A programme task."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    kind: str
    engine_types: list[str]
    interval_km: float | None
    interval_hours: float | None
    interval_days: float | None
    soon_km: float
    soon_hours: float
    soon_days: float
    tolerance_pct: float
    includes: list[str]
    season_start: str | None
    season_end: str | None
    trigger: str | None
    window_min_km: float | None
    window_max_km: float | None
    safety_critical: bool
    source: str


class ProgrammeRead(BaseModel):
    """A programme with its tasks."""

    id: int
    code: str
    name: str
    model_families: list[str]
    vehicle_class: str | None
    engine_types: list[str]
    source: str
    illustrative: bool
    tasks: list[TaskRead]


class MeterReadingIn(Body):
    """One reading in a batch."""

    vehicle_id: RecordId
    meter: Literal["odometer_km", "engine_hours"]
    value: MeterValue
    client_time: ClientTime | None = None

    @field_validator("value")
    @classmethod
    def _in_range(cls, value: float, info: ValidationInfo) -> float:
        return check_meter_range(str(info.data.get("meter", "")), value)


class MeterBatch(Body):
    """Readings that go in together or not at all: at most 1,000 per batch."""

    readings: list[MeterReadingIn] = Field(min_length=1, max_length=MAX_BATCH_READINGS)


class VehicleEventIn(Body):
    """Something done to a vehicle that schedules maintenance."""

    kind: Literal["wheel_change"]
    odometer_km: Km | None = None
    note: str = Field(default="", max_length=1000)


class DueRow(BaseModel):
    """One vehicle's standing on one task."""

    vehicle_id: int
    plate: str
    depot_id: int
    programme: str
    task_id: int
    task: str
    task_name: str
    status: Literal["ok", "due_soon", "due", "overdue", "invalid_input"]
    suppressed: bool
    safety_critical: bool
    remaining_km: float | None
    remaining_hours: float | None
    remaining_days: float | None
    forecast_date: date | None
    driver: Literal["km", "hours", "days"]
    overdue_by: float
    problem: str | None = Field(
        default=None, description="with status invalid_input: the value the row rests on"
    )


class PlanRequest(Body):
    """Plan work orders for a depot for the next days."""

    depot_id: RecordId
    days: int = Field(strict=True, ge=1, le=365)


class OnTimeRow(BaseModel):
    """The share of maintenance done within tolerance, for one scope and month."""

    operator_id: int
    depot_id: int | None
    month: str
    done: int
    on_time: int
    overdue_open: int
    rate: float | None


class BaselineIn(Body):
    """The last time a task was done before Tightnut knew the vehicle."""

    last_done_km: Km | None = None
    last_done_hours: EngineHours | None = None
    last_done_on: Day | None = None


class VehicleEventRead(BaseModel):
    """One recorded vehicle event: a wheel change, a depot change, out of service and back."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    vehicle_id: int
    kind: str
    at: datetime
    odometer_km: float | None
    engine_hours: float | None
    detail: dict[str, object]
    user_id: int | None
