"""The board's four states, inspection validity per shift, and the record of every decision."""

from __future__ import annotations

from datetime import timedelta

import jsonschema_rs
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories import inspection_body, make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Role
from tightnut.db import utcnow
from tightnut.gate.models import ReleaseDecision
from tightnut.inspections.models import Inspection
from tightnut.rules import RuleCatalog


def test_board_shows_released_ready_blocked_and_not_inspected(
    client: TestClient, session: Session, catalog: RuleCatalog
) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    released, ready, blocked, idle = (make_vehicle(session, depot) for _ in range(4))
    inspector = make_login(session, operator, Role.INSPECTOR)
    dispatcher = make_login(session, operator, Role.DISPATCHER)
    session.commit()
    for bus, failure in (
        (released, None),
        (ready, None),
        (blocked, {"horn.operation": {"passed": False}}),
    ):
        body = inspection_body(catalog, depot, bus, failure)
        client.post("/api/v1/inspections", json=body, headers=inspector.headers)
    client.post(f"/api/v1/vehicles/{released.id}/release", json={}, headers=inspector.headers)

    board = client.get(f"/api/v1/depots/{depot.id}/board", headers=dispatcher.headers).json()
    states = {row["vehicle_id"]: row["state"] for row in board["vehicles"]}
    assert states == {
        released.id: "released",
        ready.id: "ready",
        blocked.id: "blocked",
        idle.id: "not_inspected",
    }
    assert board["counts"] == {"released": 1, "ready": 1, "blocked": 1, "not_inspected": 1}


def test_inspection_from_an_earlier_shift_does_not_count(
    client: TestClient, session: Session, catalog: RuleCatalog
) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    bus = make_vehicle(session, depot)
    inspector = make_login(session, operator, Role.INSPECTOR)
    session.add(
        Inspection(
            operator_id=operator.id,
            vehicle_id=bus.id,
            depot_id=depot.id,
            inspector_id=inspector.actor.user_id,
            jurisdiction="RU",
            performed_at=utcnow() - timedelta(days=1, hours=1),
            results=[],
        )
    )
    session.commit()
    gate = client.get(f"/api/v1/vehicles/{bus.id}/gate", headers=inspector.headers).json()
    assert [r["code"] for r in gate["reasons"]] == ["not_inspected"]
    assert gate["reasons"][0]["rule"]["clause"]


def test_every_release_and_refusal_is_recorded_with_its_reasons(
    client: TestClient, session: Session, catalog: RuleCatalog
) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    bus = make_vehicle(session, depot)
    inspector = make_login(session, operator, Role.INSPECTOR)
    session.commit()
    refused = client.post(
        f"/api/v1/vehicles/{bus.id}/release",
        json={"client_time": "2026-11-28T05:01:00+03:00"},
        headers=inspector.headers,
    )
    assert refused.status_code == 409
    client.post(
        "/api/v1/inspections", json=inspection_body(catalog, depot, bus), headers=inspector.headers
    )
    assert (
        client.post(
            f"/api/v1/vehicles/{bus.id}/release", json={}, headers=inspector.headers
        ).status_code
        == 201
    )
    twice = client.post(f"/api/v1/vehicles/{bus.id}/release", json={}, headers=inspector.headers)
    assert twice.status_code == 409
    assert "already released" in twice.json()["error"]["message"]
    documented = _documented_409(client)
    assert documented.is_valid(refused.json()), refused.json()
    assert documented.is_valid(twice.json()), twice.json()

    records = session.scalars(select(ReleaseDecision).order_by(ReleaseDecision.id)).all()
    assert [r.released for r in records] == [False, True]
    assert records[0].reasons[0]["code"] == "not_inspected"
    assert records[0].client_time is not None
    assert records[0].decided_at != records[0].client_time


