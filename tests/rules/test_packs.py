"""Loading packs: the shipped packs, their required items, checklists and load errors."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from tightnut.rules import RuleCatalog, RulePackError, load_catalog

Data = dict[str, object]
WritePack = Callable[[str, object], Path]

COMMON_IDS = (
    "wheels.fasteners",
    "gas.leak",
    "gas.cylinder_certification",
    "gas.identification_sign",
    "fuel.leak",
    "brakes.service",
    "brakes.parking",
    "brakes.air_pressure_drop",
    "steering.play",
    "electric.hv_insulation",
    "electric.battery",
    "fire.engine_suppression",
    "exits.emergency",
    "tyres.tread_depth",
    "lights.headlamps",
    "exhaust.leak",
    "glass.windscreen",
    "mirrors.rear_view",
    "wipers.operation",
    "horn.operation",
    "emergency.fire_extinguisher",
    "seat_belts.condition",
    "coupling.device",
)
RU_ONLY_IDS = (
    "devices.tachograph",
    "devices.emergency_call",
    "emergency.first_aid_kit",
    "emergency.warning_triangle",
)
EXPECTED_KINDS = {
    "wheels.fasteners": ("count", "fasteners"),
    "brakes.air_pressure_drop": ("measurement", "MPa"),
    "steering.play": ("measurement", "deg"),
    "tyres.tread_depth": ("measurement", "mm"),
    "gas.leak": ("pass_fail", None),
}
BUS_ONLY_IDS = ("exits.emergency", "fire.engine_suppression", "engine.compartment_insulation")


def _ids(catalog: RuleCatalog, jurisdiction: str, vehicle_class: str, engine: str) -> set[str]:
    items = catalog.checklist(
        jurisdiction=jurisdiction, vehicle_class=vehicle_class, engine_type=engine
    )
    return {item.id for item in items}


def test_every_shipped_pack_loads(catalog: RuleCatalog) -> None:
    assert set(catalog.packs) == {"RU", "EU", "US"}
    assert len(catalog.pack("RU").items) >= 40
    assert len(catalog.pack("EU").items) >= 30
    assert len(catalog.pack("US").items) >= 30


@pytest.mark.parametrize("jurisdiction", ["RU", "EU", "US"])
def test_pack_has_the_required_items(catalog: RuleCatalog, jurisdiction: str) -> None:
    required = COMMON_IDS + (RU_ONLY_IDS if jurisdiction == "RU" else ())
    missing = [i for i in required if catalog.find_item(jurisdiction, i) is None]
    assert missing == []


@pytest.mark.parametrize("jurisdiction", ["RU", "EU", "US"])
def test_same_check_is_recorded_the_same_way_everywhere(
    catalog: RuleCatalog, jurisdiction: str
) -> None:
    for item_id, (kind, unit) in EXPECTED_KINDS.items():
        item = catalog.find_item(jurisdiction, item_id)
        assert item is not None
        assert (item.record.kind, item.record.unit) == (kind, unit)


@pytest.mark.parametrize("jurisdiction", ["RU", "EU", "US"])
def test_gas_items_block_and_cover_only_gas_engines(
    catalog: RuleCatalog, jurisdiction: str
) -> None:
    for item_id in ("gas.leak", "gas.cylinder_certification"):
        item = catalog.find_item(jurisdiction, item_id)
        assert item is not None
        assert set(item.applies_to.engine_types) == {"cng", "lng", "lpg"}
        assert (item.gate, item.severity) == ("block", "dangerous")


def test_verification_marks_follow_the_research(catalog: RuleCatalog) -> None:
    marks = {
        ("US", "wheels.fasteners"): "verified",
        ("US", "brakes.service"): "verified",
        ("US", "exits.emergency"): "verified",
        ("US", "steering.play"): "unverified",
        ("RU", "wheels.fasteners"): "secondary",
        ("RU", "gas.identification_sign"): "secondary",
        ("RU", "gas.leak"): "unverified",
        ("RU", "tyres.tread_depth"): "unverified",
        ("EU", "wheels.fasteners"): "unverified",
        ("EU", "wheels.hub"): "verified",
    }
    found = {key: getattr(catalog.find_item(*key), "verification", None) for key in marks}
    assert found == marks


def test_no_shipped_item_is_verified_in_ru(catalog: RuleCatalog) -> None:
    # The 2023 wording of the Перечень was not retrieved: nothing in RU may claim "verified".
    marks = Counter(item.verification for item in catalog.pack("RU").items)
    assert marks["verified"] == 0


def test_cng_bus_checklist_has_gas_leak_and_diesel_bus_does_not(catalog: RuleCatalog) -> None:
    assert "gas.leak" in _ids(catalog, "RU", "bus", "cng")
    assert "gas.leak" not in _ids(catalog, "RU", "bus", "diesel")


def test_checklist_leaves_out_system_checked_items(catalog: RuleCatalog) -> None:
    assert "gas.cylinder_certification" not in _ids(catalog, "RU", "bus", "cng")
    derived = catalog.derived(jurisdiction="RU", fact="gas_cylinder_certification")
    assert derived is not None
    assert derived.id == "gas.cylinder_certification"


@pytest.mark.parametrize("jurisdiction", ["RU", "EU", "US"])
def test_tractor_checklist_has_no_bus_only_items(catalog: RuleCatalog, jurisdiction: str) -> None:
    tractor = _ids(catalog, jurisdiction, "tractor", "diesel")
    assert tractor.isdisjoint(BUS_ONLY_IDS)
    assert {"brakes.service", "steering.play", "wheels.fasteners", "fuel.leak"} <= tractor


def test_electric_bus_gets_battery_checks_and_no_fuel_leak(catalog: RuleCatalog) -> None:
    ids = _ids(catalog, "EU", "bus", "electric")
    assert {"electric.battery", "electric.hv_insulation"} <= ids
    assert "fuel.leak" not in ids


def test_checklist_keeps_file_order(catalog: RuleCatalog) -> None:
    items = catalog.checklist(jurisdiction="RU", vehicle_class="bus", engine_type="cng")
    order = [item.id for item in catalog.pack("RU").items]
    assert [order.index(item.id) for item in items] == sorted(order.index(i.id) for i in items)


def test_unknown_jurisdiction_and_vehicle_are_refused(catalog: RuleCatalog) -> None:
    with pytest.raises(LookupError, match="CA"):
        catalog.pack("CA")
    with pytest.raises(ValueError, match="hovercraft"):
        catalog.checklist(jurisdiction="RU", vehicle_class="hovercraft", engine_type="diesel")
    assert catalog.find_item("RU", "no.such_item") is None


def test_bad_field_names_file_item_and_field(write_pack: WritePack, pack_data: Data) -> None:
    pack_data["items"][0]["limits"][0]["gate"] = "stop"  # type: ignore[index]
    path = write_pack("us.yaml", pack_data)
    with pytest.raises(RulePackError) as caught:
        load_catalog(path.parent)
    error = caught.value
    assert (error.file, error.item, error.field) == ("us.yaml", "wheels.fasteners", "limits.0.gate")
    assert str(error) == (
        "us.yaml: item 'wheels.fasteners': field 'limits.0.gate': "
        "Input should be 'block', 'warn' or 'none'"
    )


def test_item_without_id_is_named_by_index(write_pack: WritePack, pack_data: Data) -> None:
    del pack_data["items"][0]["id"]  # type: ignore[index]
    with pytest.raises(RulePackError) as caught:
        load_catalog(write_pack("us.yaml", pack_data).parent)
    assert (caught.value.item, caught.value.field) == (0, "id")


def test_validator_message_keeps_item_and_field(write_pack: WritePack, pack_data: Data) -> None:
    pack_data["items"][0]["verification"] = "unverified"  # type: ignore[index]
    with pytest.raises(RulePackError) as caught:
        load_catalog(write_pack("us.yaml", pack_data).parent)
    assert caught.value.field == "verification"
    assert caught.value.message.startswith("an unverified item needs source.note")


def test_yaml_syntax_error_names_file_and_line(write_pack: WritePack) -> None:
    path = write_pack("ru.yaml", "jurisdiction: RU\nname:\n  en: [unclosed\n  ru: x\n")
    with pytest.raises(RulePackError) as caught:
        load_catalog(path.parent)
    assert caught.value.file == "ru.yaml"
    assert "line " in caught.value.message


def test_repeated_yaml_key_is_refused(write_pack: WritePack) -> None:
    path = write_pack("ru.yaml", "jurisdiction: RU\njurisdiction: EU\n")
    with pytest.raises(RulePackError, match=r"line 2.*given twice"):
        load_catalog(path.parent)


def test_duplicate_item_ids_are_refused(write_pack: WritePack, pack_data: Data) -> None:
    items = pack_data["items"]
    assert isinstance(items, list)
    items.append(dict(items[0]))
    with pytest.raises(RulePackError) as caught:
        load_catalog(write_pack("us.yaml", pack_data).parent)
    assert (caught.value.item, caught.value.field) == ("wheels.fasteners", "id")


def test_file_name_must_match_jurisdiction(write_pack: WritePack, pack_data: Data) -> None:
    with pytest.raises(RulePackError) as caught:
        load_catalog(write_pack("eu.yaml", pack_data).parent)
    assert (caught.value.file, caught.value.field) == ("eu.yaml", "jurisdiction")


def test_top_level_must_be_a_mapping(write_pack: WritePack) -> None:
    with pytest.raises(RulePackError, match="mapping"):
        load_catalog(write_pack("us.yaml", "- just\n- a list\n").parent)


def test_missing_directory_is_reported(tmp_path: Path) -> None:
    with pytest.raises(RulePackError, match="not found"):
        load_catalog(tmp_path / "nowhere")


def test_valid_custom_pack_loads(write_pack: WritePack, pack_data: Data) -> None:
    loaded = load_catalog(write_pack("us.yaml", pack_data).parent)
    assert loaded.find_item("US", "wheels.fasteners") is not None


def test_every_pack_names_its_release_rule(catalog: RuleCatalog) -> None:
    marks = {code: catalog.pack(code).release_rule.verification for code in ("RU", "EU", "US")}
    assert marks == {"RU": "verified", "EU": "unverified", "US": "verified"}
    assert "№ 9" in catalog.pack("RU").release_rule.ref


def test_pack_without_release_rule_is_refused(write_pack: WritePack, pack_data: Data) -> None:
    del pack_data["release_rule"]
    with pytest.raises(RulePackError) as caught:
        load_catalog(write_pack("us.yaml", pack_data).parent)
    assert (caught.value.item, caught.value.field) == (None, "release_rule")
