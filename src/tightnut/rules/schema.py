"""The shape of a rule pack: jurisdictions, items, thresholds and sources, as pydantic models."""

from __future__ import annotations

import math
from typing import Literal, Self, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

VehicleClass = Literal["bus", "truck", "car", "tractor", "combine", "dump_truck"]
EngineType = Literal["diesel", "petrol", "cng", "lng", "lpg", "hybrid", "electric"]
Gate = Literal["block", "warn", "none"]
Severity = Literal["minor", "major", "dangerous"]
Verification = Literal["verified", "secondary", "unverified"]
RecordKind = Literal["pass_fail", "count", "measurement"]
Jurisdiction = Literal["RU", "EU", "US"]
Group = Literal[
    "brakes",
    "steering",
    "lights",
    "wheels",
    "tyres",
    "fuel",
    "gas",
    "electric",
    "exhaust",
    "engine",
    "glass",
    "mirrors",
    "wipers",
    "horn",
    "emergency",
    "exits",
    "seat_belts",
    "devices",
    "coupling",
    "fire",
    "body",
]
DerivedFact = Literal["gas_cylinder_certification"]

VEHICLE_CLASSES: tuple[VehicleClass, ...] = get_args(VehicleClass)
ENGINE_TYPES: tuple[EngineType, ...] = get_args(EngineType)
JURISDICTIONS: tuple[Jurisdiction, ...] = get_args(Jurisdiction)
GROUPS: tuple[Group, ...] = get_args(Group)

ITEM_ID_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$"
_COUNT_FIELDS = ("count_at_least", "adjacent_at_least", "positions_at_most", "positions_at_least")
_VALUE_FIELDS = ("value_above", "value_at_least", "value_below")

_FROZEN = ConfigDict(extra="forbid", frozen=True)


def _no_duplicates(values: tuple[str, ...], what: str) -> tuple[str, ...]:
    """Reject a tuple that names the same value twice."""
    seen = [v for i, v in enumerate(values) if v in values[:i]]
    if seen:
        raise ValueError(f"{what} listed twice: {seen[0]!r}")
    return values


class LocalText(BaseModel):
    """A sentence in English and in Russian."""

    model_config = _FROZEN

    en: str = Field(min_length=1)
    ru: str = Field(min_length=1)

    @field_validator("en", "ru")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must not be blank")
        return value


