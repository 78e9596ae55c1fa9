"""Recording inspections: completeness, idempotency, append-only, corrections."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from factories import Login, inspection_body, make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Operator, Role
from tightnut.defects.models import Defect
from tightnut.fleet.models import Depot, Vehicle
from tightnut.inspections.models import Inspection
from tightnut.rules import RuleCatalog


@pytest.fixture
def setup(session: Session) -> tuple[Depot, Vehicle, Login]:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    vehicle = make_vehicle(session, depot, engine_type="cng")
    inspector = make_login(session, operator, Role.INSPECTOR)
    session.commit()
    return depot, vehicle, inspector


def _count(session: Session, model: type[Inspection] | type[Defect]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_checklist_of_cng_bus_lists_gas_items_with_sources(
    client: TestClient, setup: tuple[Depot, Vehicle, Login]
) -> None:
    _, bus, inspector = setup
    checklist = client.get(f"/api/v1/vehicles/{bus.id}/checklist", headers=inspector.headers).json()
    ids = {item["id"] for item in checklist["items"]}
    assert {"gas.leak", "wheels.fasteners", "brakes.service"} <= ids
    assert "gas.cylinder_certification" not in ids, "derived items are checked by the system"
    assert all(item["source"] and item["verification"] for item in checklist["items"])
    assert all(item["text_ru"] for item in checklist["items"])


def test_retry_with_same_idempotency_key_returns_first_and_writes_nothing(
    client: TestClient, session: Session, catalog: RuleCatalog, setup: tuple[Depot, Vehicle, Login]
) -> None:
    depot, bus, inspector = setup
    body = inspection_body(catalog, depot, bus, {"gas.leak": {"passed": False}})
    headers = {**inspector.headers, "Idempotency-Key": "tablet-7-0001"}
    first = client.post("/api/v1/inspections", json=body, headers=headers)
    assert first.status_code == 201, first.text
    before = (_count(session, Inspection), _count(session, Defect))
    retry = client.post("/api/v1/inspections", json=body, headers=headers)
    assert retry.status_code == 201, retry.text
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert (_count(session, Inspection), _count(session, Defect)) == before


def test_same_key_with_another_body_is_a_conflict(
    client: TestClient, catalog: RuleCatalog, setup: tuple[Depot, Vehicle, Login]
) -> None:
    depot, bus, inspector = setup
    headers = {**inspector.headers, "Idempotency-Key": "k-1"}
    first = client.post(
        "/api/v1/inspections", json=inspection_body(catalog, depot, bus), headers=headers
    )
    assert first.status_code == 201, first.text
    other = inspection_body(catalog, depot, bus, note="different")
    answer = client.post("/api/v1/inspections", json=other, headers=headers)
    assert answer.status_code == 409
    assert answer.json()["error"]["field"] == "Idempotency-Key"


def test_another_users_idempotency_key_does_not_replay_their_inspection(
    client: TestClient, session: Session, catalog: RuleCatalog, setup: tuple[Depot, Vehicle, Login]
) -> None:
    depot, bus, inspector = setup
    colleague = make_login(session, session.get_one(Operator, bus.operator_id), Role.INSPECTOR)
    session.commit()
    body = inspection_body(catalog, depot, bus)
    mine = client.post(
        "/api/v1/inspections", json=body, headers={**inspector.headers, "Idempotency-Key": "k-7"}
    )
    assert mine.status_code == 201, mine.text
    before = _count(session, Inspection)

    theirs = client.post(
        "/api/v1/inspections", json=body, headers={**colleague.headers, "Idempotency-Key": "k-7"}
    )

    assert theirs.status_code == 409, theirs.text
    assert theirs.json()["error"]["field"] == "Idempotency-Key"
    assert "another user" in theirs.json()["error"]["message"]
    assert _count(session, Inspection) == before


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda results: results.pop(), "results"),
        (
            lambda results: results.append({"item_id": "no.such_item", "passed": True}),
            "results[{n}].item_id",
        ),
        (lambda results: results.append(dict(results[0])), "results[{n}].item_id"),
    ],
    ids=["missing item", "unknown item", "item twice"],
)
def test_incomplete_or_unknown_items_are_rejected_and_nothing_is_written(
    client: TestClient,
    session: Session,
    catalog: RuleCatalog,
    setup: tuple[Depot, Vehicle, Login],
    mutate: object,
    field: str,
) -> None:
    depot, bus, inspector = setup
    body = inspection_body(catalog, depot, bus)
    results = body["results"]
    assert isinstance(results, list)
    mutate(results)  # type: ignore[operator]
    answer = client.post("/api/v1/inspections", json=body, headers=inspector.headers)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == field.format(n=len(results) - 1)
    assert _count(session, Inspection) == 0


def test_count_item_without_count_names_the_field(
    client: TestClient, catalog: RuleCatalog, setup: tuple[Depot, Vehicle, Login]
) -> None:
    depot, bus, inspector = setup
    body = inspection_body(catalog, depot, bus, {"wheels.fasteners": {"passed": False}})
    answer = client.post("/api/v1/inspections", json=body, headers=inspector.headers)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"].startswith("results[")


def test_meter_lower_than_last_is_rejected_and_nothing_is_written(
    client: TestClient, session: Session, catalog: RuleCatalog, setup: tuple[Depot, Vehicle, Login]
) -> None:
    depot, bus, inspector = setup
    body = inspection_body(catalog, depot, bus, odometer_km=99_000.0)
    answer = client.post("/api/v1/inspections", json=body, headers=inspector.headers)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "odometer_km"
    session.expire_all()
    assert session.get_one(Vehicle, bus.id).odometer_km == 100_000.0
    assert _count(session, Inspection) == 0


def test_failed_item_opens_one_defect_even_when_failed_twice(
    client: TestClient, session: Session, catalog: RuleCatalog, setup: tuple[Depot, Vehicle, Login]
) -> None:
    depot, bus, inspector = setup
    body = inspection_body(catalog, depot, bus, {"gas.leak": {"passed": False}})
    client.post("/api/v1/inspections", json=body, headers=inspector.headers)
    again = client.post("/api/v1/inspections", json=body, headers=inspector.headers)
    assert again.json()["defect_ids"] == []
    assert _count(session, Defect) == 1


def test_inspection_rows_cannot_be_rewritten_in_the_database(
    client: TestClient, session: Session, catalog: RuleCatalog, setup: tuple[Depot, Vehicle, Login]
) -> None:
    depot, bus, inspector = setup
    created = client.post(
        "/api/v1/inspections", json=inspection_body(catalog, depot, bus), headers=inspector.headers
    ).json()
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(
            text("UPDATE inspections SET failed_count = 5 WHERE id = :id"), {"id": created["id"]}
        )
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text("DELETE FROM inspections WHERE id = :id"), {"id": created["id"]})


def test_correction_points_at_the_old_record_and_withdraws_its_defect(
    client: TestClient, session: Session, catalog: RuleCatalog, setup: tuple[Depot, Vehicle, Login]
) -> None:
    depot, bus, inspector = setup
    wrong = client.post(
        "/api/v1/inspections",
        json=inspection_body(catalog, depot, bus, {"gas.leak": {"passed": False}}),
        headers=inspector.headers,
    ).json()
    fixed = client.post(
        "/api/v1/inspections",
        json=inspection_body(catalog, depot, bus, corrects_id=wrong["id"]),
        headers=inspector.headers,
    ).json()
    assert fixed["corrects_id"] == wrong["id"]
    old = client.get(f"/api/v1/inspections/{wrong['id']}", headers=inspector.headers).json()
    assert old["blocking_count"] == 1, "the old record is kept as it was"
    gate = client.get(f"/api/v1/vehicles/{bus.id}/gate", headers=inspector.headers).json()
    assert gate["may_release"] is True


def test_driver_may_inspect_but_dispatcher_may_not(
    client: TestClient, session: Session, catalog: RuleCatalog, setup: tuple[Depot, Vehicle, Login]
) -> None:
    depot, bus, _ = setup
    operator = session.get_one(Operator, depot.operator_id)
    driver = make_login(session, operator, Role.DRIVER)
    dispatcher = make_login(session, operator, Role.DISPATCHER)
    session.commit()
    body = inspection_body(catalog, depot, bus)
    assert (
        client.post("/api/v1/inspections", json=body, headers=dispatcher.headers).status_code == 403
    )
    assert client.post("/api/v1/inspections", json=body, headers=driver.headers).status_code == 201
