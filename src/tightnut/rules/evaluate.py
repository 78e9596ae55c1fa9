"""Turn one recorded inspection result into a verdict under one rule item. Pure, no I/O."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass

from tightnut.rules.schema import Condition, Gate, Limit, RuleItem, Severity

FASTENER_UNIT = "fasteners"


@dataclass(frozen=True)
class ItemResult:
    """What the inspector recorded for one item."""

    item_id: str
    passed: bool | None = None
    count: int | None = None
    positions: tuple[int, ...] = ()
    value: float | None = None
    note: str | None = None


@dataclass(frozen=True)
class Verdict:
    """The outcome of one item: failed or not, the gate, the severity and why."""

    item_id: str
    failed: bool
    gate: Gate
    severity: Severity | None
    explanation: str


class RecordError(ValueError):
    """A recorded result does not fit the item's record kind."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class _Facts:
    """What the conditions of a limit are matched against."""

    vehicle_class: str
    count: int | None = None
    adjacent: int | None = None
    positions: int | None = None
    value: float | None = None


def evaluate(
    item: RuleItem, result: ItemResult, *, vehicle_class: str, fastener_positions: int
) -> Verdict:
    """Judge a recorded result under the item; raise RecordError if it does not fit."""
    if result.item_id != item.id:
        raise RecordError("item_id", f"result is for {result.item_id!r}, not {item.id!r}")
    if item.record.kind == "pass_fail":
        return _evaluate_pass_fail(item, result)
    if item.record.kind == "count":
        return _evaluate_count(item, result, vehicle_class, fastener_positions)
    return _evaluate_measurement(item, result, vehicle_class)


def longest_adjacent_run(positions: tuple[int, ...], wheel_positions: int) -> int:
    """Return the longest run of neighbouring positions around a wheel, counted circularly."""
    taken = set(positions)
    if len(taken) >= wheel_positions:
        return len(taken)
    longest = 0
    for start in taken:
        if _previous(start, wheel_positions) in taken:
            continue
        length, current = 0, start
        while current in taken:
            length += 1
            current = current % wheel_positions + 1
        longest = max(longest, length)
    return longest


def _previous(position: int, wheel_positions: int) -> int:
    """Return the position before this one around the wheel."""
    return wheel_positions if position == 1 else position - 1


def _evaluate_pass_fail(item: RuleItem, result: ItemResult) -> Verdict:
    """Judge a pass/fail item: a failure takes the item's severity and gate."""
    _refuse_unused(result, allowed="passed")
    if result.passed is None:
        raise RecordError("passed", "a pass/fail item needs passed = true or false")
    if result.passed:
        return _pass(item, f"passed: {item.text.en}")
    return Verdict(item.id, True, item.gate, item.severity, f"failed: {item.text.en}")


def _evaluate_count(
    item: RuleItem, result: ItemResult, vehicle_class: str, fastener_positions: int
) -> Verdict:
    """Judge a count item: zero passes, otherwise the first matching limit decides."""
    _refuse_unused(result, allowed="count")
    count = _checked_count(item, result, fastener_positions)
    if count == 0:
        return _pass(item, f"no ineffective {item.record.unit}")
    adjacent = _adjacent(count, result.positions, fastener_positions)
    facts = _Facts(vehicle_class, count=count, adjacent=adjacent, positions=fastener_positions)
    head = _count_head(item, count, result.positions, fastener_positions)
    wheel = fastener_positions if _reads_wheel(item) else None
    limit = _first_match(item.limits, facts)
    if limit is None:
        reason = f"{head}: below every limit, so {item.severity} with gate {item.gate}"
        return Verdict(item.id, True, item.gate, item.severity, reason)
    return _fail(item.id, limit, f"{head}: limit {_describe(limit.when, item, wheel)}")


def _evaluate_measurement(item: RuleItem, result: ItemResult, vehicle_class: str) -> Verdict:
    """Judge a measurement: the first matching limit fails it, no match passes it."""
    _refuse_unused(result, allowed="value")
    if result.value is None:
        raise RecordError("value", "a measurement item needs a value")
    if not math.isfinite(result.value):
        raise RecordError("value", f"value must be a finite number, got {result.value}")
    facts = _Facts(vehicle_class, value=result.value)
    head = f"{_short_name(item)} {result.value:g} {item.record.unit}"
    limit = _first_match(item.limits, facts)
    if limit is None:
        return _pass(item, f"{head}: within limits for a {vehicle_class}")
    return _fail(item.id, limit, f"{head}: limit {_describe(limit.when, item)}")


def _refuse_unused(result: ItemResult, *, allowed: str) -> None:
    """Raise RecordError for any field that this record kind does not use."""
    given = {
        "passed": result.passed is not None,
        "count": result.count is not None,
        "positions": bool(result.positions),
        "value": result.value is not None,
    }
    uses = {allowed, "positions"} if allowed == "count" else {allowed}
    for field, present in given.items():
        if present and field not in uses:
            raise RecordError(field, f"this item records {allowed}, not {field}")


