"""One defect's page: rule, evidence, photos, history; repair actions by right, errors in place."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from pages.conftest import PageClient, Web, serious_violations, sign_in
from photos.samples import phone_jpeg
from tightnut.auth.models import Operator
from tightnut.defects.models import Defect, DefectEvent
from tightnut.fleet.models import Vehicle
from tightnut.workorders.models import WorkOrder

Clients = Callable[[str | None], PageClient]


def _open_defect(web: Web, index: int, operator: str = "South") -> Defect:
    """The ``index``-th open defect an inspection opened for an operator."""
    with web.session() as session:
        query = (
            select(Defect)
            .join(Operator, Operator.id == Defect.operator_id)
            .where(
                Operator.name.contains(operator),
                Defect.status == "open",
                Defect.opened_by_inspection_id.is_not(None),
            )
            .order_by(Defect.id)
        )
        return session.scalars(query).all()[index]


def _reported(client: PageClient, web: Web, index: int) -> int:
    """A defect the driver reports outside the checklist on a vehicle, with one photo."""
    with web.session() as session:
        vehicle = session.scalars(
            select(Vehicle)
            .join(Operator)
            .where(Operator.name.contains("South"))
            .order_by(Vehicle.id)
        ).all()[10 + index]
    answer = client.post(
        "/defects/new",
        {
            "vehicle_id": str(vehicle.id),
            "item_code": "other",
            "unsafe": "yes",
            "note": f"door number {index} jams half open",
            "idempotency_key": f"detail-report-{index}",
        },
        files={"photos": ("door.jpg", phone_jpeg(), "image/jpeg")},
    )
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].rsplit("/", 1)[-1])


def _defect(web: Web, defect_id: int) -> Defect:
    with web.session() as session:
        return session.get_one(Defect, defect_id)


def _events(web: Web, defect_id: int) -> list[DefectEvent]:
    with web.session() as session:
        query = select(DefectEvent).where(DefectEvent.defect_id == defect_id)
        return list(session.scalars(query.order_by(DefectEvent.id)))


def test_the_page_shows_rule_evidence_history_and_thumbnails(client_of: Clients, web: Web) -> None:
    driver = client_of("driver@southline.demo")
    defect_id = _reported(driver, web, 0)
    engineer = client_of("service.engineer@southline.demo")

    answer = engineer.get(f"/defects/{defect_id}")

    assert answer.status_code == 200
    assert "door number 0 jams half open" in answer.text
    assert "Reported outside the checklist" in answer.text
    assert "Reported" in answer.text
    [thumb] = re.findall(r'<img src="/photos/(\d+)/thumb"', answer.text)
    assert f'href="/photos/{thumb}"' in answer.text
    assert engineer.get(f"/photos/{thumb}/thumb").headers["content-type"] == "image/jpeg"


def test_an_inspections_defect_shows_its_clause_and_inspection(
    client_of: Clients, web: Web
) -> None:
    defect = _open_defect(web, 0)
    client = client_of("fleet.manager@southline.demo")

    answer = client.get(f"/defects/{defect.id}")

    assert answer.status_code == 200
    assert defect.rule_ref in answer.text
    assert f'href="/inspections/{defect.opened_by_inspection_id}"' in answer.text
    assert "Opened by inspection" in answer.text


def test_a_service_engineer_starts_and_signs_the_repair(client_of: Clients, web: Web) -> None:
    defect = _open_defect(web, 1)
    client = client_of("service.engineer@southline.demo")

    started = client.post(f"/defects/{defect.id}/start-repair", {"note": "parts ordered"})
    refused = client.post(f"/defects/{defect.id}/repaired", {"work_done": "x"})
    signed = client.post(f"/defects/{defect.id}/repaired", {"work_done": "replaced the hose"})

    assert started.status_code == 303
    assert refused.status_code == 422
    assert 'aria-describedby="e-work_done"' in refused.text
    assert signed.status_code == 303
    page = client.get(f"/defects/{defect.id}")
    assert "Repair started" in page.text
    assert "Marked repaired" in page.text
    assert "replaced the hose" in page.text
    assert [e.to_status for e in _events(web, defect.id)][-2:] == ["in_repair", "repaired"]


def test_a_move_the_state_forbids_is_refused_in_place(client_of: Clients, web: Web) -> None:
    defect = _defect(web, _reported(client_of("driver@southline.demo"), web, 2))
    client = client_of("service.engineer@southline.demo")
    assert (
        client.post(f"/defects/{defect.id}/repaired", {"work_done": "fixed it"}).status_code == 303
    )
    before = len(_events(web, defect.id))

    again = client.post(f"/defects/{defect.id}/repaired", {"work_done": "fixed it again"})

    assert again.status_code == 409
    assert "moved on since this page was shown" in again.text
    assert len(_events(web, defect.id)) == before


def test_a_driver_sees_no_repair_actions_and_is_refused_them(client_of: Clients, web: Web) -> None:
    defect = _defect(web, _reported(client_of("driver@southline.demo"), web, 3))
    client = client_of("driver@southline.demo")

    page = client.get(f"/defects/{defect.id}")
    refused = client.post(f"/defects/{defect.id}/start-repair", {"note": "try"})

    assert "Start repair" not in page.text
    assert refused.status_code == 403
    assert len(_events(web, defect.id)) == 1


def test_create_work_order_goes_to_the_work_order(client_of: Clients, web: Web) -> None:
    defect = _defect(web, _reported(client_of("driver@southline.demo"), web, 4))
    client = client_of("service.engineer@southline.demo")

    answer = client.post(f"/defects/{defect.id}/work-order")

    assert answer.status_code == 303
    order_id = int(answer.headers["location"].removeprefix("/work-orders/"))
    with web.session() as session:
        assert session.get_one(WorkOrder, order_id).vehicle_id == defect.vehicle_id
    assert f'href="/work-orders/{order_id}"' in client.get(f"/defects/{defect.id}").text


def test_an_other_fault_is_reviewed_then_confirmed_fixed(client_of: Clients, web: Web) -> None:
    defect_id = _reported(client_of("driver@southline.demo"), web, 1)
    engineer = client_of("service.engineer@southline.demo")
    inspector = client_of("inspector@southline.demo")

    no_choice = engineer.post(f"/defects/{defect_id}/review", {"note": "checked the hinge"})
    reviewed = engineer.post(
        f"/defects/{defect_id}/review", {"unsafe": "no", "note": "closes with force; safe"}
    )
    engineer.post(f"/defects/{defect_id}/repaired", {"work_done": "new hinge fitted"})
    confirmed = inspector.post(f"/defects/{defect_id}/confirm", {"note": "opens and closes"})

    assert no_choice.status_code == 422
    assert "checked the hinge" in no_choice.text
    assert (reviewed.status_code, confirmed.status_code) == (303, 303)
    with web.session() as session:
        defect = session.get_one(Defect, defect_id)
        assert (defect.gate, defect.status) == ("warn", "closed")
    page = inspector.get(f"/defects/{defect_id}")
    assert "Reviewed" in page.text
    assert "Confirmed fixed" in page.text


def test_photos_are_added_later_and_a_bad_one_writes_nothing(client_of: Clients, web: Web) -> None:
    defect = _defect(web, _reported(client_of("driver@southline.demo"), web, 5))
    client = client_of("inspector@southline.demo")

    bad = client.post(
        f"/defects/{defect.id}/photos", files={"photos": ("x.jpg", b"not a photo", "image/jpeg")}
    )
    good = client.post(
        f"/defects/{defect.id}/photos", files={"photos": ("x.jpg", phone_jpeg(), "image/jpeg")}
    )

    assert bad.status_code == 422
    assert "not a JPEG, PNG or WebP photo" in bad.text
    assert good.status_code == 303
    page = client.get(f"/defects/{defect.id}")
    assert page.text.count("/thumb") == 2


def test_another_operators_defect_is_the_404_page(client_of: Clients, web: Web) -> None:
    theirs = _open_defect(web, 0, operator="Kuban")
    client = client_of("service.engineer@southline.demo")

    shown = client.get(f"/defects/{theirs.id}")
    acted = client.post(f"/defects/{theirs.id}/start-repair", {"note": "mine now"})

    assert shown.status_code == acted.status_code == 404
    assert "not yours to see" in shown.text
    assert len(_events(web, theirs.id)) == 1


def test_a_malformed_id_is_the_422_page(client_of: Clients) -> None:
    answer = client_of("service.engineer@southline.demo").get("/defects/abc")

    assert answer.status_code == 422
    assert "text/html" in answer.headers["content-type"]


def test_the_page_in_russian(client_of: Clients, web: Web) -> None:
    defect = _open_defect(web, 0)
    client = client_of("service.engineer@southline.demo")

    answer = client.get(f"/defects/{defect.id}", headers={"Accept-Language": "ru"})

    assert "История" in answer.text
    assert "Начать ремонт" in answer.text


def test_the_page_has_no_serious_accessibility_problem_and_fits_a_phone(
    page: Page, phone: Page, web: Web
) -> None:
    defect = _open_defect(web, 0)
    sign_in(page, "service.engineer@southline.demo", path=f"/defects/{defect.id}")
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    assert serious_violations(page) == []

    sign_in(phone, "service.engineer@southline.demo", path=f"/defects/{defect.id}")
    expect(phone.get_by_role("button", name="Start repair")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_no_row_was_written_by_looking(client_of: Clients, web: Web) -> None:
    with web.session() as session:
        before = session.scalar(select(func.count()).select_from(DefectEvent))
    client = client_of("fleet.manager@southline.demo")
    client.get(f"/defects/{_open_defect(web, 0).id}")
    with web.session() as session:
        assert session.scalar(select(func.count()).select_from(DefectEvent)) == before
