"""Schema rules: what a pack may and may not say, as an administrator would meet them."""

from __future__ import annotations

import copy

import pytest
from pydantic import ValidationError

from tightnut.rules import (
    ENGINE_TYPES,
    JURISDICTIONS,
    VEHICLE_CLASSES,
    Applicability,
    Condition,
    LocalText,
    Recording,
    RuleItem,
    RulePack,
)

Data = dict[str, object]


def _changed(data: Data, **changes: object) -> Data:
    return {**data, **changes}


def test_exported_value_tuples_match_the_literals() -> None:
    assert VEHICLE_CLASSES == ("bus", "truck", "car", "tractor", "combine", "dump_truck")
    assert ENGINE_TYPES == ("diesel", "petrol", "cng", "lng", "lpg", "hybrid", "electric")
    assert JURISDICTIONS == ("RU", "EU", "US")


def test_applicability_defaults_to_every_engine_type() -> None:
    scope = Applicability(vehicle_classes=("bus",))
    assert all(scope.applies("bus", engine) for engine in ENGINE_TYPES)
    assert not scope.applies("tractor", "diesel")


def test_applicability_needs_a_vehicle_class() -> None:
    with pytest.raises(ValidationError, match="vehicle_classes"):
        Applicability(vehicle_classes=())


def test_local_text_rejects_blank_russian() -> None:
    with pytest.raises(ValidationError, match="ru"):
        LocalText(en="Horn works", ru="  ")


@pytest.mark.parametrize(
    ("kind", "unit", "message"),
    [
        ("pass_fail", "mm", "takes no unit"),
        ("count", None, "needs a unit"),
        ("measurement", "", "needs a unit"),
    ],
)
def test_recording_unit_must_fit_its_kind(kind: str, unit: str | None, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Recording.model_validate({"kind": kind, "unit": unit})


def test_condition_needs_a_threshold() -> None:
    with pytest.raises(ValidationError, match="at least one threshold"):
        Condition.model_validate({"vehicle_classes": ["bus"]})


def test_item_id_must_be_dotted_lowercase(item_data: Data) -> None:
    with pytest.raises(ValidationError, match="pattern"):
        RuleItem.model_validate(_changed(item_data, id="Wheels-Fasteners"))


def test_item_id_must_start_with_its_group(item_data: Data) -> None:
    with pytest.raises(ValidationError, match="must start with its group"):
        RuleItem.model_validate(_changed(item_data, group="tyres"))


def test_count_item_needs_limits(item_data: Data) -> None:
    with pytest.raises(ValidationError, match="needs at least one limit"):
        RuleItem.model_validate(_changed(item_data, limits=[]))


def test_pass_fail_item_takes_no_limits(item_data: Data) -> None:
    with pytest.raises(ValidationError, match="takes no limits"):
        RuleItem.model_validate(_changed(item_data, record={"kind": "pass_fail"}))


def test_measurement_item_cannot_use_count_thresholds(item_data: Data) -> None:
    bad = _changed(item_data, record={"kind": "measurement", "unit": "mm"})
    with pytest.raises(ValidationError, match="cannot use count thresholds"):
        RuleItem.model_validate(bad)


def test_unverified_item_must_say_what_to_check(item_data: Data) -> None:
    with pytest.raises(ValidationError, match=r"source\.note"):
        RuleItem.model_validate(_changed(item_data, verification="unverified"))


def test_derived_item_must_be_pass_fail(item_data: Data) -> None:
    with pytest.raises(ValidationError, match="derived item"):
        RuleItem.model_validate(_changed(item_data, derived_from="gas_cylinder_certification"))


def test_unknown_field_is_rejected(item_data: Data) -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        RuleItem.model_validate(_changed(item_data, colour="red"))


def test_pack_rejects_duplicate_item_ids(pack_data: Data, item_data: Data) -> None:
    pack_data["items"] = [item_data, copy.deepcopy(item_data)]
    with pytest.raises(ValidationError, match="listed twice"):
        RulePack.model_validate(pack_data)


def test_models_are_frozen(item_data: Data) -> None:
    item = RuleItem.model_validate(item_data)
    with pytest.raises(ValidationError):
        item.gate = "none"