def _checked_count(item: RuleItem, result: ItemResult, fastener_positions: int) -> int:
    """Return the count after checking it and its positions against the wheel."""
    count = result.count
    if count is None:
        raise RecordError("count", "a count item needs a count")
    if count < 0:
        raise RecordError("count", f"count cannot be negative, got {count}")
    if not _reads_wheel(item) and not result.positions:
        return count
    if fastener_positions < 1:
        raise RecordError("fastener_positions", "the wheel needs at least one fastener position")
    if count > fastener_positions:
        raise RecordError("count", f"{count} is more than the wheel's {fastener_positions}")
    _check_positions(result.positions, count, fastener_positions)
    return count


def _reads_wheel(item: RuleItem) -> bool:
    """Tell whether the count is of fastener positions on a wheel."""
    return item.record.unit == FASTENER_UNIT or any(
        limit.when.adjacent_at_least
        or limit.when.positions_at_most
        or limit.when.positions_at_least
        for limit in item.limits
    )


def _check_positions(positions: tuple[int, ...], count: int, fastener_positions: int) -> None:
    """Raise RecordError when positions are off the wheel, repeated or disagree with count."""
    if not positions:
        return
    outside = [p for p in positions if not 1 <= p <= fastener_positions]
    if outside:
        raise RecordError("positions", f"position {outside[0]} is not in 1..{fastener_positions}")
    if len(set(positions)) != len(positions):
        raise RecordError("positions", "a position is listed twice")
    if len(positions) != count:
        raise RecordError("positions", f"{len(positions)} positions given for a count of {count}")


def _adjacent(count: int, positions: tuple[int, ...], fastener_positions: int) -> int:
    """Return the longest adjacent run; without positions, assume the worst (all adjacent)."""
    if not positions:
        return min(count, max(fastener_positions, 1))
    return longest_adjacent_run(positions, fastener_positions)


def _first_match(limits: tuple[Limit, ...], facts: _Facts) -> Limit | None:
    """Return the first limit whose condition holds, or None."""
    return next((limit for limit in limits if _holds(limit.when, facts)), None)


def _holds(when: Condition, facts: _Facts) -> bool:
    """Tell whether every set field of the condition holds for these facts."""
    checks: tuple[tuple[float | None, float | None, Callable[[float, float], bool]], ...] = (
        (when.count_at_least, facts.count, operator.ge),
        (when.adjacent_at_least, facts.adjacent, operator.ge),
        (when.positions_at_most, facts.positions, operator.le),
        (when.positions_at_least, facts.positions, operator.ge),
        (when.value_above, facts.value, operator.gt),
        (when.value_at_least, facts.value, operator.ge),
        (when.value_below, facts.value, operator.lt),
    )
    for threshold, fact, test in checks:
        if threshold is not None and (fact is None or not test(fact, threshold)):
            return False
    return when.vehicle_classes is None or facts.vehicle_class in when.vehicle_classes


def _count_head(item: RuleItem, count: int, positions: tuple[int, ...], wheel: int) -> str:
    """Describe a recorded count in a few words."""
    unit = item.record.unit or ""
    noun = unit[:-1] if count == 1 and unit.endswith("s") else unit
    if not _reads_wheel(item):
        return f"{count} {noun}"
    where = f" at positions {', '.join(map(str, positions))}" if positions else ""
    article = "an" if str(wheel).startswith("8") or wheel in (11, 18) else "a"
    return f"{count} ineffective {noun} on {article} {wheel}-position wheel{where}"


def _describe(when: Condition, item: RuleItem, wheel: int | None = None) -> str:
    """Describe a matched condition in English, e.g. '3 of 10' or 'above 20 deg'."""
    unit = item.record.unit or ""
    of_wheel = f" of {wheel}" if wheel is not None else ""
    parts: list[str] = []
    if when.count_at_least is not None:
        parts.append(f"{when.count_at_least}{of_wheel}")
    if when.adjacent_at_least is not None:
        parts.append(f"{when.adjacent_at_least} adjacent{of_wheel}")
    for word, threshold in (
        ("above", when.value_above),
        ("at least", when.value_at_least),
        ("below", when.value_below),
    ):
        if threshold is not None:
            parts.append(f"{word} {threshold:g} {unit}")
    if when.vehicle_classes:
        parts.append(f"for {', '.join(when.vehicle_classes)}")
    return " ".join(parts) or "any"


def _short_name(item: RuleItem) -> str:
    """Return a readable name for the item from its id, e.g. 'steering play'."""
    return item.id.replace(".", " ").replace("_", " ")


def _pass(item: RuleItem, explanation: str) -> Verdict:
    """Return a passing verdict."""
    return Verdict(item.id, False, "none", None, explanation)


def _fail(item_id: str, limit: Limit, explanation: str) -> Verdict:
    """Return a failing verdict with the limit's gate and severity."""
    return Verdict(item_id, True, limit.gate, limit.severity, explanation)
