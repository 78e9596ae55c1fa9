"""The depot board in a real browser (Debian's Chromium, Playwright), over the demo data."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy import select

from pages.conftest import PageClient, Web, serious_violations, sign_in
from tightnut.defects.models import Defect
from tightnut.fleet.models import Depot, Vehicle

Clients = Callable[[str | None], PageClient]


def gas_leak_bus(web: Web) -> Vehicle:
    """The demo's CNG bus at North Depot whose inspection found a gas leak this morning."""
    with web.session() as session:
        return session.scalars(
            select(Vehicle)
            .join(Defect, Defect.vehicle_id == Vehicle.id)
            .join(Depot, Depot.id == Vehicle.depot_id)
            .where(Defect.item_id == "gas.leak", Defect.status == "open")
            .where(Depot.name == "North Depot")
        ).one()


def test_dispatcher_signs_in_and_sees_blocked_buses_with_their_rules(page: Page, web: Web) -> None:
    sign_in(page, "dispatcher@southline.demo")
    expect(page.get_by_role("heading", name="North Depot")).to_be_visible()
    blocked = page.locator("tr.blocked")
    expect(blocked.first).to_be_visible()
    gas_leak = blocked.filter(has_text="Gas equipment leak")
    expect(gas_leak).to_have_count(1)
    expect(gas_leak.locator(".plate")).to_have_text(gas_leak_bus(web).plate)
    gas_leak.locator("summary").click()
    expect(gas_leak.locator(".rule")).to_contain_text("RU ·")


def test_the_gas_leak_reasons_open_with_headline_rule_and_evidence(page: Page, web: Web) -> None:
    bus = gas_leak_bus(web)
    sign_in(page, "dispatcher@southline.demo")
    row = page.locator(f"tr#v-{bus.id}")
    why = row.locator("details.why")
    expect(why.locator("summary")).to_have_text(re.compile(r"^\s*Gas equipment leak\s*$"))
    expect(why.locator(".reason-facts")).not_to_be_visible()
    why.locator("summary").click()
    facts = why.locator(".reason-facts")
    expect(facts.locator("dt")).to_have_text(["Rule", "Evidence"])
    expect(facts.locator(".rule")).to_contain_text("RU · Перечень, разд. 6")
    expect(facts.locator(".rule")).to_contain_text("source not verified")
    expect(facts.locator(".evidence")).to_contain_text(
        "Open defect: “hiss at cylinder valve, soap test positive”"
    )
    defect = facts.get_by_role("link", name=re.compile(r"Defect no\. \d+"))
    expect(defect).to_have_attribute("href", re.compile(r"^/defects/\d+$"))
    assert "Gas equipment is tight" not in row.inner_text()  # the item's text is not repeated


def test_a_wheel_nut_reason_reads_at_a_glance(page: Page) -> None:
    sign_in(page, "dispatcher@southline.demo")
    row = page.locator("tr.blocked").filter(has_text="Wheel nuts missing or loose").first
    row.locator("summary").click()
    evidence = row.locator(".evidence")
    expect(evidence).to_contain_text("Open defect: 1 of 10 on the wheel (position 4)")
    assert "positions 4:" not in evidence.inner_text()
    assert "limit" not in evidence.inner_text()


def test_filter_shows_only_vehicles_in_that_state(page: Page) -> None:
    sign_in(page, "dispatcher@southline.demo")
    page.locator("a.count.blocked").click()
    expect(page).to_have_url(re.compile(r"/depots/\d+/board\?state=blocked$"))
    rows = page.locator("tbody tr")
    expect(rows.first).to_be_visible()
    count = int(page.locator("a.count.blocked b").inner_text())
    expect(rows).to_have_count(count)
    for state in page.locator("tbody td .state").all_inner_texts():
        assert state == "blocked"
    expect(page.locator("a.count.blocked")).to_have_attribute("aria-current", "true")


def test_the_state_filter_works_without_a_script(client_of: Clients, web: Web) -> None:
    client = client_of("dispatcher@southline.demo")
    depot_id = _depot_id(web, "North Depot")
    answer = client.get(f"/depots/{depot_id}/board?state=not_inspected")
    assert answer.status_code == 200
    states = re.findall(r'<span class="state (\w+)">', answer.text)
    assert states
    assert set(states) == {"not_inspected"}
    assert 'http-equiv="refresh"' not in answer.text  # no whole-page reload any more
    assert 'hx-trigger="every 20s"' in answer.text


