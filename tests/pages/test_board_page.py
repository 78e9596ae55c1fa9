"""The depot board in a real browser (Debian's Chromium, Playwright), over the demo data."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from pages.conftest import sign_in


def test_dispatcher_signs_in_and_sees_blocked_buses_with_their_rules(page: Page) -> None:
    sign_in(page, "dispatcher@southline.demo")
    expect(page.get_by_role("heading", name="North Depot")).to_be_visible()
    blocked = page.locator("tr.blocked")
    expect(blocked.first).to_be_visible()
    gas_leak = blocked.filter(has_text="Gas equipment")
    expect(gas_leak).to_have_count(1)
    expect(gas_leak.locator(".rule")).to_contain_text("RU")


def test_filter_shows_only_vehicles_in_that_state(page: Page) -> None:
    sign_in(page, "dispatcher@southline.demo")
    page.locator("a.count.blocked").click()
    rows = page.locator("tbody tr")
    expect(rows.first).to_be_visible()
    count = int(page.locator("a.count.blocked b").inner_text())
    expect(rows).to_have_count(count)
    for state in page.locator("tbody td .state").all_inner_texts():
        assert state == "blocked"


def test_wrong_password_stays_on_sign_in_with_a_message(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill("dispatcher@southline.demo")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong e-mail or password")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_another_operators_board_is_not_found(page: Page) -> None:
    sign_in(page, "dispatcher@kubanfields.demo")
    expect(page.get_by_role("heading", name="Central Machine Yard")).to_be_visible()
    page.goto("/depots/1/board")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