def test_a_vehicle_blocked_after_its_release_goes_out_again_only_on_a_new_release(
    client: TestClient, session: Session, catalog: RuleCatalog
) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    bus = make_vehicle(session, depot)
    inspector = make_login(session, operator, Role.INSPECTOR)
    engineer = make_login(session, operator, Role.SERVICE_ENGINEER)
    session.commit()

    def inspect(failure: dict[str, dict[str, object]] | None = None) -> None:
        body = inspection_body(catalog, depot, bus, failure)
        answer = client.post("/api/v1/inspections", json=body, headers=inspector.headers)
        assert answer.status_code == 201, answer.text

    def release() -> int:
        url = f"/api/v1/vehicles/{bus.id}/release"
        return client.post(url, json={}, headers=inspector.headers).status_code

    def state() -> str:
        board = client.get(f"/api/v1/depots/{depot.id}/board", headers=inspector.headers)
        assert board.status_code == 200
        return str(board.json()["vehicles"][0]["state"])

    inspect()
    assert (release(), state()) == (201, "released")
    inspect({"horn.operation": {"passed": False}})  # found at a mid-shift check
    assert state() == "blocked"
    defects = client.get(f"/api/v1/vehicles/{bus.id}/defects", headers=engineer.headers).json()
    defect_id = defects["items"][0]["id"]
    repaired = client.post(
        f"/api/v1/defects/{defect_id}/repaired",
        json={"work_done": "replaced the horn relay"},
        headers=engineer.headers,
    )
    assert repaired.status_code == 200, repaired.text
    assert state() == "blocked"  # a signed repair releases nothing
    inspect()
    assert state() == "ready"  # the morning's release stood for the morning's inspection
    assert release() == 201
    assert (release(), state()) == (409, "released")  # once per inspection
    records = session.scalars(
        select(ReleaseDecision).where(ReleaseDecision.vehicle_id == bus.id)
    ).all()
    assert [r.released for r in records] == [True, True]
    assert records[0].inspection_id != records[1].inspection_id


def _documented_409(client: TestClient) -> jsonschema_rs.Validator:
    """The schema the API documents for a 409 answer to a release."""
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/api/v1/vehicles/{vehicle_id}/release"]["post"]
    schema = operation["responses"]["409"]["content"]["application/json"]["schema"]
    return jsonschema_rs.validator_for({**schema, "components": document["components"]})


def test_only_inspectors_release(
    client: TestClient, session: Session, catalog: RuleCatalog
) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    bus = make_vehicle(session, depot)
    dispatcher = make_login(session, operator, Role.DISPATCHER)
    session.commit()
    answer = client.post(f"/api/v1/vehicles/{bus.id}/release", json={}, headers=dispatcher.headers)
    assert answer.status_code == 403
    assert session.scalars(select(ReleaseDecision)).first() is None


def test_expired_gas_certificate_blocks_with_its_rule(
    client: TestClient, session: Session, catalog: RuleCatalog
) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    bus = make_vehicle(
        session, depot, engine_type="cng", gas_cylinder_cert_due=utcnow().date() - timedelta(days=2)
    )
    inspector = make_login(session, operator, Role.INSPECTOR)
    session.commit()
    client.post(
        "/api/v1/inspections", json=inspection_body(catalog, depot, bus), headers=inspector.headers
    )
    gate = client.get(f"/api/v1/vehicles/{bus.id}/gate", headers=inspector.headers).json()
    [reason] = gate["reasons"]
    assert reason["code"] == "certification_expired"
    assert reason["rule"]["item_id"] == "gas.cylinder_certification"


def test_an_inspection_under_another_jurisdiction_does_not_count_after_a_move(
    client: TestClient, session: Session, catalog: RuleCatalog
) -> None:
    operator = make_operator(session)
    russian = make_depot(session, operator, jurisdiction="RU")
    european = make_depot(session, operator, jurisdiction="EU")  # same zone and shifts
    bus = make_vehicle(session, russian)
    inspector = make_login(session, operator, Role.INSPECTOR)
    manager = make_login(session, operator, Role.FLEET_MANAGER)
    session.commit()
    inspected = client.post(
        "/api/v1/inspections",
        json=inspection_body(catalog, russian, bus),
        headers=inspector.headers,
    )
    assert inspected.status_code == 201, inspected.text
    before = client.get(f"/api/v1/vehicles/{bus.id}/gate", headers=inspector.headers)
    assert before.status_code == 200, before.text
    assert before.json()["may_release"] is True

    moved = client.patch(
        f"/api/v1/vehicles/{bus.id}", json={"depot_id": european.id}, headers=manager.headers
    )
    assert moved.status_code == 200, moved.text

    after = client.get(f"/api/v1/vehicles/{bus.id}/gate", headers=inspector.headers)
    assert after.status_code == 200, after.text
    assert [r["code"] for r in after.json()["reasons"]] == ["not_inspected"]
    assert after.json()["reasons"][0]["rule"]["jurisdiction"] == "EU"
