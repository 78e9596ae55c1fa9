"""Parts: the catalogue, stock per depot, and using parts on a work order (never below zero)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from factories import make_depot, make_login, make_operator
from tightnut.auth.models import Role
from tightnut.errors import Conflict, Invalid
from tightnut.workorders import parts
from tightnut.workorders.models import PartUsage
from workorders.conftest import Workshop

Body = dict[str, Any]


def _ok(answer: httpx.Response) -> Body:
    assert answer.status_code in (200, 201), answer.text
    result: Body = answer.json()
    return result


def _part(client: TestClient, shop: Workshop, *, in_stock: float) -> Body:
    headers = shop.engineer.headers
    part = _ok(
        client.post(
            "/api/v1/parts", json={"sku": "cng-valve-seal", "name": "Valve seal"}, headers=headers
        )
    )
    stock = {"quantity": in_stock}
    _ok(
        client.put(f"/api/v1/parts/{part['id']}/stock/{shop.depot.id}", json=stock, headers=headers)
    )
    return part


def _order_in_progress(client: TestClient, shop: Workshop) -> Body:
    headers = shop.engineer.headers
    order = _ok(
        client.post(
            "/api/v1/work-orders", json={"vehicle_id": shop.bus.id, "title": "gas"}, headers=headers
        )
    )
    url = f"/api/v1/work-orders/{order['id']}"
    body = {"version": order["version"], "technician_id": shop.technician.id}
    order = _ok(client.post(f"{url}/assign", json=body, headers=headers))
    return _ok(client.post(f"{url}/start", json={"version": order["version"]}, headers=headers))


def _use(client: TestClient, shop: Workshop, order: Body, **body: object) -> httpx.Response:
    return client.post(
        f"/api/v1/work-orders/{order['id']}/parts",
        json={"version": order["version"], **body},
        headers=shop.engineer.headers,
    )


def _stock(client: TestClient, shop: Workshop) -> dict[str, float]:
    listed = _ok_list(client.get("/api/v1/parts", headers=shop.engineer.headers))
    return {p["sku"]: sum(s["quantity"] for s in p["stock"]) for p in listed}


def _ok_list(answer: httpx.Response) -> list[Body]:
    assert answer.status_code == 200, answer.text
    result: list[Body] = answer.json()
    return result


def test_using_parts_lowers_the_depot_stock_and_lists_them_on_the_order(
    wo_client: TestClient, shop: Workshop
) -> None:
    part = _part(wo_client, shop, in_stock=5)
    order = _order_in_progress(wo_client, shop)
    used = _ok(_use(wo_client, shop, order, part_id=part["id"], quantity=2))
    assert [(u["part_id"], u["depot_id"], u["quantity"]) for u in used["parts"]] == [
        (part["id"], shop.depot.id, 2.0)
    ]
    assert used["version"] == order["version"] + 1
    assert _stock(wo_client, shop) == {"CNG-VALVE-SEAL": 3.0}


def test_using_more_than_in_stock_is_refused_and_changes_nothing(
    wo_client: TestClient, shop: Workshop
) -> None:
    part = _part(wo_client, shop, in_stock=2)
    order = _order_in_progress(wo_client, shop)
    refused = _use(wo_client, shop, order, part_id=part["id"], quantity=3)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["field"] == "quantity"
    assert error["message"].startswith("only 2 pcs of CNG-VALVE-SEAL in stock")
    assert _stock(wo_client, shop) == {"CNG-VALVE-SEAL": 2.0}
    after = _ok(wo_client.get(f"/api/v1/work-orders/{order['id']}", headers=shop.engineer.headers))
    assert (after["parts"], after["version"]) == ([], order["version"])


def test_a_part_never_stocked_at_the_depot_has_none_to_use(
    wo_client: TestClient, session: Session, shop: Workshop
) -> None:
    part = _part(wo_client, shop, in_stock=4)
    elsewhere = make_depot(session, shop.operator)
    session.commit()
    order = _order_in_progress(wo_client, shop)
    refused = _use(wo_client, shop, order, part_id=part["id"], quantity=1, depot_id=elsewhere.id)
    assert refused.status_code == 409
    assert refused.json()["error"]["detail"] == {"in_stock": 0.0, "requested": 1.0}


def test_a_zero_or_negative_quantity_is_invalid(wo_client: TestClient, shop: Workshop) -> None:
    part = _part(wo_client, shop, in_stock=4)
    order = _order_in_progress(wo_client, shop)
    refused = _use(wo_client, shop, order, part_id=part["id"], quantity=0)
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "body.quantity"
    negative = wo_client.put(
        f"/api/v1/parts/{part['id']}/stock/{shop.depot.id}",
        json={"quantity": -1},
        headers=shop.engineer.headers,
    )
    assert negative.status_code == 422
    assert _stock(wo_client, shop) == {"CNG-VALVE-SEAL": 4.0}


def test_the_service_refuses_taking_more_than_in_stock(session: Session, shop: Workshop) -> None:
    actor = shop.engineer.actor
    part = parts.create_part(session, actor, sku="filter-oil", name="Oil filter")
    parts.set_stock(session, actor, part_id=part.id, depot_id=shop.depot.id, quantity=1)
    with pytest.raises(Conflict) as refused:
        parts.take_stock(session, actor, part=part, depot_id=shop.depot.id, quantity=1.5)
    assert refused.value.field == "quantity"
    with pytest.raises(Invalid):
        parts.set_stock(session, actor, part_id=part.id, depot_id=shop.depot.id, quantity=-1)
    [level] = parts.list_stock(session, actor, part_id=part.id)
    assert level.quantity == 1


def test_the_database_itself_refuses_negative_stock(session: Session, shop: Workshop) -> None:
    actor = shop.engineer.actor
    part = parts.create_part(session, actor, sku="bolt-m12", name="Wheel bolt M12")
    level = parts.set_stock(session, actor, part_id=part.id, depot_id=shop.depot.id, quantity=1)
    level.quantity = -1
    with pytest.raises(IntegrityError), session.begin_nested():
        session.flush()


def test_receiving_parts_adds_to_stock(session: Session, shop: Workshop) -> None:
    actor = shop.engineer.actor
    part = parts.create_part(session, actor, sku="fuse-30a", name="Fuse 30 A")
    parts.receive_stock(session, actor, part_id=part.id, depot_id=shop.depot.id, quantity=10)
    level = parts.receive_stock(session, actor, part_id=part.id, depot_id=shop.depot.id, quantity=5)
    assert level.quantity == 15


def test_a_duplicate_sku_is_a_conflict(wo_client: TestClient, shop: Workshop) -> None:
    _part(wo_client, shop, in_stock=1)
    again = wo_client.post(
        "/api/v1/parts",
        json={"sku": "CNG-valve-seal", "name": "dup"},
        headers=shop.engineer.headers,
    )
    assert again.status_code == 409
    assert again.json()["error"]["field"] == "sku"


def test_another_operators_part_and_depot_are_not_found(
    wo_client: TestClient, session: Session, shop: Workshop
) -> None:
    part = _part(wo_client, shop, in_stock=3)
    stranger_operator = make_operator(session)
    stranger = make_login(session, stranger_operator, Role.SERVICE_ENGINEER)
    their_depot = make_depot(session, stranger_operator)
    session.commit()
    answer = wo_client.put(
        f"/api/v1/parts/{part['id']}/stock/{shop.depot.id}",
        json={"quantity": 99},
        headers=stranger.headers,
    )
    assert (answer.status_code, answer.json()["error"]["field"]) == (404, "part_id")
    order = _order_in_progress(wo_client, shop)
    refused = _use(wo_client, shop, order, part_id=part["id"], quantity=1, depot_id=their_depot.id)
    assert (refused.status_code, refused.json()["error"]["field"]) == (404, "depot_id")
    assert wo_client.get("/api/v1/parts", headers=stranger.headers).json() == []
    assert _stock(wo_client, shop) == {"CNG-VALVE-SEAL": 3.0}
    assert session.scalars(select(PartUsage)).all() == []


def test_a_driver_cannot_manage_parts(wo_client: TestClient, shop: Workshop) -> None:
    driver = shop.logins[Role.DRIVER].headers
    answer = wo_client.post("/api/v1/parts", json={"sku": "x1", "name": "X"}, headers=driver)
    assert answer.status_code == 403
    assert wo_client.get("/api/v1/parts", headers=driver).json() == []


def test_parts_can_only_be_used_on_work_in_progress(wo_client: TestClient, shop: Workshop) -> None:
    part = _part(wo_client, shop, in_stock=3)
    order = _ok(
        wo_client.post(
            "/api/v1/work-orders",
            json={"vehicle_id": shop.bus.id, "title": "later"},
            headers=shop.engineer.headers,
        )
    )
    refused = _use(wo_client, shop, order, part_id=part["id"], quantity=1)
    assert (refused.status_code, refused.json()["error"]["field"]) == (409, "status")
    assert _stock(wo_client, shop) == {"CNG-VALVE-SEAL": 3.0}
