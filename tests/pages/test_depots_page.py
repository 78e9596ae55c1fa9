"""The depots page: each depot's time zone, jurisdiction and shifts, edited with errors in place."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy import select

from pages.conftest import PageClient, Web, serious_violations, sign_in
from tightnut.fleet.models import Depot

Clients = Callable[[str | None], PageClient]
ADMIN = "admin@southline.demo"


def _depot(web: Web, name: str) -> Depot:
    with web.session() as session:
        return session.scalars(select(Depot).where(Depot.name == name)).one()


def test_the_admin_sees_the_operators_depots_only(client_of: Clients) -> None:
    page = client_of(ADMIN).get("/admin/depots")
    assert page.status_code == 200
    assert "North Depot" in page.text
    assert "Riverside Depot" in page.text
    assert "Central Machine Yard" not in page.text
    assert "05:00, 14:00" in page.text


def test_a_bad_time_zone_is_refused_in_place_and_nothing_is_written(
    client_of: Clients, web: Web
) -> None:
    depot = _depot(web, "Riverside Depot")
    form = {
        "name": "Riverside Depot",
        "timezone": "Mars/Olympus_Mons",
        "jurisdiction": "RU",
        "shift_starts": "04:30, 13:30",
    }
    refused = client_of(ADMIN).post(f"/admin/depots/{depot.id}", form)
    assert refused.status_code == 422
    assert 'id="e-timezone"' in refused.text
    assert "Unknown time zone." in refused.text
    assert 'value="Mars/Olympus_Mons"' in refused.text
    assert 'value="04:30, 13:30"' in refused.text
    after = _depot(web, "Riverside Depot")
    assert (after.timezone, after.shift_starts) == (depot.timezone, depot.shift_starts)


def test_bad_shift_times_and_a_taken_name_are_refused(client_of: Clients, web: Web) -> None:
    depot = _depot(web, "Riverside Depot")
    client = client_of(ADMIN)
    base = {"name": "Riverside Depot", "timezone": "Europe/Moscow", "jurisdiction": "RU"}
    bad_times = client.post(f"/admin/depots/{depot.id}", {**base, "shift_starts": "25:00"})
    assert bad_times.status_code == 422
    assert 'id="e-shift_starts"' in bad_times.text
    taken = client.post(
        f"/admin/depots/{depot.id}", {**base, "name": "North Depot", "shift_starts": "05:00"}
    )
    assert taken.status_code == 409
    assert 'id="e-name"' in taken.text
    assert _depot(web, "Riverside Depot").shift_starts == depot.shift_starts


def test_a_good_edit_persists(client_of: Clients, web: Web) -> None:
    depot = _depot(web, "Riverside Depot")
    form = {
        "name": "Riverside Depot",
        "timezone": "Europe/Volgograd",
        "jurisdiction": "RU",
        "shift_starts": "14:00, 04:30",
    }
    client = client_of(ADMIN)
    saved = client.post(f"/admin/depots/{depot.id}", form)
    assert saved.status_code == 303
    assert "Depot Riverside Depot saved." in client.get(saved.headers["location"]).text
    after = _depot(web, "Riverside Depot")
    assert after.timezone == "Europe/Volgograd"
    assert after.shift_starts == ["04:30", "14:00"]


def test_a_depot_is_added_and_a_bad_one_is_not(client_of: Clients, web: Web) -> None:
    client = client_of(ADMIN)
    form = {"name": "South Yard", "timezone": "Europe/Moscow", "jurisdiction": "RU"}
    refused = client.post("/admin/depots", {**form, "shift_starts": ""})
    assert refused.status_code == 422
    assert 'id="e-shift_starts"' in refused.text
    assert 'value="South Yard"' in refused.text
    with web.session() as session:
        assert session.scalar(select(Depot.id).where(Depot.name == "South Yard")) is None
    added = client.post("/admin/depots", {**form, "shift_starts": "06:00"})
    assert added.status_code == 303
    assert _depot(web, "South Yard").shift_starts == ["06:00"]


def test_another_operators_depot_is_the_404_page(client_of: Clients, web: Web) -> None:
    theirs = _depot(web, "Central Machine Yard")
    client = client_of(ADMIN)
    assert client.get(f"/admin/depots/{theirs.id}").status_code == 404
    form = {"name": "Taken", "timezone": "UTC", "jurisdiction": "RU", "shift_starts": "06:00"}
    assert client.post(f"/admin/depots/{theirs.id}", form).status_code == 404
    assert _depot(web, "Central Machine Yard").timezone == theirs.timezone


def test_a_dispatcher_is_told_the_missing_right(client_of: Clients) -> None:
    refused = client_of("dispatcher@southline.demo").get("/admin/depots")
    assert refused.status_code == 403
    assert "may not manage the fleet" in refused.text


def test_the_depots_page_is_accessible_russian_and_fits_a_phone(
    page: Page, phone: Page, client_of: Clients
) -> None:
    sign_in(page, ADMIN, path="/admin/depots")
    expect(page.get_by_role("heading", name="Depots")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("link", name="Edit North Depot").click()
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Moscow")
    assert serious_violations(page) == []
    sign_in(phone, ADMIN, path="/admin/depots")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    russian = client_of(ADMIN).get("/admin/depots", headers={"Accept-Language": "ru"})
    assert "Добавить депо" in russian.text
