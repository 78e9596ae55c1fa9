"""The inspection form over HTTP: one record per form, errors in place, no write on refusal."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta

from PIL import Image
from sqlalchemy import func, select

from pages.conftest import PageClient, Web
from tightnut.auth.models import User
from tightnut.auth.service import actor_of
from tightnut.config import Settings
from tightnut.defects.models import Defect
from tightnut.demo.checks import passing_result
from tightnut.fleet.models import Depot, Vehicle
from tightnut.gate import service as gate
from tightnut.inspections import service
from tightnut.inspections.models import Inspection
from tightnut.photos.models import Photo
from tightnut.rules import load_catalog

Clients = Callable[[str | None], PageClient]
CATALOG = load_catalog()
LEAD = timedelta(minutes=Settings().inspection_lead_minutes)
TAKEN: set[int] = set()


def pick_vehicle(web: Web, email: str, *, engine: str) -> Vehicle:
    """A vehicle of ``email``'s operator, not blocked now, that no other test of the module took."""
    with web.session() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        actor = actor_of(user)
        depots = session.scalars(
            select(Depot.id).where(Depot.operator_id == user.operator_id).order_by(Depot.name)
        ).all()
        for depot_id in depots:
            _, _, rows = gate.board(session, actor, depot_id, catalog=CATALOG, lead=LEAD)
            for row in rows:
                free = row.vehicle.id not in TAKEN and row.state != "blocked"
                if free and row.vehicle.engine_type == engine:
                    TAKEN.add(row.vehicle.id)
                    session.expunge(row.vehicle)
                    return row.vehicle
    raise AssertionError(f"no free {engine} vehicle left")


def all_pass(web: Web, vehicle: Vehicle) -> dict[str, str | list[str]]:
    """The form fields of an inspection where every item passes."""
    with web.session() as session:
        depot = session.get_one(Depot, vehicle.depot_id)
        fresh = session.get_one(Vehicle, vehicle.id)
        items = service.checklist(CATALOG, depot, fresh)
        fields: dict[str, str | list[str]] = {}
        for item in items:
            if item.record.kind == "measurement":
                result = passing_result(
                    item, vehicle_class=fresh.vehicle_class, fastener_positions=10
                )
                fields[f"value.{item.id}"] = str(result["value"])
            else:
                fields[f"r.{item.id}"] = "pass"
    return fields


def idempotency_key(html: str) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert found, "the form carries its key"
    return found.group(1)


def inspections_of(web: Web, vehicle_id: int) -> int:
    with web.session() as session:
        query = (
            select(func.count()).select_from(Inspection).where(Inspection.vehicle_id == vehicle_id)
        )
        return session.scalar(query) or 0


def test_all_pass_form_records_one_inspection_and_shows_the_result(
    client_of: Clients, web: Web
) -> None:
    bus = pick_vehicle(web, "driver@southline.demo", engine="diesel")
    driver = client_of("driver@southline.demo")
    form = driver.get(f"/vehicles/{bus.id}/inspect")
    assert form.status_code == 200
    before = inspections_of(web, bus.id)
    fields = {**all_pass(web, bus), "idempotency_key": idempotency_key(form.text)}
    sent = driver.post(f"/vehicles/{bus.id}/inspections", fields)
    assert sent.status_code == 303, sent.text
    result = driver.get(sent.headers["location"])
    assert result.status_code == 200
    assert "may go out on the line" in result.text
    assert inspections_of(web, bus.id) == before + 1


def _form(client: PageClient, vehicle: Vehicle) -> dict[str, str | list[str]]:
    page = client.get(f"/vehicles/{vehicle.id}/inspect")
    assert page.status_code == 200
    return {"idempotency_key": idempotency_key(page.text)}


def _defects_of(web: Web, vehicle_id: int) -> list[Defect]:
    with web.session() as session:
        query = select(Defect).where(Defect.vehicle_id == vehicle_id).order_by(Defect.id)
        return list(session.scalars(query))


def test_the_same_form_posted_twice_makes_one_inspection(client_of: Clients, web: Web) -> None:
    bus = pick_vehicle(web, "driver@southline.demo", engine="diesel")
    driver = client_of("driver@southline.demo")
    fields = {**all_pass(web, bus), **_form(driver, bus)}
    before = inspections_of(web, bus.id)
    first = driver.post(f"/vehicles/{bus.id}/inspections", fields)
    again = driver.post(f"/vehicles/{bus.id}/inspections", fields)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert driver.get(again.headers["location"]).status_code == 200
    assert inspections_of(web, bus.id) == before + 1


