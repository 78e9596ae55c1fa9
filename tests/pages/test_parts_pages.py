"""The parts pages: stock at a depot, receipts and stock-takes, new parts; refusals in place."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from pages.conftest import PageClient, Web, serious_violations, sign_in
from tightnut.auth.models import Operator
from tightnut.fleet.models import Depot
from tightnut.workorders.models import Part, StockLevel

ENGINEER = "service.engineer@southline.demo"
Clients = Callable[[str | None], PageClient]


def _depot_and_part(web: Web, sku: str) -> tuple[int, int]:
    with web.session() as session:
        southline = select(Operator.id).where(Operator.name == "Southline City Transport")
        depot = session.scalars(
            select(Depot).where(Depot.operator_id.in_(southline)).order_by(Depot.name)
        ).first()
        part = session.scalars(
            select(Part).where(Part.operator_id.in_(southline), Part.sku == sku)
        ).one()
        assert depot is not None
        return depot.id, part.id


def _stock(web: Web, part_id: int, depot_id: int) -> float:
    with web.session() as session:
        query = select(StockLevel.quantity).where(
            StockLevel.part_id == part_id, StockLevel.depot_id == depot_id
        )
        return session.scalars(query).one()


def test_receiving_and_counting_change_the_stock_shown(page: Page, web: Web) -> None:
    depot_id, part_id = _depot_and_part(web, "WN-22")
    before = _stock(web, part_id, depot_id)
    sign_in(page, ENGINEER)
    page.goto(f"/parts?depot={depot_id}")
    row = page.locator(f'tr[data-part="{part_id}"]')
    row.get_by_label("Received at this depot: WN-22").fill("25")
    row.get_by_role("button", name="Receive").click()
    expect(page.get_by_role("status")).to_have_text("Stock received.")
    expect(page.locator(f'tr[data-part="{part_id}"] .stock')).to_have_text(f"{before + 25:g} pcs")
    assert _stock(web, part_id, depot_id) == before + 25
    row = page.locator(f'tr[data-part="{part_id}"]')
    row.get_by_label("Counted at this depot: WN-22").fill("180")
    row.get_by_role("button", name="Set the count").click()
    expect(page.get_by_role("status")).to_have_text("Stock set to the count.")
    assert _stock(web, part_id, depot_id) == 180


def test_a_negative_receipt_is_refused_in_its_row_and_nothing_is_written(
    web: Web, client_of: Clients
) -> None:
    depot_id, part_id = _depot_and_part(web, "OF-100")
    before = _stock(web, part_id, depot_id)
    client = client_of(ENGINEER)
    answer = client.post(f"/parts/{part_id}/receive", {"depot_id": str(depot_id), "quantity": "-5"})
    assert answer.status_code == 422
    assert f'id="e-receive-{part_id}"' in answer.text
    assert "More than 0." in answer.text
    assert 'value="-5"' in answer.text
    assert _stock(web, part_id, depot_id) == before


def test_a_new_part_is_added_and_a_taken_sku_is_refused_in_place(page: Page, web: Web) -> None:
    sign_in(page, ENGINEER)
    page.goto("/parts/new")
    page.get_by_label("SKU").fill("gs-10")
    page.get_by_label("Part name").fill("Gas cylinder valve seal")
    page.get_by_role("button", name="Add the part").click()
    expect(page.get_by_role("status")).to_have_text("Part added to the catalogue.")
    expect(page.get_by_role("cell", name="GS-10", exact=True)).to_be_visible()

    page.goto("/parts/new")
    page.get_by_label("SKU").fill("GS-10")
    page.get_by_label("Part name").fill("Another seal")
    page.get_by_role("button", name="Add the part").click()
    expect(page.locator("#e-sku")).to_have_text("This SKU is already in the catalogue.")
    expect(page.get_by_label("Part name")).to_have_value("Another seal")
    with web.session() as session:
        count = select(func.count()).where(Part.sku == "GS-10")
        assert session.scalars(count).one() == 1


def test_another_operators_part_or_depot_is_the_404_page(web: Web, client_of: Clients) -> None:
    depot_id, part_id = _depot_and_part(web, "BP-220")
    before = _stock(web, part_id, depot_id)
    theirs = client_of("service.engineer@kubanfields.demo")
    answer = theirs.post(f"/parts/{part_id}/receive", {"depot_id": str(depot_id), "quantity": "5"})
    assert answer.status_code == 404
    assert "There is no such page, or it is not yours to see." in answer.text
    assert theirs.get(f"/parts?depot={depot_id}").status_code == 404
    assert _stock(web, part_id, depot_id) == before


def test_the_parts_pages_speak_russian(web: Web, client_of: Clients) -> None:
    client = client_of(ENGINEER)
    russian = {"Accept-Language": "ru"}
    assert "Запчасти" in client.get("/parts", headers=russian).text
    assert "Артикул" in client.get("/parts/new", headers=russian).text


def test_axe_finds_nothing_serious_on_the_parts_pages(page: Page) -> None:
    sign_in(page, ENGINEER)
    for path in ("/parts", "/parts/new"):
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        assert serious_violations(page) == [], path


def test_the_parts_page_fits_a_phone(phone: Page) -> None:
    sign_in(phone, ENGINEER)
    phone.goto("/parts")
    expect(phone.get_by_role("button", name="Receive").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
