"""Changing a vehicle: PATCH its depot, plate and descriptive fields; out of service and back."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from factories import Login, inspection_body, make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Operator, Role
from tightnut.fleet.models import Depot, Vehicle
from tightnut.rules import RuleCatalog

GOOD_US_VIN = "1M8GDM9AXKP042788"


@pytest.fixture
def manager_and_depot(session: Session) -> tuple[Login, Depot]:
    operator = make_operator(session)
    depot = make_depot(session, operator, jurisdiction="US", timezone="America/Chicago")
    login = make_login(session, operator, Role.FLEET_MANAGER)
    session.commit()
    return login, depot


def _events(client: TestClient, bus_id: int, login: Login) -> list[dict[str, object]]:
    answer = client.get(f"/api/v1/vehicles/{bus_id}/events", headers=login.headers)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()["items"]
    return items


def test_patch_moves_a_vehicle_and_renames_it_recording_each_change(
    client: TestClient, session: Session, manager_and_depot: tuple[Login, Depot]
) -> None:
    login, depot = manager_and_depot
    other = make_depot(session, session.get_one(Operator, depot.operator_id), jurisdiction="US")
    bus = make_vehicle(session, depot, plate="OLD1")
    session.commit()
    answer = client.patch(
        f"/api/v1/vehicles/{bus.id}",
        json={"depot_id": other.id, "plate": "new 2", "make": "Other Works"},
        headers=login.headers,
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["depot_id"], answer.json()["plate"]) == (other.id, "NEW2")
    read = client.get(f"/api/v1/vehicles/{bus.id}", headers=login.headers).json()
    assert (read["depot_id"], read["plate"], read["make"]) == (other.id, "NEW2", "Other Works")
    changes = {e["kind"]: e["detail"] for e in _events(client, bus.id, login)}
    assert changes == {
        "depot_changed": {"from": depot.id, "to": other.id},
        "plate_changed": {"from": "OLD1", "to": "NEW2"},
        "make_changed": {"from": "Generic Works", "to": "Other Works"},
    }


def test_patch_with_nothing_new_records_nothing(
    client: TestClient, session: Session, manager_and_depot: tuple[Login, Depot]
) -> None:
    login, depot = manager_and_depot
    bus = make_vehicle(session, depot, plate="SAME1")
    session.commit()
    same = client.patch(
        f"/api/v1/vehicles/{bus.id}", json={"plate": "SAME1"}, headers=login.headers
    )
    assert same.status_code == 200
    assert (
        client.patch(f"/api/v1/vehicles/{bus.id}", json={}, headers=login.headers).status_code
        == 200
    )
    assert _events(client, bus.id, login) == []


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"plate": "TAKEN1"}, 409, "plate"),
        ({"vin": GOOD_US_VIN}, 409, "vin"),
        ({"vin": "1M8GDM9A1KP042788"}, 422, "vin"),
        ({"plate": None}, 422, "body.plate"),
        ({"plate": ""}, 422, "body.plate"),
        ({"depot_id": None}, 422, "body.depot_id"),
        ({"depot_id": False}, 422, "body.depot_id"),
        ({"depot_id": 999_999_999}, 404, "depot_id"),
        ({"gas_cylinder_cert_due": None}, 422, "gas_cylinder_cert_due"),
        ({"odometer_km": 5}, 422, "body.odometer_km"),
        ({"engine_type": "diesel"}, 422, "body.engine_type"),
        ({"make": "x" * 101}, 422, "body.make"),
    ],
    ids=[
        "plate taken",
        "vin taken",
        "wrong check digit",
        "null plate",
        "empty plate",
        "null depot",
        "false depot",
        "no depot",
        "gas without certificate",
        "meters go by readings",
        "engine type is not patched",
        "make too long",
    ],
)
def test_bad_patch_is_refused_naming_the_field_and_changes_nothing(
    client: TestClient,
    session: Session,
    manager_and_depot: tuple[Login, Depot],
    body: dict[str, object],
    status: int,
    field: str,
) -> None:
    login, depot = manager_and_depot
    make_vehicle(session, depot, plate="TAKEN1", vin=GOOD_US_VIN)
    bus = make_vehicle(session, depot, plate="MINE1", engine_type="cng")
    session.commit()
    before = client.get(f"/api/v1/vehicles/{bus.id}", headers=login.headers).json()
    answer = client.patch(f"/api/v1/vehicles/{bus.id}", json=body, headers=login.headers)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["field"] == field
    assert client.get(f"/api/v1/vehicles/{bus.id}", headers=login.headers).json() == before
    assert _events(client, bus.id, login) == []


def test_patch_to_another_operators_depot_is_not_found(
    client: TestClient, session: Session, manager_and_depot: tuple[Login, Depot]
) -> None:
    login, depot = manager_and_depot
    bus = make_vehicle(session, depot)
    theirs = make_depot(session, make_operator(session))
    session.commit()
    answer = client.patch(
        f"/api/v1/vehicles/{bus.id}", json={"depot_id": theirs.id}, headers=login.headers
    )
    assert answer.status_code == 404
    assert answer.json()["error"]["field"] == "depot_id"
    assert theirs.name not in answer.text
    session.expire_all()
    assert session.get_one(Vehicle, bus.id).depot_id == depot.id


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("", {"plate": "X1"}),
        ("/out-of-service", {"reason": "gearbox failure"}),
        ("/return-to-service", {}),
    ],
    ids=["patch", "out of service", "return to service"],
)
def test_another_operators_vehicle_cannot_be_changed(
    client: TestClient, session: Session, path: str, body: dict[str, object]
) -> None:
    mine, theirs = make_operator(session), make_operator(session)
    manager = make_login(session, mine, Role.FLEET_MANAGER)
    bus = make_vehicle(session, make_depot(session, theirs), plate="THEIRS1")
    session.commit()
    url = f"/api/v1/vehicles/{bus.id}{path}"
    answer = (
        client.patch(url, json=body, headers=manager.headers)
        if not path
        else client.post(url, json=body, headers=manager.headers)
    )
    assert answer.status_code == 404
    assert "THEIRS1" not in answer.text
    session.expire_all()
    assert session.get_one(Vehicle, bus.id).plate == "THEIRS1"
    assert session.get_one(Vehicle, bus.id).out_of_service_at is None


@pytest.mark.parametrize(
    "role", [Role.DRIVER, Role.INSPECTOR, Role.DISPATCHER, Role.SERVICE_ENGINEER]
)
def test_only_fleet_managers_and_admins_change_vehicles(
    client: TestClient, session: Session, role: Role
) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    bus = make_vehicle(session, depot, plate="KEEP1")
    user = make_login(session, operator, role)
    admin = make_login(session, operator, Role.ADMIN)
    session.commit()
    url = f"/api/v1/vehicles/{bus.id}"
    assert client.patch(url, json={"plate": "NEW1"}, headers=user.headers).status_code == 403
    off = client.post(f"{url}/out-of-service", json={"reason": "broken"}, headers=user.headers)
    assert off.status_code == 403
    read = client.get(url, headers=user.headers).json()
    assert (read["plate"], read["out_of_service_at"]) == ("KEEP1", None)
    assert _events(client, bus.id, user) == []

    assert client.patch(url, json={"plate": "NEW1"}, headers=admin.headers).status_code == 200
    off = client.post(f"{url}/out-of-service", json={"reason": "broken"}, headers=admin.headers)
    assert off.status_code == 200
    back = client.post(f"{url}/return-to-service", json={}, headers=user.headers)
    assert back.status_code == 403
    assert client.get(url, headers=user.headers).json()["out_of_service_reason"] == "broken"


def test_out_of_service_and_back_keeps_the_reason_in_the_events(
    client: TestClient, session: Session, manager_and_depot: tuple[Login, Depot]
) -> None:
    login, depot = manager_and_depot
    bus = make_vehicle(session, depot)
    session.commit()
    url = f"/api/v1/vehicles/{bus.id}"
    off = client.post(
        f"{url}/out-of-service", json={"reason": "engine fire"}, headers=login.headers
    )
    assert off.status_code == 200, off.text
    assert off.json()["out_of_service_reason"] == "engine fire"
    assert off.json()["out_of_service_at"] is not None
    again = client.post(f"{url}/out-of-service", json={"reason": "twice"}, headers=login.headers)
    assert again.status_code == 409
    assert "engine fire" in again.json()["error"]["message"]

    back = client.post(f"{url}/return-to-service", json={"note": "rebuilt"}, headers=login.headers)
    assert back.status_code == 200
    assert (back.json()["out_of_service_at"], back.json()["out_of_service_reason"]) == (None, None)
    assert (
        client.post(f"{url}/return-to-service", json={}, headers=login.headers).status_code == 409
    )

    returned, taken = _events(client, bus.id, login)
    assert (taken["kind"], taken["detail"]) == ("out_of_service", {"reason": "engine fire"})
    assert returned["kind"] == "returned_to_service"
    assert returned["detail"]["reason"] == "engine fire"  # type: ignore[index]
    assert returned["detail"]["note"] == "rebuilt"  # type: ignore[index]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body.reason"),
        ({"reason": "x"}, "body.reason"),
        ({"reason": "ok\x00no"}, "body.reason"),
    ],
    ids=["missing", "too short", "nul byte"],
)
def test_out_of_service_needs_a_reason(
    client: TestClient,
    session: Session,
    manager_and_depot: tuple[Login, Depot],
    body: dict[str, object],
    field: str,
) -> None:
    login, depot = manager_and_depot
    bus = make_vehicle(session, depot)
    session.commit()
    url = f"/api/v1/vehicles/{bus.id}"
    answer = client.post(f"{url}/out-of-service", json=body, headers=login.headers)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == field
    assert client.get(url, headers=login.headers).json()["out_of_service_at"] is None
    assert _events(client, bus.id, login) == []


def test_out_of_service_vehicle_leaves_the_board_and_is_refused_at_the_gate(
    client: TestClient, session: Session, catalog: RuleCatalog
) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    bus, spare = make_vehicle(session, depot), make_vehicle(session, depot)
    manager = make_login(session, operator, Role.FLEET_MANAGER)
    inspector = make_login(session, operator, Role.INSPECTOR)
    session.commit()
    inspected = client.post(
        "/api/v1/inspections", json=inspection_body(catalog, depot, bus), headers=inspector.headers
    )
    assert inspected.status_code == 201
    off = client.post(
        f"/api/v1/vehicles/{bus.id}/out-of-service",
        json={"reason": "axle cracked"},
        headers=manager.headers,
    )
    assert off.status_code == 200

    board = client.get(f"/api/v1/depots/{depot.id}/board", headers=inspector.headers)
    assert board.status_code == 200
    assert [row["vehicle_id"] for row in board.json()["vehicles"]] == [spare.id]
    refused = client.post(f"/api/v1/vehicles/{bus.id}/release", json={}, headers=inspector.headers)
    assert refused.status_code == 409
    assert "axle cracked" in refused.text

    back = client.post(
        f"/api/v1/vehicles/{bus.id}/return-to-service", json={}, headers=manager.headers
    )
    assert back.status_code == 200
    board = client.get(f"/api/v1/depots/{depot.id}/board", headers=inspector.headers)
    assert {row["vehicle_id"] for row in board.json()["vehicles"]} == {bus.id, spare.id}
    released = client.post(f"/api/v1/vehicles/{bus.id}/release", json={}, headers=inspector.headers)
    assert released.status_code == 201


def test_out_of_service_refuses_nothing_else(
    client: TestClient, session: Session, catalog: RuleCatalog
) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    bus = make_vehicle(session, depot, odometer_km=1_000.0)
    manager = make_login(session, operator, Role.FLEET_MANAGER)
    inspector = make_login(session, operator, Role.INSPECTOR)
    engineer = make_login(session, operator, Role.SERVICE_ENGINEER)
    session.commit()
    url = f"/api/v1/vehicles/{bus.id}"
    off = client.post(
        f"{url}/out-of-service", json={"reason": "horn dead"}, headers=manager.headers
    )
    assert off.status_code == 200

    failing = inspection_body(catalog, depot, bus, {"horn.operation": {"passed": False}})
    inspected = client.post("/api/v1/inspections", json=failing, headers=inspector.headers)
    assert inspected.status_code == 201, inspected.text
    [defect_id] = inspected.json()["defect_ids"]
    reading = {"meter": "odometer_km", "value": 1_010}
    assert client.post(f"{url}/meters", json=reading, headers=inspector.headers).status_code == 201
    order = client.post(f"/api/v1/defects/{defect_id}/work-order", headers=engineer.headers)
    assert order.status_code == 201, order.text
    assert client.patch(url, json={"model": "12 m bus"}, headers=manager.headers).status_code == 200
    assert client.get(f"{url}/gate", headers=inspector.headers).status_code == 200
    for history in ("inspections", "defects", "meter-readings", "work-orders", "releases"):
        answer = client.get(f"{url}/{history}", headers=inspector.headers)
        assert answer.status_code == 200
    read = client.get(url, headers=inspector.headers).json()
    assert (read["out_of_service_reason"], read["odometer_km"]) == ("horn dead", 1_010)