def test_a_script_gets_json_and_a_retry_is_a_replay(client_of: Clients, web: Web) -> None:
    bus = pick_vehicle(web, "inspector@southline.demo", engine="electric")
    inspector = client_of("inspector@southline.demo")
    fields = {**all_pass(web, bus), **_form(inspector, bus), "client_time": "2026-01-05T05:10:00Z"}
    headers = {"Accept": "application/json"}
    first = inspector.post(f"/vehicles/{bus.id}/inspections", fields, headers=headers)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["url"] == f"/inspections/{body['inspection_id']}"
    retry = inspector.post(f"/vehicles/{bus.id}/inspections", fields, headers=headers)
    assert retry.status_code == 200
    assert retry.json() == {**body, "replayed": True}
    with web.session() as session:
        stored = session.get_one(Inspection, body["inspection_id"])
        assert stored.client_time is not None
        assert stored.client_time.year == 2026


def test_a_failed_wheel_nut_opens_a_defect_with_its_count_positions_and_note(
    client_of: Clients, web: Web
) -> None:
    bus = pick_vehicle(web, "driver@southline.demo", engine="diesel")
    driver = client_of("driver@southline.demo")
    fields = {
        **all_pass(web, bus),
        **_form(driver, bus),
        "r.wheels.fasteners": "fail",
        "count.wheels.fasteners": "2",
        "positions.wheels.fasteners": ["3", "4"],
        "note.wheels.fasteners": "front right, two nuts gone",
    }
    sent = driver.post(f"/vehicles/{bus.id}/inspections", fields)
    assert sent.status_code == 303, sent.text
    result = driver.get(sent.headers["location"])
    assert "may not go out" in result.text
    assert "front right, two nuts gone" in result.text
    defect = _defects_of(web, bus.id)[-1]
    assert defect.item_id == "wheels.fasteners"
    assert defect.gate == "block"
    assert defect.evidence["count"] == 2
    assert defect.evidence["positions"] == [3, 4]
    assert defect.evidence["note"] == "front right, two nuts gone"
    assert f"/defects/{defect.id}" in result.text


def test_a_failed_count_without_its_count_is_refused_in_place_and_writes_nothing(
    client_of: Clients, web: Web
) -> None:
    bus = pick_vehicle(web, "driver@southline.demo", engine="diesel")
    driver = client_of("driver@southline.demo")
    fields = {
        **all_pass(web, bus),
        **_form(driver, bus),
        "r.wheels.fasteners": "fail",
        "note.wheels.fasteners": "rear axle, cannot count in the dark",
        "odometer_km": "987654",
    }
    before = (inspections_of(web, bus.id), len(_defects_of(web, bus.id)))
    refused = driver.post(f"/vehicles/{bus.id}/inspections", fields)
    assert refused.status_code == 422
    assert "Enter how many you found." in refused.text
    assert 'id="x-wheels-fasteners" name="r.wheels.fasteners" value="fail" checked' in refused.text
    assert "rear axle, cannot count in the dark" in refused.text
    assert 'value="987654"' in refused.text
    assert idempotency_key(refused.text) == fields["idempotency_key"]
    assert (inspections_of(web, bus.id), len(_defects_of(web, bus.id))) == before


def test_an_odometer_below_the_last_reading_is_refused_in_place(
    client_of: Clients, web: Web
) -> None:
    bus = pick_vehicle(web, "driver@southline.demo", engine="cng")
    assert bus.odometer_km is not None
    assert bus.odometer_km > 10
    driver = client_of("driver@southline.demo")
    fields = {**all_pass(web, bus), **_form(driver, bus), "odometer_km": "10"}
    before = inspections_of(web, bus.id)
    refused = driver.post(f"/vehicles/{bus.id}/inspections", fields)
    assert refused.status_code == 422
    assert "Lower than the last reading" in refused.text
    assert 'value="10"' in refused.text
    assert inspections_of(web, bus.id) == before
    with web.session() as session:
        assert session.get_one(Vehicle, bus.id).odometer_km == bus.odometer_km
        query = (
            select(func.count())
            .select_from(Inspection)
            .where(Inspection.vehicle_id == bus.id, Inspection.odometer_km == 10)
        )
        assert session.scalar(query) == 0


def test_an_item_left_unanswered_asks_for_pass_or_fail_and_keeps_the_rest(
    client_of: Clients, web: Web
) -> None:
    bus = pick_vehicle(web, "driver@southline.demo", engine="electric")
    driver = client_of("driver@southline.demo")
    fields = {**all_pass(web, bus), **_form(driver, bus), "note": "cold morning"}
    del fields["r.brakes.service"]
    before = inspections_of(web, bus.id)
    refused = driver.post(f"/vehicles/{bus.id}/inspections", fields)
    assert refused.status_code == 422
    assert 'id="e-r-brakes-service" class="field-error">Choose pass or fail.' in refused.text
    assert 'id="p-brakes-parking" name="r.brakes.parking" value="pass" checked' in refused.text
    assert "cold morning" in refused.text
    assert inspections_of(web, bus.id) == before


