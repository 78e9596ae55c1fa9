"""Registering vehicles, importing them from CSV, and their meters."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories import Login, make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Role
from tightnut.fleet.models import Depot, MeterReplacement, Vehicle
from tightnut.fleet.vin import check_digit, vin_problem

GOOD_US_VIN = "1M8GDM9AXKP042788"


@pytest.fixture
def manager_and_depot(session: Session) -> tuple[Login, Depot]:
    operator = make_operator(session)
    depot = make_depot(session, operator, jurisdiction="US", timezone="America/Chicago")
    login = make_login(session, operator, Role.FLEET_MANAGER)
    session.commit()
    return login, depot


def _bus(depot: Depot, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "depot_id": depot.id,
        "plate": "ab 123",
        "vehicle_class": "bus",
        "make": "Generic Works",
        "model": "12 m CNG city bus",
        "model_family": "city-bus-12m",
        "engine_type": "cng",
        "gas_cylinder_cert_due": "2028-01-31",
        "odometer_km": 1000,
    }
    body.update(overrides)
    return body


def _vehicles(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Vehicle)) or 0


def test_check_digit_of_a_known_vin() -> None:
    assert check_digit(GOOD_US_VIN) == "X"
    assert vin_problem(GOOD_US_VIN, jurisdiction="US") is None
    assert vin_problem("1M8GDM9A1KP042788", jurisdiction="US") == "check digit is '1', expected 'X'"
    assert vin_problem("1M8GDM9A1KP042788", jurisdiction="RU") is None
    assert vin_problem("1M8GDM9AXKP04278O", jurisdiction="RU") is not None


def test_register_vehicle_normalises_plate(
    client: TestClient, manager_and_depot: tuple[Login, Depot]
) -> None:
    login, depot = manager_and_depot
    created = client.post(
        "/api/v1/vehicles", json=_bus(depot, vin=GOOD_US_VIN), headers=login.headers
    )
    assert created.status_code == 201, created.text
    assert created.json()["plate"] == "AB123"


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"vin": "1M8GDM9A1KP042788"}, 422, "vin"),
        ({"engine_type": "steam"}, 422, "body.engine_type"),
        ({"gas_cylinder_cert_due": None}, 422, "gas_cylinder_cert_due"),
        ({"depot_id": 999_999}, 404, "depot_id"),
        ({"odometer_km": -5}, 422, "body.odometer_km"),
    ],
    ids=[
        "wrong check digit",
        "unknown engine",
        "gas without certificate",
        "no depot",
        "negative meter",
    ],
)
def test_bad_vehicle_is_refused_naming_the_field(
    client: TestClient,
    session: Session,
    manager_and_depot: tuple[Login, Depot],
    overrides: dict[str, object],
    status: int,
    field: str,
) -> None:
    login, depot = manager_and_depot
    answer = client.post("/api/v1/vehicles", json=_bus(depot, **overrides), headers=login.headers)
    assert answer.status_code == status
    assert answer.json()["error"]["field"] == field
    assert _vehicles(session) == 0


@pytest.mark.parametrize("field", ["plate", "vin"])
def test_duplicate_plate_or_vin_within_operator_is_a_conflict(
    client: TestClient, session: Session, manager_and_depot: tuple[Login, Depot], field: str
) -> None:
    login, depot = manager_and_depot
    client.post("/api/v1/vehicles", json=_bus(depot, vin=GOOD_US_VIN), headers=login.headers)
    again = (
        _bus(depot, vin=GOOD_US_VIN, plate="ZZ999")
        if field == "vin"
        else _bus(depot, plate="AB 123")
    )
    answer = client.post("/api/v1/vehicles", json=again, headers=login.headers)
    assert answer.status_code == 409
    assert answer.json()["error"]["field"] == field
    assert _vehicles(session) == 1


def test_same_plate_is_fine_at_another_operator(client: TestClient, session: Session) -> None:
    logins = []
    for _ in range(2):
        operator = make_operator(session)
        logins.append(
            (make_login(session, operator, Role.FLEET_MANAGER), make_depot(session, operator))
        )
    session.commit()
    for login, depot in logins:
        assert (
            client.post("/api/v1/vehicles", json=_bus(depot), headers=login.headers).status_code
            == 201
        )


def test_dispatcher_may_not_register_vehicles(client: TestClient, session: Session) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    dispatcher = make_login(session, operator, Role.DISPATCHER)
    session.commit()
    assert (
        client.post("/api/v1/vehicles", json=_bus(depot), headers=dispatcher.headers).status_code
        == 403
    )


def test_meter_goes_up_never_down_unless_replaced(
    client: TestClient, session: Session, manager_and_depot: tuple[Login, Depot]
) -> None:
    login, depot = manager_and_depot
    bus = make_vehicle(session, depot, odometer_km=50_000.0)
    session.commit()
    path = f"/api/v1/vehicles/{bus.id}"
    up = client.post(
        f"{path}/meters", json={"meter": "odometer_km", "value": 50_100}, headers=login.headers
    )
    assert up.json()["odometer_km"] == 50_100
    down = client.post(
        f"{path}/meters", json={"meter": "odometer_km", "value": 40_000}, headers=login.headers
    )
    assert down.status_code == 422
    assert down.json()["error"]["field"] == "odometer_km"
    replaced = client.post(
        f"{path}/meter-replacements",
        json={
            "meter": "odometer_km",
            "old_final_value": 50_150,
            "new_start_value": 0,
            "reason": "instrument cluster replaced",
        },
        headers=login.headers,
    )
    assert replaced.status_code == 201
    assert replaced.json()["odometer_km"] == 0
    session.expire_all()
    assert session.get_one(Vehicle, bus.id).odometer_offset_km == 50_150
    assert session.scalar(select(func.count()).select_from(MeterReplacement)) == 1


CSV_HEADER = (
    "depot,plate,vin,vehicle_class,make,model,model_family,engine_type,gas_cylinder_cert_due\n"
)


def test_csv_import_takes_every_row(
    client: TestClient, session: Session, manager_and_depot: tuple[Login, Depot]
) -> None:
    login, depot = manager_and_depot
    text = CSV_HEADER + (
        f"{depot.name},A1,,bus,G,Bus,city-bus,diesel,\n"
        f"{depot.name},A2,{GOOD_US_VIN},bus,G,Bus,city-bus,cng,2027-05-01\n"
    )
    answer = client.post("/api/v1/vehicles/import", content=text.encode(), headers=login.headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["imported"] == 2
    assert _vehicles(session) == 2


def test_csv_import_with_bad_rows_imports_nothing_and_names_each_row(
    client: TestClient, session: Session, manager_and_depot: tuple[Login, Depot]
) -> None:
    login, depot = manager_and_depot
    text = CSV_HEADER + (
        f"{depot.name},A1,,bus,G,Bus,city-bus,diesel,\n"
        f"{depot.name},A2,1M8GDM9A1KP042788,bus,G,Bus,city-bus,diesel,\n"
        f"{depot.name},A3,,rocket,G,Bus,city-bus,diesel,\n"
        f"{depot.name},A1,,bus,G,Bus,city-bus,diesel,\n"
        f"Nowhere,A5,,bus,G,Bus,city-bus,diesel,\n"
    )
    answer = client.post("/api/v1/vehicles/import", content=text.encode(), headers=login.headers)
    assert answer.status_code == 422
    errors = answer.json()["error"]["detail"]["errors"]
    assert [(e["line"], e["column"]) for e in errors] == [
        (3, "vin"),
        (4, "vehicle_class"),
        (5, "plate"),
        (6, "depot"),
    ]
    assert _vehicles(session) == 0


def test_csv_without_required_column_names_it(
    client: TestClient, manager_and_depot: tuple[Login, Depot]
) -> None:
    login, _ = manager_and_depot
    answer = client.post(
        "/api/v1/vehicles/import", content=b"depot,plate\nX,Y\n", headers=login.headers
    )
    assert answer.status_code == 422
    columns = {e["column"] for e in answer.json()["error"]["detail"]["errors"]}
    assert "vehicle_class" in columns
