"""Ready-made inspection results: a clean pass of every item, with chosen failures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tightnut.rules import ItemResult, RuleItem, evaluate

# Candidate readings for measured items; the first one no limit objects to is used.
_CANDIDATE_VALUES = (0.0, 0.01, 8.0, 12.0, 25.0, 100.0)


def passing_result(
    item: RuleItem, *, vehicle_class: str, fastener_positions: int
) -> dict[str, object]:
    """A result for ``item`` that passes on this vehicle, as the API takes it."""
    if item.record.kind == "pass_fail":
        return {"item_id": item.id, "passed": True}
    if item.record.kind == "count":
        return {"item_id": item.id, "count": 0}
    for value in _CANDIDATE_VALUES:
        verdict = evaluate(
            item,
            ItemResult(item_id=item.id, value=value),
            vehicle_class=vehicle_class,
            fastener_positions=fastener_positions,
        )
        if not verdict.failed:
            return {"item_id": item.id, "value": value}
    raise ValueError(f"no passing value found for {item.id}")


def results_for(
    items: Sequence[RuleItem],
    *,
    vehicle_class: str,
    fastener_positions: int,
    failures: Mapping[str, Mapping[str, object]] | None = None,
) -> list[dict[str, object]]:
    """Every item passing, except those in ``failures`` (item id → recorded fields)."""
    failures = failures or {}
    return [
        {"item_id": item.id, **failures[item.id]}
        if item.id in failures
        else passing_result(
            item, vehicle_class=vehicle_class, fastener_positions=fastener_positions
        )
        for item in items
    ]
