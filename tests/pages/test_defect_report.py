"""Reporting a defect from the page at any time: one defect per tap, photos cleaned, gate told."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from pages.conftest import PageClient, Web, serious_violations, sign_in
from photos.samples import GPS_IFD, phone_jpeg
from tightnut.auth.models import Operator, User
from tightnut.auth.service import actor_of
from tightnut.defects.models import UNRESOLVED, Defect, DefectEvent
from tightnut.fleet.models import Depot, Vehicle
from tightnut.gate import service as gate
from tightnut.photos.models import Photo
from tightnut.rules import RuleItem, load_catalog

Clients = Callable[[str | None], PageClient]
CATALOG = load_catalog()


def _vehicle(web: Web, index: int, operator: str = "South") -> Vehicle:
    """The ``index``-th vehicle of an operator that has no unresolved defect."""
    with web.session() as session:
        busy = select(Defect.vehicle_id).where(Defect.status.in_(UNRESOLVED))
        query = (
            select(Vehicle)
            .join(Operator, Operator.id == Vehicle.operator_id)
            .where(Operator.name.contains(operator), Vehicle.id.not_in(busy))
            .order_by(Vehicle.id)
        )
        return session.scalars(query).all()[index]


def _blocking_item(web: Web, vehicle: Vehicle) -> RuleItem:
    with web.session() as session:
        depot = session.get_one(Depot, vehicle.depot_id)
    items = CATALOG.checklist(
        jurisdiction=depot.jurisdiction,
        vehicle_class=vehicle.vehicle_class,
        engine_type=vehicle.engine_type,
    )
    return next(item for item in items if item.gate == "block" and item.record.kind == "pass_fail")


def _counts(web: Web, vehicle: Vehicle) -> tuple[int, int, int]:
    with web.session() as session:
        defects = session.scalar(
            select(func.count()).select_from(Defect).where(Defect.vehicle_id == vehicle.id)
        )
        photos = session.scalar(
            select(func.count()).select_from(Photo).where(Photo.vehicle_id == vehicle.id)
        )
        events = session.scalar(select(func.count()).select_from(DefectEvent))
    return defects or 0, photos or 0, events or 0


def _may_release(web: Web, vehicle: Vehicle) -> bool:
    with web.session() as session:
        user = session.scalars(select(User).where(User.email == "inspector@southline.demo")).one()
        decision = gate.decide_vehicle(
            session, actor_of(user), vehicle.id, catalog=CATALOG, lead=timedelta(minutes=180)
        )
    return decision.may_release


def _form(vehicle: Vehicle, **fields: str) -> dict[str, str | list[str]]:
    base: dict[str, str | list[str]] = {
        "vehicle_id": str(vehicle.id),
        "item_code": "other",
        "unsafe": "yes",
        "note": "smoke from under the dashboard",
        "idempotency_key": f"report-{vehicle.id}-{sorted(fields.items())}",
    }
    return {**base, **fields}


def test_a_driver_reports_a_defect_with_a_photo_from_the_phone(phone: Page, web: Web) -> None:
    vehicle = _vehicle(web, 0)
    item = _blocking_item(web, vehicle)
    sign_in(phone, "driver@southline.demo", path="/defects/new")

    phone.get_by_label("Plate").fill(vehicle.plate)
    phone.get_by_role("button", name="Find").click()
    phone.get_by_role("link", name=vehicle.plate).click()
    phone.get_by_label("What is wrong").select_option(item.id)
    phone.get_by_label("Note (what you saw, where)").fill("handle does not hold on the slope")
    phone.get_by_label("Photos (up to 6)").set_input_files(
        files=[{"name": "brake.jpg", "mimeType": "image/jpeg", "buffer": phone_jpeg()}]
    )
    phone.get_by_role("button", name="Report the defect").click()

    expect(phone.get_by_role("status")).to_contain_text("Defect reported")
    thumb = phone.get_by_role("img", name="Photo 1 of the defect")
    expect(thumb).to_be_visible()
    # decode() waits for the picture itself: visible means only that its box is laid out.
    assert thumb.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    with web.session() as session:
        defect = session.scalars(select(Defect).where(Defect.vehicle_id == vehicle.id)).one()
        photo = session.scalars(select(Photo).where(Photo.defect_id == defect.id)).one()
        assert (defect.item_id, defect.gate, defect.status) == (item.id, "block", "open")
        assert defect.evidence["note"] == "handle does not hold on the slope"
        assert defect.opened_by_inspection_id is None
        stored = Image.open(io.BytesIO(photo.data))
        assert dict(stored.getexif()) == {}
        assert stored.getexif().get_ifd(GPS_IFD) == {}
        assert b"PhoneMakerCo" not in photo.data
    assert not _may_release(web, vehicle)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_reported_blocking_defect_blocks_the_vehicle(client_of: Clients, web: Web) -> None:
    vehicle = _vehicle(web, 1)
    item = _blocking_item(web, vehicle)
    client = client_of("inspector@southline.demo")

    answer = client.post("/defects/new", _form(vehicle, item_code=item.id))

    assert answer.status_code == 303, answer.text
    assert not _may_release(web, vehicle)
    page = client.get(answer.headers["location"])
    assert page.status_code == 200
    assert "blocks release" in page.text


def test_an_other_fault_called_safe_only_warns(client_of: Clients, web: Web) -> None:
    vehicle = _vehicle(web, 2)
    client = client_of("dispatcher@southline.demo")

    answer = client.post("/defects/new", _form(vehicle, unsafe="no", note="torn seat cover"))

    assert answer.status_code == 303
    with web.session() as session:
        defect = session.scalars(select(Defect).where(Defect.vehicle_id == vehicle.id)).one()
    assert (defect.gate, defect.description) == ("warn", "torn seat cover")


def test_a_double_submit_makes_one_defect(client_of: Clients, web: Web) -> None:
    vehicle = _vehicle(web, 3)
    client = client_of("driver@southline.demo")
    form = _form(vehicle, idempotency_key="double-tap-key-0001")
    photo = {"photos": ("a.jpg", phone_jpeg(), "image/jpeg")}

    first = client.post("/defects/new", form, files=photo)
    second = client.post("/defects/new", form, files=photo)

    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    defects, photos, _ = _counts(web, vehicle)
    assert (defects, photos) == (1, 1)


def test_a_text_file_named_jpg_is_refused_in_place_and_nothing_is_written(
    client_of: Clients, web: Web
) -> None:
    vehicle = _vehicle(web, 4)
    client = client_of("driver@southline.demo")
    before = _counts(web, vehicle)

    answer = client.post(
        "/defects/new",
        _form(vehicle, note="mirror cracked"),
        files={"photos": ("mirror.jpg", b"just some text, not a photo", "image/jpeg")},
    )

    assert answer.status_code == 422
    assert "A file is not a JPEG, PNG or WebP photo." in answer.text
    assert 'aria-describedby="e-photos"' in answer.text
    assert "mirror cracked" in answer.text
    assert "choose them again" in answer.text
    assert _counts(web, vehicle) == before


def test_bad_fields_are_refused_in_place_and_nothing_is_written(
    client_of: Clients, web: Web
) -> None:
    vehicle = _vehicle(web, 4)
    client = client_of("driver@southline.demo")
    before = _counts(web, vehicle)

    no_item = client.post("/defects/new", _form(vehicle, item_code="", note="kept words"))
    no_safety = client.post("/defects/new", _form(vehicle, unsafe="", note="door jams"))
    no_words = client.post("/defects/new", _form(vehicle, note="x"))
    not_listed = client.post("/defects/new", _form(vehicle, item_code="brakes.no_such_thing"))

    assert no_item.status_code == 422
    assert "Choose what is wrong." in no_item.text
    assert "kept words" in no_item.text
    assert no_safety.status_code == 422
    assert "Say whether the vehicle is safe to operate." in no_safety.text
    assert no_words.status_code == 422
    assert "at least 3 characters" in no_words.text
    assert not_listed.status_code == 422
    assert "not on the vehicle" in not_listed.text
    assert _counts(web, vehicle) == before


def test_a_forged_token_is_refused_and_nothing_is_written(client_of: Clients, web: Web) -> None:
    vehicle = _vehicle(web, 4)
    client = client_of("driver@southline.demo")
    before = _counts(web, vehicle)

    answer = client.post("/defects/new", _form(vehicle), token="forged-token")

    assert answer.status_code == 403
    assert "text/html" in answer.headers["content-type"]
    assert _counts(web, vehicle) == before


def test_another_operators_vehicle_is_the_404_page(client_of: Clients, web: Web) -> None:
    theirs = _vehicle(web, 0, operator="Kuban")
    client = client_of("driver@southline.demo")

    shown = client.get(f"/defects/new?vehicle={theirs.id}")
    posted = client.post("/defects/new", _form(theirs))

    assert shown.status_code == posted.status_code == 404
    assert "not yours to see" in shown.text
    assert _counts(web, theirs)[0] == 0


def test_supplier_staff_may_not_report(client_of: Clients) -> None:
    client = client_of("network.manager@southline.demo")

    answer = client.get("/defects/new")

    assert answer.status_code == 403
    assert "may not report defects" in answer.text


def test_the_form_in_russian(client_of: Clients, web: Web) -> None:
    vehicle = _vehicle(web, 5)
    client = client_of("driver@southline.demo")

    answer = client.get(f"/defects/new?vehicle={vehicle.id}", headers={"Accept-Language": "ru"})

    assert "Что неисправно" in answer.text
    assert "Сообщить о неисправности" in answer.text


def test_the_form_has_no_serious_accessibility_problem(page: Page, web: Web) -> None:
    vehicle = _vehicle(web, 5)
    sign_in(page, "inspector@southline.demo", path="/defects/new")
    assert serious_violations(page) == []

    page.goto(f"/defects/new?vehicle={vehicle.id}")
    expect(page.get_by_label("What is wrong")).to_be_visible()
    assert serious_violations(page) == []
