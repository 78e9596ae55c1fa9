"""Story 1's workshop tail in a real browser: the CNG bus's gas leak is planned, refused to an
uncertified signer, and signed by a CNG-certified technician with labour, a part and the meter."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from pages.conftest import Web, sign_in, sign_out
from tightnut.auth import service as auth
from tightnut.auth.models import Role, User
from tightnut.defects.models import Defect
from tightnut.fleet.models import Vehicle
from tightnut.people.models import Technician
from tightnut.workorders.models import Part, PartUsage, StockLevel, WorkOrder, WorkOrderDefect

ENGINEER = "service.engineer@southline.demo"
NOVICE = "novice.engineer@southline.demo"
NOVICE_PASSWORD = "novice-password-1"


def _gas_leak(web: Web) -> tuple[int, int, str]:
    """The open gas-leak defect of one of the demo's CNG buses: defect id, vehicle id, plate."""
    with web.session() as session:
        defect = session.scalars(
            select(Defect)
            .join(Vehicle, Vehicle.id == Defect.vehicle_id)
            .where(Defect.item_id == "gas.leak", Defect.status == "open", Vehicle.plate != "")
            .order_by(Defect.id)
        ).first()
        assert defect is not None, "the demo has an open gas leak on a CNG bus"
        vehicle = session.get_one(Vehicle, defect.vehicle_id)
        assert vehicle.engine_type == "cng"
        return defect.id, vehicle.id, vehicle.plate


def _novice_user(web: Web) -> None:
    """A second service engineer who signs in but holds no certification (the admin's job)."""
    with web.session() as session:
        engineer = session.scalars(select(User).where(User.email == ENGINEER)).one()
        auth.create_user(
            session,
            operator_id=engineer.operator_id,
            email=NOVICE,
            full_name="Pavel Novikov",
            role=Role.SERVICE_ENGINEER,
            password=NOVICE_PASSWORD,
        )
        session.commit()


def fill_sign_off(page: Page, web: Web, vehicle_id: int) -> None:
    """The sign-off form: the bus's own meter, labour and what was done."""
    with web.session() as session:
        bus = session.get_one(Vehicle, vehicle_id)
        km, hours = bus.odometer_km, bus.engine_hours
    page.get_by_label("Odometer at sign-off, km").fill(f"{km}")
    page.get_by_label("Engine hours at sign-off").fill(f"{hours}")
    page.get_by_label("Labour hours in total").fill("2.5")
    page.get_by_label("What was done").fill("Replaced the cylinder valve seal, soap test clean")


def test_the_gas_leak_is_signed_only_by_a_cng_certified_technician(page: Page, web: Web) -> None:
    defect_id, vehicle_id, plate = _gas_leak(web)
    _novice_user(web)
    sign_in(page, ENGINEER)

    # Plan from the defect: it comes ticked, the title is suggested.
    page.goto(f"/work-orders/new?defect={defect_id}")
    expect(page.get_by_role("heading", name="Plan a work order")).to_be_visible()
    expect(page.locator(f"#defect-{defect_id}")).to_be_checked()
    expect(page.get_by_label("Title")).to_have_value(re.compile(r"^Repair: Gas equipment"))
    page.get_by_role("button", name="Plan the work order").click()
    expect(page.get_by_role("status")).to_have_text("Work order planned.")
    order_url = page.url
    order_id = int(order_url.rsplit("/", 1)[1])
    expect(page.locator("a.plate").first).to_have_text(plate)

    # A technician without any certification, who signs in as the novice.
    page.goto("/technicians/new")
    page.get_by_label("Full name").fill("Pavel Novikov")
    page.get_by_label("Signs in as").select_option(label=f"Pavel Novikov · {NOVICE}")
    page.get_by_role("button", name="Add the technician").click()
    expect(page.get_by_role("status")).to_have_text("Technician added.")
    expect(page.get_by_text("No certifications: this technician may not sign")).to_be_visible()

    page.goto(order_url)
    technician = page.get_by_label("Technician", exact=True)
    technician.select_option(label="Pavel Novikov — not certified for this vehicle")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Technician assigned.")
    sign_out(page)

    # The novice starts the work and tries to sign: refused in place, with the reason.
    sign_in(page, NOVICE, NOVICE_PASSWORD, path=f"/work-orders/{order_id}")
    page.get_by_role("button", name="Start", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Work started.")
    expect(page.get_by_text("You hold no valid certification for city-bus-12m")).to_be_visible()
    fill_sign_off(page, web, vehicle_id)
    page.get_by_role("button", name="Sign", exact=True).click()
    refusal = page.locator(".wo-sign").get_by_role("alert")
    expect(refusal).to_have_text(
        "Pavel Novikov may not sign: there is no certification for city-bus-12m with a CNG engine."
    )
    expect(page.get_by_label("What was done")).to_have_value(
        "Replaced the cylinder valve seal, soap test clean"
    )
    with web.session() as session:
        order = session.get_one(WorkOrder, order_id)
        assert (order.status, order.signed_by_technician_id) == ("in_progress", None)
        assert session.get_one(Defect, defect_id).status == "open"
    sign_out(page)

    # The certified engineer takes over: assign, a part from stock, the meter, and the signature.
    sign_in(page, ENGINEER, path=f"/work-orders/{order_id}")
    certified = "Ivan Petrov — certified for this vehicle"
    page.get_by_label("Technician", exact=True).select_option(label=certified)
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Technician assigned.")
    with web.session() as session:
        depot_id = session.get_one(WorkOrder, order_id).depot_id
        part = session.scalars(select(Part).where(Part.sku == "OF-100")).first()
        assert part is not None
        before = session.scalars(
            select(StockLevel.quantity).where(
                StockLevel.part_id == part.id, StockLevel.depot_id == depot_id
            )
        ).one()
    page.get_by_label("Part", exact=True).select_option(value=str(part.id))
    page.get_by_role("spinbutton", name="Quantity", exact=True).fill("2")
    page.get_by_role("button", name="Take from stock").click()
    expect(page.get_by_role("status")).to_have_text("Part taken from stock.")
    fill_sign_off(page, web, vehicle_id)
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Work order signed.")
    expect(page.locator("h1 .state")).to_have_text("signed")
    expect(page.locator(".timeline")).to_contain_text("Defect repaired")

    with web.session() as session:
        order = session.get_one(WorkOrder, order_id)
        ivan = session.scalars(select(Technician).where(Technician.full_name == "Ivan Petrov"))
        ivan_id = next(t.id for t in ivan if t.operator_id == order.operator_id)
        assert (order.status, order.signed_by_technician_id) == ("done", ivan_id)
        assert order.labour_hours == 2.5
        assert order.completion_km == session.get_one(Vehicle, vehicle_id).odometer_km
        assert session.get_one(Defect, defect_id).status == "repaired"
        links = session.scalars(
            select(WorkOrderDefect.defect_id).where(WorkOrderDefect.work_order_id == order_id)
        )
        assert list(links) == [defect_id]
        used = session.scalars(select(PartUsage).where(PartUsage.work_order_id == order_id)).all()
        assert [(u.part_id, u.quantity) for u in used] == [(part.id, 2.0)]
        after = session.scalars(
            select(StockLevel.quantity).where(
                StockLevel.part_id == part.id, StockLevel.depot_id == depot_id
            )
        ).one()
        assert after == before - 2
