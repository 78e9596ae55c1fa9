"""What the inspection pages ask of the service: the checklist as form entries, plates, defects."""

from __future__ import annotations

from sqlalchemy.orm import Session

from factories import inspection_body, make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Role
from tightnut.fleet.meters import MeterLimits
from tightnut.inspections import service
from tightnut.inspections.schemas import InspectionCreate
from tightnut.rules import RuleCatalog

LIMITS = MeterLimits(max_km_per_hour=120.0, max_engine_hours_per_day=24.0)


def test_a_cng_bus_gets_its_items_grouped_by_system_with_both_languages(
    session: Session, catalog: RuleCatalog
) -> None:
    depot = make_depot(session, make_operator(session))
    bus = make_vehicle(session, depot, engine_type="cng", fastener_positions=8)
    entries = service.entries(catalog, depot, bus)
    assert [e.id for e in entries] == [i.id for i in service.checklist(catalog, depot, bus)]
    groups = dict(service.grouped(entries))
    assert "gas.leak" in [e.id for e in groups["gas"]]
    assert all(e.group == name for name, found in groups.items() for e in found)
    assert all(e.text_en and e.text_ru for e in entries)
    wheel = next(e for e in entries if e.id == "wheels.fasteners")
    assert (wheel.kind, wheel.unit, wheel.wheel_positions) == ("count", "fasteners", 8)
    assert wheel.slug == "wheels-fasteners"
    assert all(e.wheel_positions == 0 for e in entries if e.unit != "fasteners")


def test_an_item_since_dropped_from_the_pack_keeps_its_id_as_its_words(
    session: Session, catalog: RuleCatalog
) -> None:
    bus = make_vehicle(session, make_depot(session, make_operator(session)))
    gone = service.entry_of(catalog, "RU", "brakes.retired_check", bus)
    assert (gone.text_en, gone.text_ru, gone.group) == (
        "brakes.retired_check",
        "brakes.retired_check",
        "brakes",
    )
    assert service.entry_of(catalog, "RU", "gas.leak", bus).text_ru.startswith("Г")


def test_a_plate_is_found_whatever_the_alphabet_case_or_spaces() -> None:
    assert service.plate_key("а 123 ве 23") == service.plate_key("А123ВЕ23")
    assert service.plate_key("A123BE") in service.plate_key("А123ВЕ23")  # Latin look-alikes
    assert service.plate_key("123") in service.plate_key("А123ВЕ23")


def test_opened_defects_are_those_of_this_inspection(
    session: Session, catalog: RuleCatalog
) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    bus = make_vehicle(session, depot, engine_type="cng")
    inspector = make_login(session, operator, Role.INSPECTOR).actor
    failing = inspection_body(catalog, depot, bus, {"gas.leak": {"passed": False}})
    first = service.submit(
        session,
        inspector,
        data=InspectionCreate.model_validate(failing),
        catalog=catalog,
        limits=LIMITS,
    ).inspection
    again = service.submit(
        session,
        inspector,
        data=InspectionCreate.model_validate({**failing, "note": "still leaking"}),
        catalog=catalog,
        limits=LIMITS,
    ).inspection
    opened = service.opened_defects(session, first)
    assert [d.item_id for d in opened] == ["gas.leak"]
    assert service.opened_defects(session, again) == []
