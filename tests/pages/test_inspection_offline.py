"""The network drops at the depot gate: the inspection waits on the phone and is sent once later."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from pages.conftest import Web, sign_in
from pages.test_inspection_form import all_pass, inspections_of, pick_vehicle
from pages.test_inspection_phone import fill, fits_the_phone


def test_an_inspection_sent_without_network_waits_and_is_sent_once_when_it_is_back(
    phone: Page, web: Web
) -> None:
    bus = pick_vehicle(web, "driver@southline.demo", engine="diesel")
    before = inspections_of(web, bus.id)
    sign_in(phone, "driver@southline.demo")
    phone.goto(f"/vehicles/{bus.id}/inspect")
    phone.context.set_offline(True)
    fill(phone, {**all_pass(web, bus), "r.wheels.fasteners": "fail"})
    phone.locator('input[name="count.wheels.fasteners"]').fill("1")
    phone.locator("#n-wheels-fasteners").fill("nut missing, seen at the gate")
    phone.get_by_role("button", name="Send the inspection").click()
    drafts = phone.locator("#drafts")
    expect(drafts).to_be_visible()
    draft = drafts.locator("li.draft")
    expect(draft).to_have_count(1)
    expect(draft).to_contain_text(bus.plate)
    expect(draft).to_contain_text("Waiting for the network")
    expect(drafts).to_contain_text("releases nothing")
    expect(phone.locator("#draft-saved")).to_contain_text("kept on this phone")
    phone.get_by_role("button", name="Send the inspection").click()  # a second tap, still offline
    expect(draft).to_have_count(1)
    assert fits_the_phone(phone)
    assert inspections_of(web, bus.id) == before

    phone.context.set_offline(False)
    expect(draft).to_contain_text("Received by the server", timeout=15_000)
    assert inspections_of(web, bus.id) == before + 1
    draft.get_by_role("link", name="See the result").click()
    expect(phone.get_by_role("heading", name="The vehicle may not go out")).to_be_visible()
    expect(phone.locator(".failed-items")).to_contain_text("nut missing, seen at the gate")
    expect(phone.locator("#drafts li.draft")).to_contain_text("Received by the server")
    phone.reload()
    expect(phone.locator("#drafts li.draft")).to_have_count(1)
    assert inspections_of(web, bus.id) == before + 1


def test_a_draft_the_server_refuses_shows_why(phone: Page, web: Web) -> None:
    bus = pick_vehicle(web, "driver@southline.demo", engine="cng")
    before = inspections_of(web, bus.id)
    sign_in(phone, "driver@southline.demo")
    phone.goto(f"/vehicles/{bus.id}/inspect")
    phone.context.set_offline(True)
    fill(phone, {**all_pass(web, bus), "r.wheels.fasteners": "fail"})
    phone.get_by_role("button", name="Send the inspection").click()
    draft = phone.locator("#drafts li.draft")
    expect(draft).to_contain_text("Waiting for the network")
    phone.context.set_offline(False)
    expect(draft).to_contain_text("Refused by the server", timeout=15_000)
    expect(draft).to_contain_text("Enter how many you found.")
    assert inspections_of(web, bus.id) == before
    draft.get_by_role("button", name="Remove").click()
    expect(phone.locator("#drafts")).to_be_hidden()


def test_an_old_draft_warns_that_it_may_be_lost_and_is_sent_from_the_next_page(
    phone: Page, web: Web
) -> None:
    bus = pick_vehicle(web, "driver@southline.demo", engine="electric")
    before = inspections_of(web, bus.id)
    sign_in(phone, "driver@southline.demo")
    phone.goto(f"/vehicles/{bus.id}/inspect")
    phone.context.set_offline(True)
    fill(phone, all_pass(web, bus))
    phone.get_by_role("button", name="Send the inspection").click()
    expect(phone.locator("#drafts li.draft")).to_contain_text("Waiting for the network")
    phone.evaluate("""() => new Promise((done) => {
        const open = indexedDB.open("tightnut-drafts", 1);
        open.onsuccess = () => {
            const store = open.result.transaction("drafts", "readwrite").objectStore("drafts");
            store.getAll().onsuccess = (event) => {
                for (const draft of event.target.result) {
                    draft.created -= 30 * 3600 * 1000;
                    store.put(draft);
                }
                store.transaction.oncomplete = done;
            };
        };
    })""")
    phone.get_by_role("button", name="Send the inspection").click()  # redrawn, still offline
    expect(phone.locator("#drafts li.draft .old-warning")).to_contain_text("Older than a day")
    assert inspections_of(web, bus.id) == before
    phone.context.set_offline(False)
    phone.goto("/today")
    # The form page may already have sent it on the "online" event before it was left; then
    # this page hears that the server has it. Either way, one record.
    expect(phone.locator("#drafts li.draft")).to_contain_text(
        re.compile("Received by the server|Already on the server"), timeout=15_000
    )
    assert inspections_of(web, bus.id) == before + 1