def test_plate_search_narrows_the_rows_in_place(page: Page, web: Web) -> None:
    bus = gas_leak_bus(web)
    sign_in(page, "dispatcher@southline.demo")
    board_url = page.url
    typed = bus.plate[1:4]  # part of the plate, as a dispatcher types it
    matching = [p for p in _plates(web, "North Depot") if typed in p]
    page.get_by_label("Find a plate").fill(typed)
    expect(page.locator("tbody .plate")).to_have_count(len(matching))
    expect(page.locator(f"tr#v-{bus.id}")).to_be_visible()
    expect(page.locator("a.count.all b")).to_have_text(str(len(matching)))
    expect(page).to_have_url(re.compile(r"\?q="))
    assert sorted(page.locator("tbody .plate").all_inner_texts()) == sorted(matching)
    search = page.get_by_label("Find a plate")
    search.fill("")
    search.press("Enter")
    expect(page.locator("tbody tr")).to_have_count(_vehicle_count(web, "North Depot"))
    assert page.url.split("?")[0] == board_url.split("?")[0]


def test_plate_search_works_without_a_script_and_with_latin_letters(
    client_of: Clients, web: Web
) -> None:
    bus = gas_leak_bus(web)
    latin = bus.plate.translate(str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")).lower()
    client = client_of("dispatcher@southline.demo")
    answer = client.get(f"/depots/{bus.depot_id}/board", params={"q": latin})
    assert answer.status_code == 200
    plates = re.findall(r'<a class="plate" href="/vehicles/\d+">([^<]+)</a>', answer.text)
    assert plates == [bus.plate]
    nothing = client.get(f"/depots/{bus.depot_id}/board", params={"q": "ZZZ999"})
    assert "No vehicle with a plate like “ZZZ999” in this state." in nothing.text


def test_every_plate_links_to_its_vehicle_page(client_of: Clients, web: Web) -> None:
    client = client_of("dispatcher@southline.demo")
    depot_id = _depot_id(web, "North Depot")
    answer = client.get(f"/depots/{depot_id}/board")
    links = re.findall(r'<a class="plate" href="/vehicles/(\d+)">([^<]+)</a>', answer.text)
    with web.session() as session:
        plates = dict(
            session.execute(
                select(Vehicle.id, Vehicle.plate).where(
                    Vehicle.depot_id == depot_id, Vehicle.out_of_service_at.is_(None)
                )
            ).all()
        )
    assert {int(vid): plate for vid, plate in links} == plates


def test_the_board_has_no_serious_accessibility_issue(page: Page, web: Web) -> None:
    sign_in(page, "dispatcher@southline.demo")
    page.locator(f"tr#v-{gas_leak_bus(web).id} summary").click()
    assert serious_violations(page) == []


def test_on_a_phone_the_board_is_cards_with_why_not_in_view(phone: Page, web: Web) -> None:
    bus = gas_leak_bus(web)
    sign_in(phone, "dispatcher@southline.demo")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    card = phone.locator(f"tr#v-{bus.id}")
    assert card.evaluate("row => getComputedStyle(row).display") == "block"  # a card, not a row
    expect(phone.locator("table.board thead")).not_to_be_in_viewport()
    box = card.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 360
    summary = card.locator("summary")
    summary.scroll_into_view_if_needed()
    expect(summary).to_have_text(re.compile("Gas equipment leak"))
    summary_box = summary.bounding_box()
    assert summary_box is not None
    assert summary_box["x"] + summary_box["width"] <= 360
    summary.tap()
    expect(card.locator(".evidence")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert serious_violations(phone) == []


def test_the_board_speaks_russian(client_of: Clients, web: Web) -> None:
    client = client_of("dispatcher@southline.demo")
    bus = gas_leak_bus(web)
    answer = client.get(f"/depots/{bus.depot_id}/board", headers={"Accept-Language": "ru"})
    assert answer.status_code == 200
    text = answer.text
    assert "Найти по госномеру" in text
    assert "заблокирован" in text  # the state chip and badges
    assert "Утечка газа из газобаллонного оборудования" in text
    assert "Неисправность не устранена: «hiss at cylinder valve, soap test positive»" in text
    assert "Норма" in text
    assert "Основание" in text
    assert "Gas equipment leak" not in text


def test_another_operators_board_is_not_found(page: Page) -> None:
    sign_in(page, "dispatcher@kubanfields.demo")
    expect(page.get_by_role("heading", name="Central Machine Yard")).to_be_visible()
    page.goto("/depots/1/board")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    page.goto("/depots/1/board/rows")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()


def test_wrong_password_stays_on_sign_in_with_a_message(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill("dispatcher@southline.demo")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong e-mail or password")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def _depot_id(web: Web, name: str) -> int:
    with web.session() as session:
        return session.scalars(select(Depot.id).where(Depot.name == name)).one()


def _plates(web: Web, depot: str) -> list[str]:
    with web.session() as session:
        return list(
            session.scalars(
                select(Vehicle.plate)
                .join(Depot, Depot.id == Vehicle.depot_id)
                .where(Depot.name == depot, Vehicle.out_of_service_at.is_(None))
            ).all()
        )


def _vehicle_count(web: Web, depot: str) -> int:
    return len(_plates(web, depot))
