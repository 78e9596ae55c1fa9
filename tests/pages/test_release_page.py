"""The release button: the gate's yes goes back with a notice, its no shows every reason."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from pages.conftest import PageClient, Web, serious_violations, sign_in
from pages.test_board_page import gas_leak_bus
from tightnut.db import utcnow
from tightnut.fleet.models import Depot, Vehicle
from tightnut.gate.models import ReleaseDecision

Clients = Callable[[str | None], PageClient]


def _decisions(web: Web, vehicle_id: int, *, released: bool | None = None) -> int:
    """Today's decisions on the vehicle (the demo's past days were decided 19 hours ago or more)."""
    query = select(func.count()).where(
        ReleaseDecision.vehicle_id == vehicle_id,
        ReleaseDecision.decided_at > utcnow() - timedelta(hours=12),
    )
    if released is not None:
        query = query.where(ReleaseDecision.released.is_(released))
    with web.session() as session:
        return session.scalar(query) or 0


def _ready_vehicles(page: Page) -> list[tuple[int, str]]:
    """The board's ready vehicles (id, plate), as the inspector sees them."""
    rows = page.locator("tr.ready")
    expect(rows.first).to_be_visible()
    return [
        (int(row.get_attribute("data-vehicle") or "0"), row.locator(".plate").inner_text())
        for row in rows.all()
    ]


def test_inspector_releases_a_ready_vehicle_and_sees_the_notice(page: Page, web: Web) -> None:
    sign_in(page, "inspector@southline.demo", path="/board")
    board_url = page.url
    vehicle_id, plate = _ready_vehicles(page)[0]
    assert _decisions(web, vehicle_id) == 0
    page.get_by_role("button", name=f"Release {plate}").click()
    expect(page.get_by_role("status")).to_have_text(f"Released: {plate}")
    assert page.url == board_url
    row = page.locator(f"tr#v-{vehicle_id}")
    expect(row.locator(".state")).to_have_text("released")
    expect(row.get_by_role("button", name=re.compile("Release"))).to_have_count(0)
    assert _decisions(web, vehicle_id, released=True) == 1
    assert _decisions(web, vehicle_id) == 1


def test_a_second_release_in_the_shift_writes_nothing_and_says_so(
    client_of: Clients, web: Web, page: Page
) -> None:
    sign_in(page, "inspector@southline.demo", path="/board")
    vehicle_id, plate = _ready_vehicles(page)[-1]
    client = client_of("inspector@southline.demo")
    first = client.post(f"/vehicles/{vehicle_id}/release", {"next": "/board?x=1"})
    assert first.status_code == 303
    assert first.headers["location"] == "/board?x=1"
    again = client.post(f"/vehicles/{vehicle_id}/release", {"next": "/board?x=1"})
    assert again.status_code == 303
    landed = client.get(again.headers["location"])
    assert landed.status_code == 303  # /board goes on to the first depot's board
    shown = client.get(landed.headers["location"])
    assert f"{plate} was already released this shift." in shown.text
    assert _decisions(web, vehicle_id) == 1


def test_a_blocked_bus_is_refused_with_every_reason(page: Page, web: Web) -> None:
    bus = gas_leak_bus(web)
    before = _decisions(web, bus.id)
    sign_in(page, "inspector@southline.demo", path="/board?state=blocked")
    with page.expect_response(lambda r: r.url.endswith(f"/vehicles/{bus.id}/release")) as sent:
        page.get_by_role("button", name=f"Release {bus.plate}").click()
    assert sent.value.status == 409
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{bus.plate} may not go out on the line"
    )
    reason = page.locator(".refused .reason")
    expect(reason).to_have_count(1)
    expect(reason.locator(".headline")).to_have_text("Gas equipment leak")
    expect(reason.locator(".rule")).to_contain_text("RU · Перечень, разд. 6")
    expect(reason.locator(".evidence")).to_contain_text(
        "Open defect: “hiss at cylinder valve, soap test positive”"
    )
    expect(page.get_by_role("link", name="Vehicle page")).to_have_attribute(
        "href", f"/vehicles/{bus.id}"
    )
    defects = page.get_by_role("link", name="Defects of this vehicle")
    expect(defects).to_have_attribute("href", re.compile(r"^/defects\?plate="))
    expect(page.get_by_role("link", name=re.compile(r"Defect no\. \d+"))).to_be_visible()
    expect(page.get_by_role("link", name="Back")).to_have_attribute(
        "href", re.compile(r"/board\?state=blocked$")
    )
    assert serious_violations(page) == []
    assert _decisions(web, bus.id, released=False) == before + 1  # the refusal is recorded
    assert _decisions(web, bus.id, released=True) == 0


def test_the_refusal_page_speaks_russian(client_of: Clients, web: Web) -> None:
    bus = gas_leak_bus(web)
    client = client_of("inspector@southline.demo")
    refused = client.post(f"/vehicles/{bus.id}/release", headers={"Accept-Language": "ru"})
    assert refused.status_code == 409
    assert f"{bus.plate} нельзя выпускать на линию" in refused.text
    assert "Утечка газа из газобаллонного оборудования" in refused.text
    assert "Карточка машины" in refused.text
    assert _decisions(web, bus.id, released=True) == 0


def test_a_dispatcher_sees_no_release_button_and_a_forged_post_is_refused(
    page: Page, client_of: Clients, web: Web
) -> None:
    sign_in(page, "dispatcher@southline.demo")
    expect(page.locator("tr.ready").first).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Release"))).to_have_count(0)
    vehicle_id = int(page.locator("tr.ready").first.get_attribute("data-vehicle") or "0")
    before = _decisions(web, vehicle_id)
    forged = client_of("dispatcher@southline.demo").post(f"/vehicles/{vehicle_id}/release")
    assert forged.status_code == 403
    assert "text/html" in forged.headers["content-type"]
    assert "may not release vehicles to the line" in forged.text
    assert _decisions(web, vehicle_id) == before


def test_a_release_without_the_security_token_writes_nothing(client_of: Clients, web: Web) -> None:
    bus = gas_leak_bus(web)
    before = _decisions(web, bus.id)
    client = client_of("inspector@southline.demo")
    refused = client.post(f"/vehicles/{bus.id}/release", token="forged")
    assert refused.status_code == 403
    assert _decisions(web, bus.id) == before


def test_another_operators_vehicle_is_not_found_and_nothing_is_written(
    client_of: Clients, web: Web
) -> None:
    with web.session() as session:
        theirs = session.scalars(
            select(Vehicle.id)
            .join(Depot, Depot.id == Vehicle.depot_id)
            .where(Depot.name == "Central Machine Yard")
            .limit(1)
        ).one()
    client = client_of("inspector@southline.demo")
    before = _decisions(web, theirs)
    answer = client.post(f"/vehicles/{theirs}/release")
    assert answer.status_code == 404
    assert "Not found" in answer.text
    assert _decisions(web, theirs) == before
    malformed = client.post("/vehicles/not-a-number/release")
    assert malformed.status_code == 422


def test_next_that_leaves_the_site_goes_to_the_board_instead(client_of: Clients, web: Web) -> None:
    bus = gas_leak_bus(web)
    client = client_of("inspector@southline.demo")
    for outside in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        refused = client.post(f"/vehicles/{bus.id}/release", {"next": outside})
        assert refused.status_code == 409
        assert f'href="/depots/{bus.depot_id}/board"' in refused.text
        assert "evil.example" not in refused.text
