"""The CSV import page: every row goes in, or none does and each bad row is shown."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from pages.conftest import PageClient, Web, serious_violations, sign_in
from tightnut.fleet.models import Vehicle

Clients = Callable[[str | None], PageClient]
MANAGER = "fleet.manager@southline.demo"
HEADER = "depot,plate,vin,vehicle_class,make,model,model_family,engine_type,gas_cylinder_cert_due\n"


def _count(web: Web) -> int:
    with web.session() as session:
        return session.scalar(select(func.count()).select_from(Vehicle)) or 0


def _upload(client: PageClient, text: str, **headers: str) -> httpx.Response:
    files = {"file": ("fleet.csv", text.encode(), "text/csv")}
    return client.post("/vehicles/import", files=files, headers=headers)


def test_a_file_with_one_bad_row_imports_nothing_and_shows_that_row(
    client_of: Clients, web: Web
) -> None:
    before = _count(web)
    text = HEADER + (
        "North Depot,IMP001,,bus,Generic,12 m diesel city bus,city-bus-12m,diesel,\n"
        "North Depot,IMP002,,rocket,Generic,12 m diesel city bus,city-bus-12m,diesel,\n"
        "North Depot,IMP003,,bus,Generic,12 m CNG city bus,city-bus-12m,cng,\n"
    )
    response = _upload(client_of(MANAGER), text)
    assert response.status_code == 422
    shown = response.text
    assert "Nothing was imported: 2 problems in the file." in shown
    rows = shown.split('<tr class="problem">')[1:]
    assert ">3</td>" in rows[0]
    assert "vehicle_class" in rows[0]
    assert "Choose one of the options." in rows[0]
    assert ">4</td>" in rows[1]
    assert "gas_cylinder_cert_due" in rows[1]
    assert "required for a gas-fuelled vehicle" in rows[1]
    assert _count(web) == before


def test_row_problems_are_in_the_readers_language(client_of: Clients, web: Web) -> None:
    before = _count(web)
    text = HEADER + "Nowhere Depot,IMP010,,bus,G,Bus,city-bus-12m,diesel,\n"
    response = _upload(client_of(MANAGER), text, **{"Accept-Language": "ru"})
    assert response.status_code == 422
    assert "нет депо «Nowhere Depot»" in response.text
    assert _count(web) == before


def test_a_good_file_imports_every_row_and_says_how_many(client_of: Clients, web: Web) -> None:
    before = _count(web)
    text = HEADER + (
        "North Depot,IMP101,,bus,Generic,12 m diesel city bus,city-bus-12m,diesel,\n"
        "Riverside Depot,IMP102,,bus,Generic,12 m CNG city bus,city-bus-12m,cng,2028-03-01\n"
        "Riverside Depot,IMP103,,bus,Generic,12 m e-bus,city-bus-12m-e,electric,\n"
    )
    client = client_of(MANAGER)
    response = _upload(client, text)
    assert response.status_code == 303
    assert response.headers["location"] == "/vehicles"
    assert "Imported 3 vehicles." in client.get("/vehicles").text
    assert _count(web) == before + 3
    with web.session() as session:
        plates = session.scalars(select(Vehicle.plate).where(Vehicle.plate.like("IMP1%"))).all()
    assert sorted(plates) == ["IMP101", "IMP102", "IMP103"]


def test_no_file_or_a_file_not_in_utf8_is_refused_in_place(client_of: Clients, web: Web) -> None:
    before = _count(web)
    client = client_of(MANAGER)
    empty = client.post("/vehicles/import", files={"file": ("", b"", "text/csv")})
    assert empty.status_code == 422
    assert "Choose a CSV file." in empty.text
    latin = (HEADER + "North Depot,IMP201,,bus,Générique,Bus,city-bus-12m,diesel,\n").encode(
        "latin-1"
    )
    refused = client.post("/vehicles/import", files={"file": ("fleet.csv", latin, "text/csv")})
    assert refused.status_code == 422
    assert "The file is not UTF-8 text." in refused.text
    assert _count(web) == before


def test_the_template_is_a_csv_the_import_reads(client_of: Clients) -> None:
    template = client_of(MANAGER).get("/vehicles/import/template.csv")
    assert template.status_code == 200
    assert template.headers["content-type"].startswith("text/csv")
    header, example = template.text.strip().splitlines()
    assert header.startswith("depot,plate,vin,vehicle_class")
    assert example.startswith("North Depot,")


def test_a_dispatcher_may_not_import(client_of: Clients, web: Web) -> None:
    before = _count(web)
    client = client_of("dispatcher@southline.demo")
    assert client.get("/vehicles/import").status_code == 403
    text = HEADER + "North Depot,IMP301,,bus,G,Bus,city-bus-12m,diesel,\n"
    assert _upload(client, text).status_code == 403
    assert _count(web) == before


def test_the_import_page_in_a_browser_lists_the_bad_row(page: Page, phone: Page, web: Web) -> None:
    before = _count(web)
    sign_in(page, MANAGER, path="/vehicles/import")
    expect(page.get_by_role("heading", name="Import vehicles from CSV")).to_be_visible()
    assert serious_violations(page) == []
    bad = HEADER + "North Depot,IMP401,,bus,G,Bus,city-bus-12m,steam,\n"
    page.get_by_label("CSV file (UTF-8, with a header row)").set_input_files(
        {"name": "fleet.csv", "mimeType": "text/csv", "buffer": bad.encode()}
    )
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was imported")
    expect(page.locator("tr.problem")).to_have_count(1)
    expect(page.locator("tr.problem")).to_contain_text("engine_type")
    assert serious_violations(page) == []
    assert _count(web) == before
    sign_in(phone, MANAGER, path="/vehicles/import")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
