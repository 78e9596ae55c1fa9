"""The inspection form over HTTP: one record per form, errors in place, nothing written on refusal."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

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
from tightnut.rules import load_catalog

Clients = Callable[[str | None], PageClient]
CATALOG = load_catalog()
LEAD = timedelta(minutes=Settings().inspection_lead_minutes)
TAKEN: set[int] = set()


def pick_vehicle(web: Web, email: str, *, engine: str, state: str = "not_inspected") -> Vehicle:
    """A vehicle of ``email``'s first depot in ``state`` that no other test of the module took."""
    with web.session() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        actor = actor_of(user)
        depot = session.scalars(
            select(Depot).where(Depot.operator_id == user.operator_id).order_by(Depot.name)
        ).first()
        assert depot is not None
        _, _, rows = gate.board(session, actor, depot.id, catalog=CATALOG, lead=LEAD)
        for row in rows:
            if row.vehicle.engine_type == engine and row.state == state and row.vehicle.id not in TAKEN:
                TAKEN.add(row.vehicle.id)
                session.expunge(row.vehicle)
                return row.vehicle
    raise AssertionError(f"no {engine} vehicle in state {state}")


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
        query = select(func.count()).select_from(Inspection).where(Inspection.vehicle_id == vehicle_id)
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
