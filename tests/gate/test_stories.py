"""Brief stories 1 and 2 end to end through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories import Login, inspection_body, make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Role
from tightnut.defects.models import Defect
from tightnut.fleet.models import Depot, Vehicle
from tightnut.rules import RuleCatalog


def test_cng_bus_with_gas_leak_is_refused_until_repaired_and_reinspected(
    client: TestClient, session: Session, catalog: RuleCatalog
) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    bus = make_vehicle(session, depot, engine_type="cng")
    inspector = make_login(session, operator, Role.INSPECTOR)
    engineer = make_login(session, operator, Role.SERVICE_ENGINEER)
    session.commit()

    body = inspection_body(
        catalog, depot, bus, {"gas.leak": {"passed": False, "note": "soap test"}}
    )
    inspected = client.post("/api/v1/inspections", json=body, headers=inspector.headers)
    assert inspected.status_code == 201, inspected.text
    assert inspected.json()["blocking_count"] == 1
    [defect_id] = inspected.json()["defect_ids"]

    refused = client.post(f"/api/v1/vehicles/{bus.id}/release", json={}, headers=inspector.headers)
    assert refused.status_code == 409
    [reason] = refused.json()["decision"]["reasons"]
    assert reason["code"] == "blocking_defect"
    assert reason["rule"]["jurisdiction"] == "RU"
    assert reason["rule"]["item_id"] == "gas.leak"
    assert reason["rule"]["clause"]
    assert reason["evidence"]["defect_id"] == defect_id
    assert reason["evidence"]["inspection_id"] == inspected.json()["id"]
    assert reason["evidence"]["note"] == "soap test"
    assert reason["message_ru"]

    defect = client.get(f"/api/v1/defects/{defect_id}", headers=engineer.headers).json()
    assert (defect["severity"], defect["gate"], defect["status"]) == ("dangerous", "block", "open")

    started = client.post(
        f"/api/v1/defects/{defect_id}/start-repair", json={}, headers=engineer.headers
    )
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "in_repair"
    signed = client.post(
        f"/api/v1/defects/{defect_id}/repaired",
        json={"work_done": "replaced the cylinder valve seal, leak test passed"},
        headers=engineer.headers,
    )
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "repaired"

    still_refused = client.post(
        f"/api/v1/vehicles/{bus.id}/release", json={}, headers=inspector.headers
    )
    assert still_refused.status_code == 409
    codes = [r["code"] for r in still_refused.json()["decision"]["reasons"]]
    assert codes == ["reinspection_required"]

    reinspected = client.post(
        "/api/v1/inspections", json=inspection_body(catalog, depot, bus), headers=inspector.headers
    )
    assert reinspected.status_code == 201, reinspected.text
    assert reinspected.json()["blocking_count"] == 0

    released = client.post(f"/api/v1/vehicles/{bus.id}/release", json={}, headers=inspector.headers)
    assert released.status_code == 201, released.text
    assert released.json()["released"] is True

    history = client.get(f"/api/v1/defects/{defect_id}", headers=engineer.headers).json()
    assert [e["to_status"] for e in history["history"]] == [
        "open",
        "in_repair",
        "repaired",
        "closed",
    ]
    assert history["closed_by_inspection_id"] == reinspected.json()["id"]


def test_bus_with_one_missing_wheel_nut_is_blocked_in_russia(
    client: TestClient, session: Session, catalog: RuleCatalog
) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator, jurisdiction="RU")
    bus = make_vehicle(session, depot)
    inspector = make_login(session, operator, Role.INSPECTOR)
    session.commit()

    failure = {"wheels.fasteners": {"count": 1, "positions": [3]}}
    inspected = client.post(
        "/api/v1/inspections",
        json=inspection_body(catalog, depot, bus, failure),
        headers=inspector.headers,
    )
    assert inspected.status_code == 201, inspected.text
    assert inspected.json()["blocking_count"] == 1

    answer = client.get(f"/api/v1/vehicles/{bus.id}/gate", headers=inspector.headers)
    assert answer.status_code == 200, answer.text
    gate = answer.json()
    assert gate["may_release"] is False
    assert gate["reasons"][0]["rule"]["item_id"] == "wheels.fasteners"
    shown = client.get(f"/api/v1/depots/{depot.id}/board", headers=inspector.headers)
    assert shown.status_code == 200, shown.text
    board = shown.json()
    assert board["counts"]["blocked"] == 1
    assert board["vehicles"][0]["state"] == "blocked"


def test_one_loose_nut_only_warns_under_cvsa_but_two_adjacent_block(
    client: TestClient, session: Session, catalog: RuleCatalog
) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator, jurisdiction="US", timezone="America/Chicago")
    one_loose, two_adjacent = make_vehicle(session, depot), make_vehicle(session, depot)
    inspector = make_login(session, operator, Role.INSPECTOR)
    session.commit()

    for bus, positions in ((one_loose, [2]), (two_adjacent, [5, 6])):
        failure = {"wheels.fasteners": {"count": len(positions), "positions": positions}}
        inspected = client.post(
            "/api/v1/inspections",
            json=inspection_body(catalog, depot, bus, failure),
            headers=inspector.headers,
        )
        assert inspected.status_code == 201, inspected.text
        assert inspected.json()["failed_count"] == 1

    warned = client.post(
        f"/api/v1/vehicles/{one_loose.id}/release", json={}, headers=inspector.headers
    )
    assert warned.status_code == 201
    assert warned.json()["decision"]["warnings"][0]["rule"]["item_id"] == "wheels.fasteners"
    blocked = client.post(
        f"/api/v1/vehicles/{two_adjacent.id}/release", json={}, headers=inspector.headers
    )
    assert blocked.status_code == 409


def _us_truck(session: Session) -> tuple[Depot, Vehicle, Login]:
    """A ten-stud truck in a US depot, and its inspector."""
    operator = make_operator(session)
    depot = make_depot(session, operator, jurisdiction="US", timezone="America/Chicago")
    truck = make_vehicle(session, depot, vehicle_class="truck", fastener_positions=10)
    inspector = make_login(session, operator, Role.INSPECTOR)
    session.commit()
    return depot, truck, inspector


def _fasteners(*positions: int) -> dict[str, dict[str, object]]:
    return {"wheels.fasteners": {"count": len(positions), "positions": list(positions)}}


def test_defect_escalates_when_the_truck_gets_worse_and_the_gate_blocks(
    client: TestClient, session: Session, catalog: RuleCatalog
) -> None:
    depot, truck, inspector = _us_truck(session)

    first = client.post(
        "/api/v1/inspections",
        json=inspection_body(catalog, depot, truck, _fasteners(4)),
        headers=inspector.headers,
    )
    assert first.status_code == 201, first.text
    [defect_id] = first.json()["defect_ids"]
    gate = client.get(f"/api/v1/vehicles/{truck.id}/gate", headers=inspector.headers)
    assert gate.status_code == 200, gate.text
    assert gate.json()["may_release"] is True
    assert [w["code"] for w in gate.json()["warnings"]] == ["defect_warning"]

    worse = client.post(
        "/api/v1/inspections",
        json=inspection_body(catalog, depot, truck, _fasteners(1, 4, 8)),
        headers=inspector.headers,
    )
    assert worse.status_code == 201, worse.text
    assert worse.json()["blocking_count"] == 1
    assert worse.json()["defect_ids"] == []  # the open defect follows; no second one

    defect = client.get(f"/api/v1/defects/{defect_id}", headers=inspector.headers)
    assert defect.status_code == 200, defect.text
    assert (defect.json()["gate"], defect.json()["severity"]) == ("block", "dangerous")
    assert defect.json()["evidence"]["count"] == 3
    escalation = defect.json()["history"][-1]
    assert (escalation["from_status"], escalation["to_status"]) == ("open", "open")
    assert escalation["inspection_id"] == worse.json()["id"]
    assert escalation["detail"]["before"] == {"gate": "warn", "severity": "major"}
    assert escalation["detail"]["after"] == {"gate": "block", "severity": "dangerous"}

    refused = client.post(
        f"/api/v1/vehicles/{truck.id}/release", json={}, headers=inspector.headers
    )
    assert refused.status_code == 409, refused.text
    [reason] = refused.json()["decision"]["reasons"]
    assert reason["code"] == "blocking_defect"
    assert reason["evidence"]["count"] == 3
    assert reason["rule"]["jurisdiction"] == "US"


def test_inspection_failure_blocks_even_when_its_defect_says_warn(
    client: TestClient, session: Session, catalog: RuleCatalog
) -> None:
    """The second, independent reason: the counting inspection itself holds a blocking failure."""
    depot, truck, inspector = _us_truck(session)
    for positions in ((4,), (1, 4, 8)):
        answer = client.post(
            "/api/v1/inspections",
            json=inspection_body(catalog, depot, truck, _fasteners(*positions)),
            headers=inspector.headers,
        )
        assert answer.status_code == 201, answer.text
    # A bookkeeping mistake: the defect is put back to its first, milder verdict.
    defect = session.scalars(select(Defect).where(Defect.vehicle_id == truck.id)).one()
    defect.gate, defect.severity = "warn", "major"
    session.commit()

    refused = client.post(
        f"/api/v1/vehicles/{truck.id}/release", json={}, headers=inspector.headers
    )
    assert refused.status_code == 409, refused.text
    codes = [r["code"] for r in refused.json()["decision"]["reasons"]]
    assert codes == ["inspection_failed"]


def test_russian_refusal_names_the_item_in_russian(
    client: TestClient, session: Session, catalog: RuleCatalog
) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    bus = make_vehicle(session, depot, engine_type="cng")
    inspector = make_login(session, operator, Role.INSPECTOR)
    session.commit()
    body = inspection_body(catalog, depot, bus, {"gas.leak": {"passed": False, "note": "smell"}})
    inspected = client.post("/api/v1/inspections", json=body, headers=inspector.headers)
    assert inspected.status_code == 201, inspected.text

    refused = client.post(f"/api/v1/vehicles/{bus.id}/release", json={}, headers=inspector.headers)
    assert refused.status_code == 409, refused.text
    [reason] = refused.json()["decision"]["reasons"]
    item = catalog.find_item("RU", "gas.leak")
    assert item is not None
    assert reason["headline"] == "Gas equipment leak"
    assert reason["headline_ru"] == "Утечка газа из газобаллонного оборудования"
    assert reason["evidence_text_ru"] == "Неисправность не устранена: «smell»"
    assert reason["message_ru"] == f"{reason['headline_ru']} — {reason['evidence_text_ru']}"
    assert item.text.en not in reason["message_ru"]
    assert "Gas" not in reason["message_ru"]
