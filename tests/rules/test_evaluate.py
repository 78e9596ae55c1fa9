"""Verdicts: the thresholds each jurisdiction sets, and results that do not fit their item."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tightnut.rules import ItemResult, RecordError, RuleCatalog, RuleItem, Verdict, evaluate
from tightnut.rules.evaluate import longest_adjacent_run


def _item(catalog: RuleCatalog, jurisdiction: str, item_id: str) -> RuleItem:
    item = catalog.find_item(jurisdiction, item_id)
    assert item is not None, f"{jurisdiction} pack lacks {item_id}"
    return item


def _fasteners(
    catalog: RuleCatalog,
    jurisdiction: str,
    positions: tuple[int, ...],
    wheel: int,
    count: int | None = None,
) -> Verdict:
    item = _item(catalog, jurisdiction, "wheels.fasteners")
    result = ItemResult(
        "wheels.fasteners", count=len(positions) if count is None else count, positions=positions
    )
    return evaluate(item, result, vehicle_class="bus", fastener_positions=wheel)


def test_ru_blocks_one_missing_nut(catalog: RuleCatalog) -> None:
    verdict = _fasteners(catalog, "RU", (4,), 10)
    assert (verdict.failed, verdict.gate, verdict.severity) == (True, "block", "dangerous")


@pytest.mark.parametrize(
    ("positions", "wheel", "gate"),
    [
        ((1, 5), 8, "block"),  # 2 of 8 or fewer
        ((3,), 8, "warn"),  # 1 of 8: under the OOS threshold
        ((4, 5), 10, "block"),  # 2 adjacent of 10
        ((2, 6), 10, "warn"),  # 2 apart of 10
        ((1, 4, 7), 10, "block"),  # 3 anywhere of 10
        ((10, 1), 10, "block"),  # 10 and 1 are neighbours around the wheel
        ((2,), 10, "warn"),
    ],
)
def test_us_cvsa_fastener_thresholds(
    catalog: RuleCatalog, positions: tuple[int, ...], wheel: int, gate: str
) -> None:
    verdict = _fasteners(catalog, "US", positions, wheel)
    assert verdict.failed
    assert verdict.gate == gate


def test_us_explanation_names_the_limit(catalog: RuleCatalog) -> None:
    verdict = _fasteners(catalog, "US", (1, 4, 7), 10)
    assert verdict.explanation.startswith("3 ineffective fasteners on a 10-position wheel")
    assert "limit 3 of 10" in verdict.explanation


def test_us_without_positions_assumes_adjacent(catalog: RuleCatalog) -> None:
    verdict = _fasteners(catalog, "US", (), 10, count=2)
    assert verdict.gate == "block"


@given(positions=st.lists(st.integers(1, 10), min_size=3, max_size=10, unique=True).map(tuple))
def test_us_three_or_more_on_ten_always_block(
    catalog: RuleCatalog, positions: tuple[int, ...]
) -> None:
    assert _fasteners(catalog, "US", positions, 10).gate == "block"


@given(wheel=st.integers(1, 12), jurisdiction=st.sampled_from(["RU", "EU", "US"]))
def test_zero_fasteners_never_fails(catalog: RuleCatalog, wheel: int, jurisdiction: str) -> None:
    verdict = _fasteners(catalog, jurisdiction, (), wheel, count=0)
    assert (verdict.failed, verdict.gate, verdict.severity) == (False, "none", None)


@pytest.mark.parametrize(
    ("vehicle_class", "play_deg", "blocked"),
    [
        ("car", 10.0, False),
        ("car", 10.5, True),
        ("bus", 20.0, False),
        ("bus", 21.0, True),
        ("truck", 25.0, False),
        ("truck", 26.0, True),
    ],
)
def test_ru_steering_play_per_class(
    catalog: RuleCatalog, vehicle_class: str, play_deg: float, blocked: bool
) -> None:
    item = _item(catalog, "RU", "steering.play")
    result = ItemResult("steering.play", value=play_deg)
    verdict = evaluate(item, result, vehicle_class=vehicle_class, fastener_positions=10)
    assert verdict.failed is blocked
    assert verdict.gate == ("block" if blocked else "none")


def test_ru_air_pressure_drop_blocks_at_five_hundredths(catalog: RuleCatalog) -> None:
    item = _item(catalog, "RU", "brakes.air_pressure_drop")
    low = evaluate(
        item, ItemResult(item.id, value=0.04), vehicle_class="bus", fastener_positions=10
    )
    high = evaluate(
        item, ItemResult(item.id, value=0.05), vehicle_class="bus", fastener_positions=10
    )
    assert (low.failed, high.gate) == (False, "block")


def test_pass_fail_failure_takes_item_gate(catalog: RuleCatalog) -> None:
    item = _item(catalog, "RU", "gas.leak")
    verdict = evaluate(
        item, ItemResult(item.id, passed=False), vehicle_class="bus", fastener_positions=10
    )
    assert (verdict.gate, verdict.severity) == ("block", "dangerous")
    ok = evaluate(
        item, ItemResult(item.id, passed=True), vehicle_class="bus", fastener_positions=10
    )
    assert (ok.failed, ok.gate, ok.severity) == (False, "none", None)


@pytest.mark.parametrize(
    ("item_id", "result", "field"),
    [
        ("gas.leak", ItemResult("gas.leak"), "passed"),
        ("gas.leak", ItemResult("gas.leak", passed=False, value=1.0), "value"),
        ("wheels.fasteners", ItemResult("wheels.fasteners"), "count"),
        ("wheels.fasteners", ItemResult("wheels.fasteners", count=-1), "count"),
        ("wheels.fasteners", ItemResult("wheels.fasteners", count=11), "count"),
        ("wheels.fasteners", ItemResult("wheels.fasteners", count=1, positions=(11,)), "positions"),
        ("wheels.fasteners", ItemResult("wheels.fasteners", count=1, positions=(0,)), "positions"),
        (
            "wheels.fasteners",
            ItemResult("wheels.fasteners", count=2, positions=(3, 3)),
            "positions",
        ),
        ("wheels.fasteners", ItemResult("wheels.fasteners", count=2, positions=(3,)), "positions"),
        ("wheels.fasteners", ItemResult("wheels.fasteners", count=1, passed=False), "passed"),
        ("steering.play", ItemResult("steering.play"), "value"),
        ("steering.play", ItemResult("steering.play", value=math.nan), "value"),
        ("steering.play", ItemResult("steering.play", value=math.inf), "value"),
        ("steering.play", ItemResult("steering.play", value=5.0, count=1), "count"),
        ("steering.play", ItemResult("gas.leak", value=5.0), "item_id"),
    ],
)
def test_record_error_names_the_field(
    catalog: RuleCatalog, item_id: str, result: ItemResult, field: str
) -> None:
    item = _item(catalog, "RU", item_id)
    with pytest.raises(RecordError) as caught:
        evaluate(item, result, vehicle_class="bus", fastener_positions=10)
    assert caught.value.field == field
    assert caught.value.message


@pytest.mark.parametrize(
    ("positions", "wheel", "run"),
    [((), 10, 0), ((5,), 10, 1), ((1, 10), 10, 2), ((9, 10, 1, 2), 10, 4), ((1, 3, 5), 6, 1)],
)
def test_adjacent_run_wraps_around_the_wheel(
    positions: tuple[int, ...], wheel: int, run: int
) -> None:
    assert longest_adjacent_run(positions, wheel) == run