class Applicability(BaseModel):
    """Which vehicle classes and engine types an item applies to."""

    model_config = _FROZEN

    vehicle_classes: tuple[VehicleClass, ...] = Field(min_length=1)
    engine_types: tuple[EngineType, ...] = Field(default=ENGINE_TYPES, min_length=1)

    @field_validator("vehicle_classes", "engine_types")
    @classmethod
    def _unique(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return _no_duplicates(values, "value")

    def applies(self, vehicle_class: str, engine_type: str) -> bool:
        """Tell whether a vehicle of this class and engine type gets the item."""
        return vehicle_class in self.vehicle_classes and engine_type in self.engine_types


class Recording(BaseModel):
    """What the inspector records: pass/fail, a count or a measured value with its unit."""

    model_config = _FROZEN

    kind: RecordKind
    unit: str | None = Field(default=None, validate_default=True)

    @field_validator("unit")
    @classmethod
    def _unit_fits_kind(cls, unit: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("kind")
        if kind == "pass_fail" and unit is not None:
            raise ValueError("a pass_fail record takes no unit")
        if kind in ("count", "measurement") and not (unit and unit.strip()):
            raise ValueError(f"a {kind} record needs a unit")
        return unit


class Condition(BaseModel):
    """When a limit applies; every field that is set must hold."""

    model_config = _FROZEN

    count_at_least: int | None = Field(default=None, ge=1)
    adjacent_at_least: int | None = Field(default=None, ge=1)
    positions_at_most: int | None = Field(default=None, ge=1)
    positions_at_least: int | None = Field(default=None, ge=1)
    value_above: float | None = None
    value_at_least: float | None = None
    value_below: float | None = None
    vehicle_classes: tuple[VehicleClass, ...] | None = Field(default=None, min_length=1)

    @field_validator("value_above", "value_at_least", "value_below")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("a threshold must be a finite number")
        return value

    @model_validator(mode="after")
    def _something_set(self) -> Self:
        if not (self.uses_counts() or self.uses_values()):
            raise ValueError("a condition needs at least one threshold")
        return self

    def uses_counts(self) -> bool:
        """Tell whether the condition reads a count or fastener positions."""
        return any(getattr(self, name) is not None for name in _COUNT_FIELDS)

    def uses_values(self) -> bool:
        """Tell whether the condition reads a measured value."""
        return any(getattr(self, name) is not None for name in _VALUE_FIELDS)


class Limit(BaseModel):
    """A threshold: when its condition matches, a failure gets this gate and severity."""

    model_config = _FROZEN

    gate: Gate
    severity: Severity
    when: Condition


class Source(BaseModel):
    """Where a rule comes from: a clause reference, an address and a note."""

    model_config = _FROZEN

    ref: str = Field(min_length=1)
    url: str | None = None
    note: str | None = None


class ReleaseRule(BaseModel):
    """The rule that no vehicle leaves without a passed inspection, as the gate cites it."""

    model_config = _FROZEN

    ref: str = Field(min_length=1)
    url: str | None = None
    note: str | None = None
    verification: Verification

    @field_validator("verification")
    @classmethod
    def _unverified_has_note(cls, mark: str, info: ValidationInfo) -> str:
        if mark == "unverified" and not info.data.get("note"):
            raise ValueError("an unverified release rule needs a note saying what must be checked")
        return mark


class RuleItem(BaseModel):
    """One check of the pre-shift inspection in one jurisdiction."""

    model_config = _FROZEN

    id: str = Field(pattern=ITEM_ID_PATTERN)
    group: Group
    text: LocalText
    applies_to: Applicability
    record: Recording
    severity: Severity
    gate: Gate
    limits: tuple[Limit, ...] = Field(default=(), validate_default=True)
    source: Source
    verification: Verification
    derived_from: DerivedFact | None = Field(default=None, validate_default=True)

    @field_validator("group")
    @classmethod
    def _id_starts_with_group(cls, group: str, info: ValidationInfo) -> str:
        item_id = info.data.get("id")
        if item_id is not None and item_id.split(".")[0] != group:
            raise ValueError(f"item id {item_id!r} must start with its group {group!r}")
        return group

    @field_validator("limits")
    @classmethod
    def _limits_fit_record(
        cls, limits: tuple[Limit, ...], info: ValidationInfo
    ) -> tuple[Limit, ...]:
        record = info.data.get("record")
        if record is not None:
            _check_limits(record.kind, limits)
        return limits

    @field_validator("verification")
    @classmethod
    def _unverified_has_note(cls, mark: str, info: ValidationInfo) -> str:
        source = info.data.get("source")
        if mark == "unverified" and source is not None and not source.note:
            raise ValueError("an unverified item needs source.note saying what must be checked")
        return mark

    @field_validator("derived_from")
    @classmethod
    def _derived_is_pass_fail(cls, fact: str | None, info: ValidationInfo) -> str | None:
        record = info.data.get("record")
        if fact is not None and record is not None and record.kind != "pass_fail":
            raise ValueError("a derived item must record pass_fail")
        return fact


def _check_limits(kind: str, limits: tuple[Limit, ...]) -> None:
    """Raise ValueError when the limits do not suit the record kind."""
    if kind == "pass_fail":
        if limits:
            raise ValueError("a pass_fail item takes no limits")
        return
    if not limits:
        raise ValueError(f"a {kind} item needs at least one limit")
    for index, limit in enumerate(limits):
        if kind == "count" and limit.when.uses_values():
            raise ValueError(f"limit {index}: a count item cannot use value thresholds")
        if kind == "measurement" and limit.when.uses_counts():
            raise ValueError(f"limit {index}: a measurement item cannot use count thresholds")


class RulePack(BaseModel):
    """All the rule items of one jurisdiction, with the pack's sources."""

    model_config = _FROZEN

    jurisdiction: Jurisdiction
    name: LocalText
    version: str = Field(min_length=1)
    release_rule: ReleaseRule
    sources: tuple[Source, ...] = ()
    items: tuple[RuleItem, ...] = Field(min_length=1)

    @field_validator("items")
    @classmethod
    def _unique_ids(cls, items: tuple[RuleItem, ...]) -> tuple[RuleItem, ...]:
        _no_duplicates(tuple(item.id for item in items), "item id")
        facts = tuple(item.derived_from for item in items if item.derived_from is not None)
        _no_duplicates(facts, "derived fact")
        return items

    def find(self, item_id: str) -> RuleItem | None:
        """Return the item with this id, or None."""
        return next((item for item in self.items if item.id == item_id), None)
