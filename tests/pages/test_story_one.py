"""Brief story 1 end to end, through the pages only, in a real browser.

A CNG bus fails "gas equipment leak" on the inspector's phone; the dispatcher's board shows it
blocked with the rule; the release button is refused with the reason; the service engineer
plans the repair, an uncertified technician's signature is refused and a CNG-certified one
signs; the re-inspection passes and the bus is released. The database is only read, to check
that each step wrote what the page said.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from pages.conftest import Web, sign_in, sign_out
from pages.test_inspection_form import all_pass, pick_vehicle
from pages.test_inspection_phone import fill
from pages.test_workorder_story import fill_sign_off
from tightnut.defects.models import Defect
from tightnut.gate.models import ReleaseDecision
from tightnut.workorders.models import WorkOrder

INSPECTOR = "inspector@southline.demo"
DISPATCHER = "dispatcher@southline.demo"
ENGINEER = "service.engineer@southline.demo"
ADMIN = "admin@southline.demo"
NOVICE = "novice.cng@southline.demo"
NOVICE_PASSWORD = "novice-password-1"
LEAK = "soap test bubbles at the cylinder 2 valve"


def _releases(web: Web, vehicle_id: int, *, released: bool) -> int:
    query = select(func.count()).where(
        ReleaseDecision.vehicle_id == vehicle_id, ReleaseDecision.released.is_(released)
    )
    with web.session() as session:
        return session.scalar(query) or 0


def test_story_one_the_leaking_cng_bus_is_held_repaired_by_a_certified_hand_and_released(
    page: Page, phone: Page, web: Web
) -> None:
    bus = pick_vehicle(web, INSPECTOR, engine="cng")
    refusals, releases = (_releases(web, bus.id, released=flag) for flag in (False, True))

    # 1. The inspector fails the gas-leak item on the phone form, with a note as evidence.
    sign_in(phone, INSPECTOR, path=f"/vehicles/{bus.id}/inspect")
    expect(phone.get_by_role("heading", name=re.compile("Pre-shift inspection"))).to_be_visible()
    fill(phone, {**all_pass(web, bus), "r.gas.leak": "fail"})
    phone.locator("#n-gas-leak").fill(LEAK)
    phone.get_by_role("button", name="Send the inspection").click()
    expect(phone.get_by_role("heading", name="The vehicle may not go out")).to_be_visible()
    expect(phone.locator(".failed-items")).to_contain_text(LEAK)
    expect(phone.locator("h1").get_by_role("link", name=bus.plate)).to_have_attribute(
        "href", f"/vehicles/{bus.id}"
    )
    with web.session() as session:
        defect = session.scalars(
            select(Defect).where(Defect.vehicle_id == bus.id, Defect.item_id == "gas.leak")
        ).one()
        assert (defect.status, defect.evidence["note"]) == ("open", LEAK)
        defect_id = defect.id

    # 2. The dispatcher's board shows it blocked, the rule one click away.
    sign_in(page, DISPATCHER, path=f"/depots/{bus.depot_id}/board?state=blocked")
    row = page.locator(f"tr#v-{bus.id}")
    expect(row).to_have_class(re.compile(r"\bblocked\b"))
    expect(row.locator("details.why summary")).to_contain_text("Gas equipment leak")
    row.locator("details.why summary").click()
    expect(row.locator(".rule")).to_contain_text("RU · Перечень, разд. 6")
    expect(row.locator(".evidence")).to_contain_text(LEAK)
    sign_out(page)

    # 3. The inspector's release button is refused with the reason; the refusal is on record.
    sign_in(page, INSPECTOR, path=f"/depots/{bus.depot_id}/board?state=blocked")
    with page.expect_response(lambda r: r.url.endswith(f"/vehicles/{bus.id}/release")) as sent:
        page.get_by_role("button", name=f"Release {bus.plate}").click()
    assert sent.value.status == 409
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{bus.plate} may not go out on the line"
    )
    expect(page.locator(".refused .reason .headline")).to_have_text("Gas equipment leak")
    assert _releases(web, bus.id, released=False) == refusals + 1
    assert _releases(web, bus.id, released=True) == releases
    sign_out(page)

    # 4. The admin gives a new service engineer a sign-in; the engineer adds them as a
    #    technician with no certification.
    sign_in(page, ADMIN, path="/admin/users")
    page.get_by_label("E-mail").fill(NOVICE)
    page.get_by_label("Full name").fill("Oleg Novak")
    page.get_by_label("Role", exact=True).select_option(label="Service engineer")
    page.get_by_label("Initial password").fill(NOVICE_PASSWORD)
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("status")).to_have_text(f"User {NOVICE} created.")
    sign_out(page)

    sign_in(page, ENGINEER, path="/technicians/new")
    page.get_by_label("Full name").fill("Oleg Novak")
    page.get_by_label("Signs in as").select_option(label=f"Oleg Novak · {NOVICE}")
    page.get_by_role("button", name="Add the technician").click()
    expect(page.get_by_role("status")).to_have_text("Technician added.")

    # 5. The engineer plans the repair from the defect page and assigns the novice.
    page.goto(f"/defects/{defect_id}")
    page.get_by_role("button", name="Create work order").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Work order")
    order_id = int(page.url.rsplit("/", 1)[1])
    page.get_by_label("Technician", exact=True).select_option(
        label="Oleg Novak — not certified for this vehicle"
    )
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Technician assigned.")
    sign_out(page)

    # 6. The uncertified technician's signature is refused in place, with the reason.
    sign_in(page, NOVICE, NOVICE_PASSWORD, path=f"/work-orders/{order_id}")
    page.get_by_role("button", name="Start", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Work started.")
    fill_sign_off(page, web, bus.id)
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.locator(".wo-sign").get_by_role("alert")).to_contain_text(
        "Oleg Novak may not sign: there is no certification for"
    )
    with web.session() as session:
        assert session.get_one(WorkOrder, order_id).status == "in_progress"
        assert session.get_one(Defect, defect_id).status == "open"
    sign_out(page)

    # 7. The CNG-certified technician is assigned and signs; the defect awaits re-inspection.
    sign_in(page, ENGINEER, path=f"/work-orders/{order_id}")
    page.get_by_label("Technician", exact=True).select_option(
        label="Ivan Petrov — certified for this vehicle"
    )
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Technician assigned.")
    fill_sign_off(page, web, bus.id)
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Work order signed.")
    with web.session() as session:
        assert session.get_one(WorkOrder, order_id).status == "done"
        assert session.get_one(Defect, defect_id).status == "repaired"
    sign_out(page)

    # A signed repair alone releases nothing: the bus waits for its re-inspection.
    sign_in(page, DISPATCHER, path=f"/depots/{bus.depot_id}/board")
    expect(page.locator(f"tr#v-{bus.id}")).not_to_have_class(re.compile(r"\bready\b"))
    sign_out(page)

    # 8. The re-inspection passes on the phone; the inspector releases the bus from the result.
    phone.goto(f"/vehicles/{bus.id}/inspect")
    fill(phone, all_pass(web, bus))
    phone.get_by_role("button", name="Send the inspection").click()
    expect(phone.get_by_role("heading", name="The vehicle may go out on the line")).to_be_visible()
    phone.get_by_role("button", name="Release to the line").click()
    expect(phone.locator(".notice")).to_contain_text(bus.plate)
    with web.session() as session:
        assert session.get_one(Defect, defect_id).status == "closed"
    assert _releases(web, bus.id, released=True) == releases + 1

    # 9. The dispatcher sees it released.
    sign_in(page, DISPATCHER, path=f"/depots/{bus.depot_id}/board")
    expect(page.locator(f"tr#v-{bus.id} .state")).to_have_text("released")
