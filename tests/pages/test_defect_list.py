"""The defect list: what to repair first, filters, pages through the database, both languages."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from pages.conftest import PageClient, Web, serious_violations, sign_in
from tightnut.auth.models import Operator
from tightnut.defects.models import Defect
from tightnut.fleet.models import Vehicle

Clients = Callable[[str | None], PageClient]


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-defect="(\d+)"', html)]


def _defects(web: Web, domain: str, **where: object) -> list[Defect]:
    with web.session() as session:
        query = (
            select(Defect)
            .join(Operator, Operator.id == Defect.operator_id)
            .where(Operator.name.contains(domain.split(".")[0].capitalize()))
            .filter_by(**where)
        )
        return list(session.scalars(query.order_by(Defect.id)))


def _vehicle_of(web: Web, defect: Defect) -> Vehicle:
    with web.session() as session:
        return session.get_one(Vehicle, defect.vehicle_id)


def test_a_service_engineer_starts_at_the_defects_to_repair(client_of: Clients, web: Web) -> None:
    client = client_of("service.engineer@southline.demo")

    answer = client.get("/defects")

    assert answer.status_code == 200, answer.text
    shown = _ids(answer.text)
    assert shown
    with web.session() as session:
        statuses = {d.status for d in session.scalars(select(Defect).where(Defect.id.in_(shown)))}
    assert statuses <= {"open", "in_repair"}
    assert 'value="to_repair" selected' in answer.text


def test_filters_narrow_by_state_system_and_plate(client_of: Clients, web: Web) -> None:
    client = client_of("fleet.manager@southline.demo")
    every = _ids(client.get("/defects?status=all").text)
    assert every
    with web.session() as session:
        defect = session.get_one(Defect, every[0])
        plate = session.get_one(Vehicle, defect.vehicle_id).plate
        system = defect.item_id.split(".")[0]

    by_plate = client.get("/defects", params={"status": "all", "plate": plate.lower()})
    by_system = client.get("/defects", params={"status": "all", "system": system})
    closed = client.get("/defects", params={"status": "closed"})

    assert defect.id in _ids(by_plate.text)
    assert plate in by_plate.text
    with web.session() as session:
        found = session.scalars(select(Defect).where(Defect.id.in_(_ids(by_system.text)))).all()
        closed_found = session.scalars(select(Defect).where(Defect.id.in_(_ids(closed.text)))).all()
    assert {d.item_id.split(".")[0] for d in found} == {system}
    assert {d.status for d in closed_found} <= {"closed"}


def test_a_filter_that_is_not_a_choice_is_the_422_page(client_of: Clients) -> None:
    client = client_of("fleet.manager@southline.demo")

    answer = client.get("/defects?status=burning")

    assert answer.status_code == 422
    assert "text/html" in answer.headers["content-type"]


def test_the_list_pages_through_the_database(client_of: Clients, web: Web) -> None:
    client = client_of("dispatcher@southline.demo")
    with web.session() as session:
        vehicle = session.scalars(
            select(Vehicle)
            .join(Operator)
            .where(Operator.name.contains("South"))
            .order_by(Vehicle.id)
        ).all()[3]
    for n in range(27):
        made = client.post(
            "/defects/new",
            {
                "vehicle_id": str(vehicle.id),
                "item_code": "other",
                "unsafe": "no",
                "note": f"scratch number {n} on the side panel",
                "idempotency_key": f"paging-test-key-{n}",
            },
        )
        assert made.status_code == 303, made.text

    first = client.get("/defects", params={"plate": vehicle.plate, "status": "open"})
    cursor = re.search(r'href="([^"]*cursor=[^"]+)"', first.text)
    assert cursor is not None
    second = client.get(cursor.group(1).replace("&amp;", "&"))

    assert second.status_code == 200
    page_one, page_two = _ids(first.text), _ids(second.text)
    assert len(page_one) == 25
    assert len(page_two) >= 2
    assert not set(page_one) & set(page_two)
    with web.session() as session:
        total = session.scalar(
            select(func.count()).select_from(Defect).where(Defect.vehicle_id == vehicle.id)
        )
    assert len(page_one) + len(page_two) == total
    assert 'rel="next"' not in second.text


def test_each_row_links_the_plate_to_its_vehicle_and_counts_photos(client_of: Clients) -> None:
    client = client_of("fleet.manager@southline.demo")

    answer = client.get("/defects?status=all")

    assert re.search(r'<a class="plate" href="/vehicles/\d+">', answer.text)
    assert 'data-label="Photos"' in answer.text


def test_another_operators_defects_are_not_listed(client_of: Clients, web: Web) -> None:
    theirs = set(_defects(web, "kubanfields"))
    client = client_of("fleet.manager@southline.demo")

    shown = set(_ids(client.get("/defects?status=all").text))

    assert not shown & {d.id for d in theirs}


def test_the_list_in_russian(client_of: Clients) -> None:
    client = client_of("service.engineer@southline.demo")

    answer = client.get("/defects", headers={"Accept-Language": "ru"})

    assert "Неисправности" in answer.text
    assert "Сообщить о неисправности" in answer.text


def test_the_list_has_no_serious_accessibility_problem(page: Page) -> None:
    sign_in(page, "service.engineer@southline.demo", path="/defects")
    expect(page.get_by_role("heading", name="Defects")).to_be_visible()

    assert serious_violations(page) == []


def test_the_list_fits_a_phone(phone: Page) -> None:
    sign_in(phone, "service.engineer@southline.demo", path="/defects?status=all")
    expect(phone.get_by_role("heading", name="Defects")).to_be_visible()

    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert serious_violations(phone) == []
