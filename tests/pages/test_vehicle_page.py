"""The vehicle page: its state now and why, the timeline, due maintenance and the checklist."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy import select

from pages.conftest import PageClient, Web, serious_violations, sign_in
from tightnut.auth.models import User
from tightnut.defects.models import Defect
from tightnut.fleet.models import Depot, Vehicle, VehicleEvent
from tightnut.photos.models import Photo

Clients = Callable[[str | None], PageClient]
MANAGER = "fleet.manager@southline.demo"


def _gas_leak_bus(web: Web, depot: str = "Riverside Depot") -> tuple[int, int, str]:
    """The demo's CNG bus of ``depot`` that failed "gas equipment leak": vehicle, defect, plate."""
    with web.session() as session:
        row = session.execute(
            select(Vehicle.id, Defect.id, Vehicle.plate)
            .join(Defect, Defect.vehicle_id == Vehicle.id)
            .join(Depot, Depot.id == Vehicle.depot_id)
            .where(Defect.item_id == "gas.leak", Depot.name == depot)
        ).one()
    return row[0], row[1], row[2]


def _plain_bus(web: Web, index: int) -> Vehicle:
    with web.session() as session:
        found = session.scalars(
            select(Vehicle)
            .join(Depot, Depot.id == Vehicle.depot_id)
            .where(Depot.name == "North Depot", Vehicle.engine_type == "electric")
            .order_by(Vehicle.id)
        ).all()
        return found[index]


def test_a_blocked_bus_shows_its_reason_rule_timeline_and_due_maintenance(
    client_of: Clients, web: Web
) -> None:
    vehicle_id, defect_id, plate = _gas_leak_bus(web)
    page = client_of("dispatcher@southline.demo").get(f"/vehicles/{vehicle_id}")
    assert page.status_code == 200
    text = page.text
    assert plate in text
    state = text.split('id="state-title"')[1].split("</h2>")[0]
    assert "blocked" in state
    reasons = text.split('class="reasons"')[1].split("</ul>")[0]
    assert "Gas equipment" in reasons or "gas" in reasons.lower()
    assert "Rule: RU ·" in reasons
    assert f'href="/defects/{defect_id}"' in reasons
    history = text.split('id="timeline-title"')[1]
    assert "checks failed" in history  # today's inspection
    assert "Defect opened" in history
    assert f'href="/defects/{defect_id}"' in history
    due = text.split('id="due-title"')[1].split("</section>")[0]
    assert "TO-1" in due
    assert 'class="due-row"' in due


def test_the_timeline_pages_to_older_entries_without_repeats(client_of: Clients, web: Web) -> None:
    vehicle_id, _, _ = _gas_leak_bus(web, "North Depot")
    client = client_of(MANAGER)
    first = client.get(f"/vehicles/{vehicle_id}")
    assert first.status_code == 200
    newest = first.text.split('<ol class="timeline">')[1].split("</ol>")[0]
    assert newest.count('<li class="entry') == 50
    older_link = first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = client.get(older_link)
    assert second.status_code == 200
    older = second.text.split('<ol class="timeline">')[1].split("</ol>")[0]
    times = [chunk.split('"')[0] for chunk in (newest + older).split('<time datetime="')[1:]]
    assert times == sorted(times, reverse=True)
    assert older.count('<li class="entry') > 0


def test_a_bad_timeline_position_is_the_422_page(client_of: Clients, web: Web) -> None:
    vehicle_id, _, _ = _gas_leak_bus(web)
    response = client_of(MANAGER).get(f"/vehicles/{vehicle_id}?older=not-a-position")
    assert response.status_code == 422
    assert "This value is malformed" in response.text


def test_another_operators_vehicle_is_the_404_page_and_a_malformed_id_the_422(
    client_of: Clients, web: Web
) -> None:
    with web.session() as session:
        theirs = session.scalar(
            select(Vehicle.id).join(Depot).where(Depot.name == "Central Machine Yard")
        )
    client = client_of(MANAGER)
    foreign = client.get(f"/vehicles/{theirs}")
    assert foreign.status_code == 404
    assert "There is no such page, or it is not yours to see." in foreign.text
    assert client.get("/vehicles/999999").status_code == 404
    malformed = client.get("/vehicles/abc")
    assert malformed.status_code == 422
    assert "This value is malformed: vehicle_id." in malformed.text