def test_refusal_as_json_names_each_field_in_words(client_of: Clients, web: Web) -> None:
    bus = pick_vehicle(web, "driver@southline.demo", engine="electric")
    driver = client_of("driver@southline.demo")
    fields = {**all_pass(web, bus), **_form(driver, bus), "r.wheels.fasteners": "fail"}
    refused = driver.post(
        f"/vehicles/{bus.id}/inspections", fields, headers={"Accept": "application/json"}
    )
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert errors == [
        {
            "field": "count.wheels.fasteners",
            "label": errors[0]["label"],
            "message": "Enter how many you found.",
        }
    ]
    assert "wheel" in errors[0]["label"].lower()


def test_another_operators_vehicle_and_inspection_are_not_found(
    client_of: Clients, web: Web
) -> None:
    tractor = pick_vehicle(web, "driver@kubanfields.demo", engine="diesel")
    driver = client_of("driver@southline.demo")
    assert driver.get(f"/vehicles/{tractor.id}/inspect").status_code == 404
    fields = {**all_pass(web, tractor), "idempotency_key": "forged-1"}
    before = inspections_of(web, tractor.id)
    posted = driver.post(f"/vehicles/{tractor.id}/inspections", fields)
    assert posted.status_code == 404
    assert "Not found" in posted.text
    assert inspections_of(web, tractor.id) == before
    with web.session() as session:
        theirs = session.scalars(
            select(Inspection.id).where(Inspection.vehicle_id == tractor.id)
        ).first()
    page = driver.get(f"/inspections/{theirs}")
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]


def test_a_dispatcher_may_not_inspect(client_of: Clients, web: Web) -> None:
    dispatcher = client_of("dispatcher@southline.demo")
    refused = dispatcher.get("/today")
    assert refused.status_code == 403
    assert "inspect vehicles" in refused.text


def test_today_finds_a_plate_and_answers_htmx_with_the_list_only(
    client_of: Clients, web: Web
) -> None:
    bus = pick_vehicle(web, "driver@southline.demo", engine="diesel")
    driver = client_of("driver@southline.demo")
    digits = re.sub(r"\D", "", bus.plate)[:3]
    page = driver.get("/today", params={"q": digits})
    assert page.status_code == 200
    assert bus.plate in page.text
    assert "<html" in page.text
    partial = driver.get("/today", params={"q": bus.plate}, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert partial.text.count('class="card vehicle-card') == 1
    assert f'href="/vehicles/{bus.id}/inspect"' in partial.text


def test_the_form_speaks_russian_with_the_rule_packs_texts(client_of: Clients, web: Web) -> None:
    bus = pick_vehicle(web, "driver@southline.demo", engine="cng")
    driver = client_of("driver@southline.demo")
    page = driver.get(f"/vehicles/{bus.id}/inspect", headers={"Accept-Language": "ru"})
    assert page.status_code == 200
    assert "Предсменный осмотр" in page.text
    assert "Рабочая тормозная система" in page.text
    assert "Газобаллонное оборудование" in page.text
    assert "Исправно" in page.text
    assert "Неисправно" in page.text


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(out, format="JPEG")
    return out.getvalue()


def test_photos_of_a_failed_item_are_kept_with_the_inspection_and_its_defect(
    client_of: Clients, web: Web
) -> None:
    bus = pick_vehicle(web, "driver@southline.demo", engine="cng")
    driver = client_of("driver@southline.demo")
    fields = {**all_pass(web, bus), **_form(driver, bus), "r.gas.leak": "fail"}
    files = [
        ("photos.gas.leak", ("valve.jpg", _jpeg(), "image/jpeg")),
        ("photos.gas.leak", ("hose.jpg", _jpeg(), "image/jpeg")),
        ("photos.brakes.service", ("", b"", "application/octet-stream")),
    ]
    sent = driver.post(f"/vehicles/{bus.id}/inspections", fields, files=files)
    assert sent.status_code == 303, sent.text
    defect = _defects_of(web, bus.id)[-1]
    assert defect.item_id == "gas.leak"
    with web.session() as session:
        stored = session.scalars(select(Photo).where(Photo.vehicle_id == bus.id)).all()
    assert len(stored) == 2
    assert {p.item_code for p in stored} == {"gas.leak"}
    assert {p.defect_id for p in stored} == {defect.id}
    assert {p.inspection_id for p in stored} == {defect.opened_by_inspection_id}


def test_a_file_that_is_no_photo_is_refused_and_nothing_is_written(
    client_of: Clients, web: Web
) -> None:
    bus = pick_vehicle(web, "driver@southline.demo", engine="cng")
    driver = client_of("driver@southline.demo")
    fields = {**all_pass(web, bus), **_form(driver, bus), "r.gas.leak": "fail"}
    files = [("photos.gas.leak", ("leak.jpg", b"not a picture at all", "image/jpeg"))]
    before = (inspections_of(web, bus.id), len(_defects_of(web, bus.id)))
    refused = driver.post(f"/vehicles/{bus.id}/inspections", fields, files=files)
    assert refused.status_code == 422
    assert 'id="e-ph-gas-leak" class="field-error"' in refused.text
    assert "Choose the photos again" in refused.text
    assert (inspections_of(web, bus.id), len(_defects_of(web, bus.id))) == before
