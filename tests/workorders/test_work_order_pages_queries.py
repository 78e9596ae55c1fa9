"""The queries the work-order pages need: paged filters, the repeated-submit lookup, stock."""

from __future__ import annotations

from sqlalchemy.orm import Session

from factories import make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Role
from tightnut.paging import PageRequest
from tightnut.workorders import parts, service
from workorders.conftest import Workshop


def test_work_orders_page_newest_first_and_filter_by_plate_state_and_technician(
    session: Session, shop: Workshop
) -> None:
    actor = shop.engineer.actor
    other = make_vehicle(session, shop.depot, plate="Х777ХХ23")
    first = service.create_work_order(session, actor, vehicle_id=shop.bus.id, title="one")
    second = service.create_work_order(session, actor, vehicle_id=other.id, title="two")
    service.assign(session, actor, second, expected_version=1, technician_id=shop.technician.id)

    page = service.page_work_orders(session, actor, page=PageRequest(limit=1))
    assert [o.id for o in page.rows] == [second.id]
    assert page.next_cursor is not None
    by_plate = service.page_work_orders(session, actor, page=PageRequest(), plate="х777")
    assert [o.id for o in by_plate.rows] == [second.id]
    by_state = service.page_work_orders(session, actor, page=PageRequest(), status="open")
    assert [o.id for o in by_state.rows] == [first.id]
    by_technician = service.page_work_orders(
        session, actor, page=PageRequest(), technician_id=shop.technician.id
    )
    assert [o.id for o in by_technician.rows] == [second.id]


def test_another_operators_orders_are_not_listed(session: Session, shop: Workshop) -> None:
    service.create_work_order(session, shop.engineer.actor, vehicle_id=shop.bus.id, title="ours")
    stranger = make_login(session, make_operator(session), Role.SERVICE_ENGINEER).actor
    assert service.page_work_orders(session, stranger, page=PageRequest()).rows == []


def test_the_same_order_is_found_only_for_the_same_tasks_and_defects(
    session: Session, shop: Workshop
) -> None:
    actor = shop.engineer.actor
    order = service.create_work_order(session, actor, vehicle_id=shop.bus.id, title="x")
    session.flush()
    assert (
        service.find_same_order(session, actor, vehicle_id=shop.bus.id, task_ids=[], defect_ids=[])
        is None
    )
    assert service.planned_tasks(session, vehicle_id=shop.bus.id) == {}
    assert order.status == "open"


def test_parts_page_by_sku_with_the_stock_of_one_depot(session: Session) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    manager = make_login(session, operator, Role.FLEET_MANAGER).actor
    second = parts.create_part(session, manager, sku="B-2", name="Belt")
    first = parts.create_part(session, manager, sku="A-1", name="Filter")
    parts.receive_stock(session, manager, part_id=second.id, depot_id=depot.id, quantity=4)
    page = parts.page_parts(session, manager, page=PageRequest(limit=1))
    assert [p.sku for p in page.rows] == ["A-1"]
    assert page.next_cursor is not None
    levels = parts.levels_at(session, part_ids=[first.id, second.id], depot_id=depot.id)
    assert levels == {second.id: 4.0}


def test_vehicles_are_found_by_part_of_their_plate(session: Session, shop: Workshop) -> None:
    found = service.vehicles_by_plate(
        session, shop.engineer.actor, plate=shop.bus.plate[1:4].lower()
    )
    assert shop.bus.id in [v.id for v in found]
    assert service.vehicles_by_plate(session, shop.engineer.actor, plate="  ") == []
