"""The fleet list: search, filters, pages through the database, and the CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from pages.conftest import PageClient, Web, serious_violations, sign_in
from tightnut.fleet.models import Depot, Vehicle

Clients = Callable[[str | None], PageClient]
MANAGER = "fleet.manager@southline.demo"


def _plates(html: str) -> list[str]:
    return [part.split("<")[0] for part in html.split('class="plate" href="/vehicles/')[1:]]


def _southline_count(web: Web, **where: object) -> int:
    with web.session() as session:
        query = select(func.count()).select_from(Vehicle).join(Depot)
        query = query.where(Depot.name.in_(["North Depot", "Riverside Depot"]))
        for name, value in where.items():
            query = query.where(getattr(Vehicle, name) == value)
        return session.scalar(query) or 0


def test_the_list_shows_the_operators_fleet_by_plate_a_page_at_a_time(
    client_of: Clients, web: Web
) -> None:
    client = client_of(MANAGER)
    first = client.get("/vehicles")
    assert first.status_code == 200
    total = _southline_count(web)
    assert f"{total} vehicles found." in first.text
    plates = [p.split('">')[1] for p in _plates(first.text)]
    assert len(plates) == 50
    assert plates == sorted(plates)
    cursor = first.text.split("cursor=")[1].split('"')[0]
    second = client.get(f"/vehicles?cursor={cursor}")
    assert second.status_code == 200
    more = [p.split('">')[1] for p in _plates(second.text)]
    assert more
    assert more[0] > plates[-1]
    assert not set(more) & set(plates)
    assert "Central Machine Yard" not in first.text + second.text  # another operator's


def test_search_by_plate_and_filters_narrow_the_list_and_page_on(
    client_of: Clients, web: Web
) -> None:
    with web.session() as session:
        north = session.scalar(select(Depot.id).where(Depot.name == "North Depot"))
        bus = session.scalars(
            select(Vehicle).where(Vehicle.depot_id == north).order_by(Vehicle.plate)
        ).first()
        assert bus is not None
        plate = bus.plate
    client = client_of(MANAGER)
    found = client.get("/vehicles", params={"q": plate.lower()[:4]})
    assert found.status_code == 200
    assert plate in found.text
    cng = client.get("/vehicles", params={"depot_id": north, "engine_type": "cng", "limit": 10})
    assert cng.status_code == 200
    expected = _southline_count(web, depot_id=north, engine_type="cng")
    assert f"{expected} vehicles found." in cng.text
    assert "Diesel</td>" not in cng.text
    next_link = cng.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert "engine_type=cng" in next_link
    assert "depot_id=" in next_link
    following = client.get(next_link.replace("&amp;", "&"))
    assert following.status_code == 200
    assert "CNG</td>" in following.text
    assert "Diesel</td>" not in following.text


def test_a_filter_with_a_bad_value_is_refused_in_place(client_of: Clients) -> None:
    refused = client_of(MANAGER).get("/vehicles", params={"vehicle_class": "rocket"})
    assert refused.status_code == 422
    assert 'id="e-vehicle_class"' in refused.text
    assert "Choose one of the options." in refused.text


def test_export_has_the_filtered_rows_and_defuses_formula_cells(
    client_of: Clients, web: Web
) -> None:
    with web.session() as session:
        riverside = session.scalar(select(Depot.id).where(Depot.name == "Riverside Depot"))
        victim = session.scalars(
            select(Vehicle).where(Vehicle.depot_id == riverside, Vehicle.engine_type == "electric")
        ).first()
        assert victim is not None
        victim.model = '=HYPERLINK("http://evil.example","x")'
        plate = victim.plate
        session.commit()
    response = client_of(MANAGER).get(
        "/vehicles.csv", params={"depot_id": riverside, "engine_type": "electric"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == _southline_count(web, depot_id=riverside, engine_type="electric")
    assert {r["engine_type"] for r in rows} == {"electric"}
    assert {r["depot"] for r in rows} == {"Riverside Depot"}
    mine = next(r for r in rows if r["plate"] == plate)
    assert mine["model"] == "'" + '=HYPERLINK("http://evil.example","x")'


def test_the_list_is_accessible_russian_and_fits_a_phone(
    page: Page, phone: Page, client_of: Clients
) -> None:
    sign_in(page, MANAGER, path="/vehicles")
    expect(page.get_by_role("heading", name="Fleet")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("Plate, VIN or model").fill("CNG")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("tbody tr").first).to_contain_text("CNG")
    sign_in(phone, MANAGER, path="/vehicles")
    expect(phone.locator("tbody tr").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    russian = client_of(MANAGER).get("/vehicles", headers={"Accept-Language": "ru"})
    assert '<html lang="ru">' in russian.text
    assert "Найдено машин" in russian.text
    assert "Госномер" in russian.text
