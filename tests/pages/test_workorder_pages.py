"""The work-order pages over HTTP and in the browser: one order per double submit, refusals in
place with nothing written, another operator's order as the 404 page, Russian, axe, a phone."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from pages.conftest import PageClient, Web, serious_violations, sign_in
from tightnut.auth.models import Operator
from tightnut.fleet.models import Vehicle
from tightnut.people.models import Technician
from tightnut.workorders.models import Part, PartUsage, StockLevel, WorkOrder, WorkOrderTask

ENGINEER = "service.engineer@southline.demo"
KUBAN_ENGINEER = "service.engineer@kubanfields.demo"
Clients = Callable[[str | None], PageClient]
TASK = re.compile(r'name="task_ids" value="(\d+)"(?! disabled)(?:(?!>).)*>')


def _vehicle(web: Web, operator: str, index: int) -> Vehicle:
    with web.session() as session:
        query = (
            select(Vehicle)
            .join(Operator, Operator.id == Vehicle.operator_id)
            .where(Operator.name == operator)
            .order_by(Vehicle.id)
        )
        return session.scalars(query.offset(index).limit(1)).one()


def _free_tasks(client: PageClient, vehicle_id: int) -> list[str]:
    page = client.get(f"/work-orders/new?vehicle={vehicle_id}")
    assert page.status_code == 200
    return [m.group(1) for m in TASK.finditer(page.text) if "disabled" not in m.group(0)]


def _due_task(client: PageClient, vehicle_id: int) -> str:
    free = _free_tasks(client, vehicle_id)
    assert free, "the vehicle has a task to plan"
    return free[0]


def _due_vehicle(web: Web, client: PageClient, operator: str, start: int) -> Vehicle:
    """The first vehicle from ``start`` on (in id order) with a task due and not yet planned."""
    for index in range(start, start + 10):
        vehicle = _vehicle(web, operator, index)
        if _free_tasks(client, vehicle.id):
            return vehicle
    raise AssertionError(f"no vehicle with a due task from {start}")


def _plan(client: PageClient, vehicle_id: int) -> int:
    task = _due_task(client, vehicle_id)
    answer = client.post(
        "/work-orders/new", {"vehicle_id": str(vehicle_id), "title": "TO", "task_ids": [task]}
    )
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].rsplit("/", 1)[1])


def _order(web: Web, order_id: int) -> WorkOrder:
    with web.session() as session:
        return session.get_one(WorkOrder, order_id)


def _in_progress(web: Web, client: PageClient, vehicle_id: int) -> int:
    order_id = _plan(client, vehicle_id)
    with web.session() as session:
        order = session.get_one(WorkOrder, order_id)
        ivan = session.scalars(
            select(Technician.id).where(
                Technician.operator_id == order.operator_id, Technician.full_name == "Ivan Petrov"
            )
        ).one()
    assign = {"version": str(order.version), "technician_id": str(ivan)}
    assert client.post(f"/work-orders/{order_id}/assign", assign).status_code == 303
    start = {"version": str(_order(web, order_id).version)}
    assert client.post(f"/work-orders/{order_id}/start", start).status_code == 303
    return order_id


def _orders_of(web: Web, vehicle_id: int) -> int:
    with web.session() as session:
        query = select(func.count()).where(WorkOrder.vehicle_id == vehicle_id)
        return session.scalars(query).one()


def test_a_double_submit_makes_one_work_order(web: Web, client_of: Clients) -> None:
    client = client_of(ENGINEER)
    vehicle = _due_vehicle(web, client_of(ENGINEER), "Southline City Transport", 10)
    task = _due_task(client, vehicle.id)
    form = {"vehicle_id": str(vehicle.id), "title": "TO-1", "task_ids": [task]}
    first = client.post("/work-orders/new", form)
    second = client.post("/work-orders/new", form)
    assert (first.status_code, second.status_code) == (303, 303)
    assert first.headers["location"] == second.headers["location"]
    assert _orders_of(web, vehicle.id) == 1
    shown = client.get(second.headers["location"])
    assert "This work order was already made; here it is." in shown.text


def test_two_submits_at_once_make_one_work_order(web: Web, client_of: Clients) -> None:
    vehicle = _due_vehicle(web, client_of(ENGINEER), "Southline City Transport", 20)
    clients = [client_of(ENGINEER), client_of(ENGINEER)]
    task = _due_task(clients[0], vehicle.id)
    form = {"vehicle_id": str(vehicle.id), "title": "TO-1", "task_ids": [task]}
    answers: list[httpx.Response] = []

    def send(client: PageClient) -> None:
        answers.append(client.post("/work-orders/new", form))

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [303, 303]
    assert len({a.headers["location"] for a in answers}) == 1
    assert _orders_of(web, vehicle.id) == 1


def test_a_form_with_nothing_ticked_is_refused_and_writes_nothing(
    web: Web, client_of: Clients
) -> None:
    client = client_of(ENGINEER)
    vehicle = _vehicle(web, "Southline City Transport", 30)
    answer = client.post("/work-orders/new", {"vehicle_id": str(vehicle.id), "title": "Look"})
    assert answer.status_code == 422
    assert "Tick at least one task or defect." in answer.text
    assert 'value="Look"' in answer.text
    assert _orders_of(web, vehicle.id) == 0


def test_negative_labour_is_refused_in_place_and_nothing_is_written(
    web: Web, client_of: Clients
) -> None:
    client = client_of(ENGINEER)
    vehicle = _due_vehicle(web, client_of(ENGINEER), "Southline City Transport", 40)
    order_id = _in_progress(web, client, vehicle.id)
    before = _order(web, order_id)
    form = {
        "version": str(before.version),
        "completion_km": str(vehicle.odometer_km),
        "completion_hours": str(vehicle.engine_hours),
        "labour_hours": "-2",
        "notes": "Changed the oil",
    }
    answer = client.post(f"/work-orders/{order_id}/sign", form)
    assert answer.status_code == 422
    assert 'id="e-labour_hours"' in answer.text
    assert "At least 0." in answer.text
    assert 'value="-2"' in answer.text
    assert "Changed the oil" in answer.text
    after = _order(web, order_id)
    assert (after.status, after.version, after.labour_hours) == ("in_progress", before.version, 0)


def test_a_quantity_over_the_stock_is_refused_in_place_and_the_stock_is_kept(
    web: Web, client_of: Clients
) -> None:
    client = client_of(ENGINEER)
    vehicle = _due_vehicle(web, client_of(ENGINEER), "Southline City Transport", 50)
    order_id = _in_progress(web, client, vehicle.id)
    order = _order(web, order_id)
    with web.session() as session:
        part = session.scalars(select(Part).where(Part.sku == "BP-220")).first()
        assert part is not None
        level = select(StockLevel.quantity).where(
            StockLevel.part_id == part.id, StockLevel.depot_id == order.depot_id
        )
        before = session.scalars(level).one()
    form = {"version": str(order.version), "part_id": str(part.id), "quantity": "1000"}
    answer = client.post(f"/work-orders/{order_id}/parts", form)
    assert answer.status_code == 409
    assert f"Only {before:g} in stock at this depot; 1,000 asked for." in answer.text
    assert 'value="1000"' in answer.text
    with web.session() as session:
        assert session.scalars(level).one() == before
        used = select(func.count()).where(PartUsage.work_order_id == order_id)
        assert session.scalars(used).one() == 0
    assert _order(web, order_id).version == order.version


def test_a_stale_version_says_someone_else_changed_it(web: Web, client_of: Clients) -> None:
    client = client_of(ENGINEER)
    vehicle = _due_vehicle(web, client_of(ENGINEER), "Southline City Transport", 60)
    order_id = _in_progress(web, client, vehicle.id)
    stale = {"version": "1", "spent_hours": "3", "work_notes": ""}
    answer = client.post(f"/work-orders/{order_id}/labour", stale)
    assert answer.status_code == 409
    assert "Someone else changed this work order since you opened it." in answer.text
    assert _order(web, order_id).labour_hours == 0


def test_another_operators_work_order_is_the_404_page(web: Web, client_of: Clients) -> None:
    ours = _plan(
        client_of(ENGINEER),
        _due_vehicle(web, client_of(ENGINEER), "Southline City Transport", 70).id,
    )
    theirs = client_of(KUBAN_ENGINEER)
    for answer in (
        theirs.get(f"/work-orders/{ours}"),
        theirs.post(f"/work-orders/{ours}/cancel", {"version": "1", "reason": "not mine"}),
    ):
        assert answer.status_code == 404
        assert "There is no such page, or it is not yours to see." in answer.text
    assert _order(web, ours).status == "open"
    assert theirs.get("/work-orders/abc").status_code == 422


def test_the_list_filters_by_state_and_plate(web: Web, client_of: Clients) -> None:
    client = client_of(ENGINEER)
    vehicle = _due_vehicle(web, client_of(ENGINEER), "Southline City Transport", 80)
    order_id = _plan(client, vehicle.id)
    shown = client.get("/work-orders", params={"status": "open", "plate": vehicle.plate.lower()})
    assert shown.status_code == 200
    assert f'data-order="{order_id}"' in shown.text
    assert (
        client.get("/work-orders", params={"status": "done", "plate": vehicle.plate}).text.count(
            f'data-order="{order_id}"'
        )
        == 0
    )


def test_an_uncertified_signer_is_refused_in_russian(web: Web, client_of: Clients) -> None:
    client = client_of(KUBAN_ENGINEER)
    tractor = _due_vehicle(web, client, "Kuban Fields Agroholding", 3)
    order_id = _in_progress(web, client, tractor.id)
    order = _order(web, order_id)
    form = {
        "version": str(order.version),
        "completion_hours": str(tractor.engine_hours),
        "labour_hours": "1",
        "notes": "ТО-1 выполнено",
    }
    answer = client.post(f"/work-orders/{order_id}/sign", form, headers={"Accept-Language": "ru"})
    assert answer.status_code == 403
    assert "Ivan Petrov не может подписать: нет допуска на wheeled-tractor-80hp" in answer.text
    assert "ТО-1 выполнено" in answer.text
    assert _order(web, order_id).status == "in_progress"


def test_the_work_order_pages_speak_russian(web: Web, client_of: Clients) -> None:
    client = client_of(ENGINEER)
    order_id = _plan(
        client, _due_vehicle(web, client_of(ENGINEER), "Southline City Transport", 90).id
    )
    russian = {"Accept-Language": "ru-RU,ru;q=0.9"}
    assert "Заказ-наряды" in client.get("/work-orders", headers=russian).text
    assert (
        f"Заказ-наряд № {order_id}" in client.get(f"/work-orders/{order_id}", headers=russian).text
    )
    assert "Запланировать заказ-наряд" in client.get("/work-orders/new", headers=russian).text


def _check_page(page: Page, path: str, heading: str) -> None:
    page.goto(path)
    expect(page.get_by_role("heading", name=heading).first).to_be_visible()
    assert serious_violations(page) == []


def test_axe_finds_nothing_serious_on_the_work_order_pages(
    page: Page, web: Web, client_of: Clients
) -> None:
    vehicle = _due_vehicle(web, client_of(ENGINEER), "Southline City Transport", 100)
    order_id = _in_progress(web, client_of(ENGINEER), vehicle.id)
    sign_in(page, ENGINEER)
    _check_page(page, "/work-orders", "Work orders")
    _check_page(page, f"/work-orders/{order_id}", f"Work order № {order_id}")
    _check_page(page, f"/work-orders/new?vehicle={vehicle.id}", "Plan a work order")


def test_the_work_order_pages_fit_a_phone(phone: Page, web: Web, client_of: Clients) -> None:
    vehicle = _due_vehicle(web, client_of(ENGINEER), "Southline City Transport", 110)
    order_id = _in_progress(web, client_of(ENGINEER), vehicle.id)
    sign_in(phone, ENGINEER)
    for path in (
        "/work-orders",
        f"/work-orders/{order_id}",
        f"/work-orders/new?vehicle={vehicle.id}",
    ):
        phone.goto(path)
        expect(phone.locator("h1").first).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, path
    expect(phone.get_by_role("button", name="Plan the work order")).to_be_visible()
    with_tasks = select(func.count()).where(WorkOrderTask.work_order_id == order_id)
    with web.session() as session:
        assert session.scalars(with_tasks).one() == 1