def test_taking_out_of_service_needs_a_reason_then_blocks_and_returns(
    client_of: Clients, web: Web
) -> None:
    bus = _plain_bus(web, 0)
    client = client_of(MANAGER)
    refused = client.post(f"/vehicles/{bus.id}/out-of-service", {"reason": "x"})
    assert refused.status_code == 422
    assert 'id="e-reason"' in refused.text
    assert ">x</textarea>" in refused.text
    with web.session() as session:
        assert session.get_one(Vehicle, bus.id).out_of_service_at is None
    taken = client.post(f"/vehicles/{bus.id}/out-of-service", {"reason": "windscreen cracked"})
    assert taken.status_code == 303
    after = client.get(taken.headers["location"])
    assert "is out of service." in after.text
    assert "windscreen cracked" in after.text
    assert "out of service</span>" in after.text.split('id="state-title"')[1].split("</h2>")[0]
    returned = client.post(f"/vehicles/{bus.id}/return-to-service", {"note": "glass replaced"})
    assert returned.status_code == 303
    with web.session() as session:
        assert session.get_one(Vehicle, bus.id).out_of_service_at is None
        kinds = session.scalars(
            select(VehicleEvent.kind).where(VehicleEvent.vehicle_id == bus.id)
        ).all()
    assert "out_of_service" in kinds
    assert "returned_to_service" in kinds
    history = client.get(f"/vehicles/{bus.id}").text.split('id="timeline-title"')[1]
    assert "Returned to service" in history
    assert "glass replaced" in history


def test_a_dispatcher_sees_no_service_forms_and_may_not_post_them(
    client_of: Clients, web: Web
) -> None:
    bus = _plain_bus(web, 1)
    client = client_of("dispatcher@southline.demo")
    assert "/out-of-service" not in client.get(f"/vehicles/{bus.id}").text
    refused = client.post(f"/vehicles/{bus.id}/out-of-service", {"reason": "no reason at all"})
    assert refused.status_code == 403
    with web.session() as session:
        assert session.get_one(Vehicle, bus.id).out_of_service_at is None


def test_the_vehicle_page_is_accessible_russian_and_fits_a_phone(
    page: Page, phone: Page, client_of: Clients, web: Web
) -> None:
    vehicle_id, _, plate = _gas_leak_bus(web)
    sign_in(page, MANAGER, path=f"/vehicles/{vehicle_id}")
    expect(page.get_by_role("heading", name=plate)).to_be_visible()
    page.get_by_text("Brakes", exact=False).first.click()
    assert serious_violations(page) == []
    sign_in(phone, MANAGER, path=f"/vehicles/{vehicle_id}")
    expect(phone.get_by_role("heading", name="History")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    russian = client_of(MANAGER).get(f"/vehicles/{vehicle_id}", headers={"Accept-Language": "ru"})
    assert "История" in russian.text
    assert "Состояние сейчас" in russian.text


def test_recent_photos_show_as_thumbnails(client_of: Clients, web: Web) -> None:
    bus = _plain_bus(web, 2)
    with web.session() as session:
        user = session.scalar(select(User.id).where(User.email == MANAGER))
        assert user is not None
        photo = Photo(
            operator_id=bus.operator_id,
            vehicle_id=bus.id,
            content_type="image/jpeg",
            data=b"x",
            thumbnail=b"x",
            width_px=1,
            height_px=1,
            size_bytes=1,
            sha256="0" * 64,
            taken_by=user,
        )
        session.add(photo)
        session.commit()
        photo_id = photo.id
    page = client_of(MANAGER).get(f"/vehicles/{bus.id}")
    assert page.status_code == 200
    photos = page.text.split('id="photos-title"')[1].split("</section>")[0]
    assert f'src="/photos/{photo_id}/thumb"' in photos
