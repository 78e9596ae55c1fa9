"""The technicians pages: certifications with expired ones marked, adding technicians,
certifications and trainings; refusals in place, another operator's technician as 404."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from pages.conftest import PageClient, Web, serious_violations, sign_in
from tightnut.auth.models import Operator
from tightnut.people.models import Certification, Technician, Training

ENGINEER = "service.engineer@southline.demo"
Clients = Callable[[str | None], PageClient]


def _technician(web: Web, name: str, operator: str = "Southline City Transport") -> int:
    with web.session() as session:
        owner = select(Operator.id).where(Operator.name == operator)
        query = select(Technician.id).where(
            Technician.full_name == name, Technician.operator_id.in_(owner)
        )
        return session.scalars(query).one()


def _certifications(web: Web, technician_id: int) -> int:
    with web.session() as session:
        query = select(func.count()).where(Certification.technician_id == technician_id)
        return session.scalars(query).one()


def test_the_list_shows_each_technicians_certifications(page: Page) -> None:
    sign_in(page, ENGINEER)
    page.goto("/technicians")
    ivan = page.locator("tr", has_text="Ivan Petrov")
    expect(ivan).to_contain_text("city-bus-12m · CNG")
    expect(ivan.locator(".cert-state").first).to_have_text("valid")


def test_a_certification_added_in_the_past_shows_as_expired(page: Page, web: Web) -> None:
    olga = _technician(web, "Olga Smirnova")
    sign_in(page, ENGINEER)
    page.goto(f"/technicians/{olga}")
    form = page.locator("form", has=page.get_by_role("heading", name="Add a certification"))
    form.get_by_label("Model family").select_option("city-bus-12m")
    form.get_by_label("Engine").select_option("cng")
    form.get_by_label("Issued on").fill("2020-01-10")
    form.get_by_label("Valid until").fill("2023-01-10")
    form.get_by_role("button", name="Add the certification").click()
    expect(page.get_by_role("status")).to_have_text("Certification added.")
    expired = page.locator("tr.cert.expired", has_text="CNG")
    expect(expired.locator(".cert-state")).to_have_text("expired")


def test_a_certificate_expiring_before_its_issue_is_refused_and_nothing_written(
    web: Web, client_of: Clients
) -> None:
    sergey = _technician(web, "Sergey Kuznetsov")
    before = _certifications(web, sergey)
    form = {
        "model_family": "city-bus-12m",
        "engine_type": "cng",
        "issued_on": "2025-05-01",
        "expires_on": "2024-05-01",
    }
    answer = client_of(ENGINEER).post(f"/technicians/{sergey}/certifications", form)
    assert answer.status_code == 422
    assert 'id="e-expires_on"' in answer.text
    assert "The certificate must expire after it was issued." in answer.text
    assert 'value="2024-05-01"' in answer.text
    assert _certifications(web, sergey) == before


def test_a_training_grants_a_certification(web: Web, client_of: Clients) -> None:
    sergey = _technician(web, "Sergey Kuznetsov")
    before = _certifications(web, sergey)
    finished = (date.today() - timedelta(days=3)).isoformat()
    form = {
        "title": "CNG bus gas equipment",
        "provider": "Supplier training centre",
        "course_family": "city-bus-12m",
        "course_engine": "cng",
        "completed_on": finished,
        "hours": "24",
        "grants_years": "3",
    }
    client = client_of(ENGINEER)
    answer = client.post(f"/technicians/{sergey}/trainings", form)
    assert answer.status_code == 303
    shown = client.get(answer.headers["location"]).text
    assert "Training recorded." in shown
    assert "CNG bus gas equipment" in shown
    assert _certifications(web, sergey) == before + 1


def test_a_training_in_the_future_is_refused_with_what_was_typed(
    web: Web, client_of: Clients
) -> None:
    sergey = _technician(web, "Sergey Kuznetsov")
    form = {
        "title": "Future course",
        "provider": "Nobody yet",
        "course_family": "city-bus-12m",
        "course_engine": "diesel",
        "completed_on": (date.today() + timedelta(days=30)).isoformat(),
        "hours": "-1",
    }
    answer = client_of(ENGINEER).post(f"/technicians/{sergey}/trainings", form)
    assert answer.status_code == 422
    assert 'id="e-hours"' in answer.text
    assert 'value="Future course"' in answer.text
    with web.session() as session:
        query = select(func.count()).where(Training.title == "Future course")
        assert session.scalars(query).one() == 0


def test_a_technician_without_a_name_is_refused_in_place(web: Web, client_of: Clients) -> None:
    answer = client_of(ENGINEER).post("/technicians/new", {"full_name": "", "hub": "North hub"})
    assert answer.status_code == 422
    assert 'id="e-full_name"' in answer.text
    assert 'value="North hub"' in answer.text
    with web.session() as session:
        assert session.scalars(select(func.count()).where(Technician.hub == "North hub")).one() == 0


def test_another_operators_technician_is_the_404_page(web: Web, client_of: Clients) -> None:
    ivan = _technician(web, "Ivan Petrov")
    theirs = client_of("service.engineer@kubanfields.demo")
    before = _certifications(web, ivan)
    assert theirs.get(f"/technicians/{ivan}").status_code == 404
    form = {
        "model_family": "x",
        "engine_type": "cng",
        "issued_on": "2024-01-01",
        "expires_on": "2027-01-01",
    }
    answer = theirs.post(f"/technicians/{ivan}/certifications", form)
    assert answer.status_code == 404
    assert "There is no such page, or it is not yours to see." in answer.text
    assert _certifications(web, ivan) == before


def test_a_role_without_the_right_may_not_add_technicians(client_of: Clients) -> None:
    answer = client_of("dispatcher@southline.demo").post("/technicians/new", {"full_name": "X"})
    assert answer.status_code == 403
    assert "manage technicians" in answer.text


def test_the_technicians_pages_speak_russian(web: Web, client_of: Clients) -> None:
    client = client_of(ENGINEER)
    russian = {"Accept-Language": "ru"}
    assert "Механики" in client.get("/technicians", headers=russian).text
    ivan = _technician(web, "Ivan Petrov")
    shown = client.get(f"/technicians/{ivan}", headers=russian).text
    assert "Допуски" in shown
    assert "КПГ (метан)" in shown


def test_axe_finds_nothing_serious_on_the_technicians_pages(page: Page, web: Web) -> None:
    sign_in(page, ENGINEER)
    for path in (
        "/technicians",
        f"/technicians/{_technician(web, 'Ivan Petrov')}",
        "/technicians/new",
    ):
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        assert serious_violations(page) == [], path


def test_the_technicians_pages_fit_a_phone(phone: Page, web: Web) -> None:
    sign_in(phone, ENGINEER)
    for path in ("/technicians", f"/technicians/{_technician(web, 'Ivan Petrov')}"):
        phone.goto(path)
        expect(phone.locator("h1")).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, path
