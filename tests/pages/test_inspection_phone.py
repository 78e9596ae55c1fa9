"""The inspection loop on a phone at the depot gate: Today, the form and its result."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from pages.conftest import Web, serious_violations, sign_in
from pages.test_inspection_form import all_pass, inspections_of, pick_vehicle
from tightnut.defects.models import Defect
from tightnut.fleet.models import Vehicle
from tightnut.gate.models import ReleaseDecision


def slug(item_id: str) -> str:
    return item_id.replace(".", "-").replace("_", "-")


def fill(page: Page, fields: dict[str, str | list[str]]) -> None:
    """Tap every item of the form as ``fields`` says, the way a thumb would."""
    for name, value in fields.items():
        kind, _, item_id = name.partition(".")
        if kind == "r":
            prefix = "p" if value == "pass" else "x"
            page.locator(f'label[for="{prefix}-{slug(item_id)}"]').click()
        elif kind == "value":
            page.locator(f'input[name="{name}"]').fill(str(value))


def fits_the_phone(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth") <= 360)


def open_form_from_today(phone: Page, bus: Vehicle) -> None:
    digits = re.sub(r"\D", "", bus.plate)[:3]
    phone.get_by_label("Find a plate").fill(digits)
    phone.get_by_role("button", name="Search").click()
    card = phone.locator(f'.vehicle-card[data-vehicle="{bus.id}"]')
    expect(card).to_be_visible()
    card.get_by_role("link", name=re.compile("Inspect")).click()
    expect(phone.get_by_role("heading", name=re.compile("Pre-shift inspection"))).to_be_visible()


def test_driver_on_a_phone_inspects_a_diesel_bus_and_it_may_go_out(phone: Page, web: Web) -> None:
    bus = pick_vehicle(web, "driver@southline.demo", engine="diesel")
    before = inspections_of(web, bus.id)
    sign_in(phone, "driver@southline.demo")
    expect(phone.get_by_role("heading", name=re.compile("My depot today"))).to_be_visible()
    assert fits_the_phone(phone)
    if not phone.locator(f'.vehicle-card[data-vehicle="{bus.id}"]').count():
        phone.goto(f"/today?depot={bus.depot_id}")
    open_form_from_today(phone, bus)
    assert fits_the_phone(phone)
    fill(phone, all_pass(web, bus))
    phone.get_by_role("button", name="Send the inspection").click()
    expect(phone.get_by_role("heading", name="The vehicle may go out on the line")).to_be_visible()
    expect(phone.get_by_text("Every check passed")).to_be_visible()
    assert fits_the_phone(phone)
    assert inspections_of(web, bus.id) == before + 1


def test_failing_an_item_asks_for_its_evidence_and_opens_a_defect_with_it(
    phone: Page, web: Web
) -> None:
    bus = pick_vehicle(web, "driver@southline.demo", engine="diesel")
    sign_in(phone, "driver@southline.demo")
    phone.goto(f"/vehicles/{bus.id}/inspect")
    count = phone.locator('input[name="count.wheels.fasteners"]')
    expect(count).to_be_hidden()
    fill(phone, {**all_pass(web, bus), "r.wheels.fasteners": "fail"})
    expect(count).to_be_visible()
    expect(phone.locator("#ph-wheels-fasteners")).to_have_attribute("capture", "environment")
    count.fill("1")
    phone.locator('label[for="pos-wheels-fasteners-4"]').click()
    phone.locator("#n-wheels-fasteners").fill("rear left outer wheel")
    assert fits_the_phone(phone)
    phone.get_by_role("button", name="Send the inspection").click()
    expect(phone.get_by_role("heading", name="The vehicle may not go out")).to_be_visible()
    expect(phone.locator(".failed-items")).to_contain_text("rear left outer wheel")
    with web.session() as session:
        defect = session.scalars(
            select(Defect).where(Defect.vehicle_id == bus.id).order_by(Defect.id.desc())
        ).first()
    assert defect is not None
    assert defect.item_id == "wheels.fasteners"
    assert (defect.evidence["count"], defect.evidence["positions"]) == (1, [4])
    assert defect.evidence["note"] == "rear left outer wheel"


def test_a_double_tap_on_send_makes_one_record(phone: Page, web: Web) -> None:
    bus = pick_vehicle(web, "driver@southline.demo", engine="cng")
    before = inspections_of(web, bus.id)
    sign_in(phone, "driver@southline.demo")
    phone.goto(f"/vehicles/{bus.id}/inspect")
    fill(phone, all_pass(web, bus))
    phone.get_by_role("button", name="Send the inspection").dblclick()
    expect(phone.get_by_role("heading", name=re.compile("may"))).to_be_visible()
    assert inspections_of(web, bus.id) == before + 1


def test_a_failed_count_without_its_count_shows_the_error_in_place(phone: Page, web: Web) -> None:
    bus = pick_vehicle(web, "driver@southline.demo", engine="electric")
    before = inspections_of(web, bus.id)
    sign_in(phone, "driver@southline.demo")
    phone.goto(f"/vehicles/{bus.id}/inspect")
    fill(phone, {**all_pass(web, bus), "r.wheels.fasteners": "fail"})
    phone.locator("#n-wheels-fasteners").fill("two studs look loose")
    phone.get_by_label("Odometer, km").fill("999999")
    phone.get_by_role("button", name="Send the inspection").click()
    expect(phone.get_by_text("Nothing was recorded.")).to_be_visible()
    expect(phone.locator("#e-c-wheels-fasteners")).to_have_text("Enter how many you found.")
    expect(phone.locator("#x-wheels-fasteners")).to_be_checked()
    expect(phone.locator("#p-brakes-service")).to_be_checked()
    expect(phone.locator("#n-wheels-fasteners")).to_have_value("two studs look loose")
    expect(phone.get_by_label("Odometer, km")).to_have_value("999999")
    assert inspections_of(web, bus.id) == before


def test_an_inspector_sees_the_release_button_on_today_and_the_result(
    phone: Page, web: Web
) -> None:
    bus = pick_vehicle(web, "inspector@southline.demo", engine="diesel")
    sign_in(phone, "inspector@southline.demo")
    phone.goto(f"/today?depot={bus.depot_id}&q={bus.plate}")
    card = phone.locator(f'.vehicle-card[data-vehicle="{bus.id}"]')
    release = card.locator(f'form[action="/vehicles/{bus.id}/release"]')
    if not card.locator(".state.released").count():
        expect(release.get_by_role("button", name=re.compile("Release"))).to_be_visible()
        expect(release.locator('input[name="next"]')).to_have_value(re.compile("^/today"))
    phone.goto(f"/vehicles/{bus.id}/inspect")
    fill(phone, all_pass(web, bus))
    phone.get_by_role("button", name="Send the inspection").click()
    phone.get_by_role("button", name="Release to the line").click()
    expect(phone.locator(".notice")).to_contain_text(bus.plate)
    expect(phone.get_by_role("heading", name="The vehicle may go out on the line")).to_be_visible()
    with web.session() as session:
        released = session.scalars(
            select(ReleaseDecision).where(
                ReleaseDecision.vehicle_id == bus.id, ReleaseDecision.released.is_(True)
            )
        ).all()
    assert released, "the release is on record"


def test_today_and_the_form_have_no_serious_accessibility_violations(page: Page, web: Web) -> None:
    bus = pick_vehicle(web, "inspector@southline.demo", engine="cng")
    sign_in(page, "inspector@southline.demo")
    expect(page.get_by_role("heading", name=re.compile("My depot today"))).to_be_visible()
    assert serious_violations(page) == []
    page.goto(f"/vehicles/{bus.id}/inspect")
    assert serious_violations(page) == []
    page.locator('label[for="x-wheels-fasteners"]').click()
    assert serious_violations(page) == []
    fill(page, all_pass(web, bus))
    page.get_by_role("button", name="Send the inspection").click()
    expect(page.get_by_role("heading", name=re.compile("may"))).to_be_visible()
    assert serious_violations(page) == []


def test_the_form_in_russian_shows_the_rule_packs_russian_texts(phone: Page, web: Web) -> None:
    bus = pick_vehicle(web, "driver@southline.demo", engine="cng")
    sign_in(phone, "driver@southline.demo")
    phone.goto(f"/vehicles/{bus.id}/inspect")
    phone.get_by_role("button", name="Русский").click()
    expect(phone.get_by_role("heading", name=re.compile("Предсменный осмотр"))).to_be_visible()
    expect(phone.locator("#i-gas-leak legend")).to_contain_text("газ")
    expect(phone.locator("#g-brakes > legend")).to_contain_text("Тормоз")
    expect(phone.locator('label[for="p-brakes-service"]')).to_contain_text("Исправно")
    assert fits_the_phone(phone)
    phone.goto("/today")
    expect(phone.get_by_role("heading", name=re.compile("Моя колонна сегодня"))).to_be_visible()
    assert fits_the_phone(phone)
