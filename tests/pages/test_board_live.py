"""The board refreshes its rows by itself: no reload, no lost scroll, no closed reasons."""

from __future__ import annotations

from urllib.parse import urlencode

from playwright.sync_api import Page, expect
from sqlalchemy import select

from pages.conftest import Web, sign_in
from tightnut.auth.models import User
from tightnut.auth.service import actor_of
from tightnut.config import Settings
from tightnut.demo.checks import results_for
from tightnut.fleet.meters import limits_of
from tightnut.fleet.models import Depot, Vehicle
from tightnut.gate.pages import POLL_SECONDS
from tightnut.inspections import service as inspections
from tightnut.inspections.schemas import InspectionCreate
from tightnut.rules import load_catalog

REFRESHED_WITHIN_MS = (POLL_SECONDS + 15) * 1000


def _inspect_cleanly(web: Web, vehicle_id: int) -> None:
    """The inspector records a clean inspection, as the phone form would have sent it."""
    catalog = load_catalog()
    with web.session() as session:
        user = session.scalars(select(User).where(User.email == "inspector@southline.demo")).one()
        vehicle = session.get(Vehicle, vehicle_id)
        assert vehicle is not None
        depot = session.get(Depot, vehicle.depot_id)
        assert depot is not None
        items = inspections.checklist(catalog, depot, vehicle)
        results = results_for(
            items,
            vehicle_class=vehicle.vehicle_class,
            fastener_positions=vehicle.fastener_positions,
        )
        data = InspectionCreate.model_validate({"vehicle_id": vehicle.id, "results": results})
        inspections.submit(
            session, actor_of(user), data=data, catalog=catalog, limits=limits_of(Settings())
        )
        session.commit()


def test_a_new_inspection_turns_its_row_ready_without_a_reload(page: Page, web: Web) -> None:
    sign_in(page, "dispatcher@southline.demo")
    rows = page.locator("tr.not_inspected")
    expect(rows.first).to_be_visible()
    row = rows.last  # far down the list, so the page has to be scrolled to see it
    vehicle_id = int(row.get_attribute("data-vehicle") or "0")
    ready_before = int(page.locator("a.count.ready b").inner_text())
    blocked = page.locator("tr.blocked").first
    blocked.locator("summary").click()
    row.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 40); window.stillTheSamePage = true")
    url, scrolled = page.url, page.evaluate("window.scrollY")
    assert scrolled > 300

    _inspect_cleanly(web, vehicle_id)

    fresh = page.locator(f"tr#v-{vehicle_id}")
    expect(fresh.locator(".state")).to_have_text("ready", timeout=REFRESHED_WITHIN_MS)
    expect(page.locator("a.count.ready b")).to_have_text(str(ready_before + 1))
    assert page.url == url
    assert page.evaluate("window.stillTheSamePage") is True
    assert abs(page.evaluate("window.scrollY") - scrolled) <= 2
    expect(blocked.locator("details.why")).to_have_attribute("open", "")
    expect(blocked.locator(".reason-facts")).to_be_visible()


def test_the_refresh_keeps_the_search_it_was_made_with(page: Page, web: Web) -> None:
    sign_in(page, "dispatcher@southline.demo")
    first = page.locator("tr.blocked .plate").first
    plate = first.inner_text()
    page.get_by_label("Find a plate").fill(plate)
    expect(page.locator("tbody .plate")).to_have_text([plate])
    board = page.url.split("?")[0]
    live = page.locator("#board-live")
    expect(live).to_have_attribute(
        "hx-get", board.removeprefix(web.base) + "/rows?" + urlencode({"q": plate})
    )
    page.wait_for_timeout(1000)
    with page.expect_response(lambda r: "/board/rows" in r.url, timeout=REFRESHED_WITHIN_MS):
        pass
    expect(page.locator("tbody .plate")).to_have_text([plate])
