"""Defect transitions: who may sign, which moves are allowed, what a failed re-inspection does."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from factories import Login, inspection_body, make_depot, make_login, make_operator, make_vehicle
from tightnut.auth.models import Role
from tightnut.fleet.models import Depot, Vehicle
from tightnut.rules import RuleCatalog


@pytest.fixture
def opened(
    client: TestClient, session: Session, catalog: RuleCatalog
) -> tuple[Depot, Vehicle, dict[Role, Login], int]:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    bus = make_vehicle(session, depot)
    logins = {role: make_login(session, operator, role) for role in Role}
    session.commit()
    failure = {"brakes.parking": {"passed": False, "note": "rolls back on the ramp"}}
    created = client.post(
        "/api/v1/inspections",
        json=inspection_body(catalog, depot, bus, failure),
        headers=logins[Role.INSPECTOR].headers,
    )
    [defect_id] = created.json()["defect_ids"]
    return depot, bus, logins, defect_id


def _sign(client: TestClient, defect_id: int, login: Login) -> int:
    answer = client.post(
        f"/api/v1/defects/{defect_id}/repaired",
        json={"work_done": "adjusted the parking brake cable"},
        headers=login.headers,
    )
    return answer.status_code


def test_driver_cannot_sign_a_repair(
    client: TestClient, opened: tuple[Depot, Vehicle, dict[Role, Login], int]
) -> None:
    _, _, logins, defect_id = opened
    assert _sign(client, defect_id, logins[Role.DRIVER]) == 403
    defect = client.get(f"/api/v1/defects/{defect_id}", headers=logins[Role.DRIVER].headers).json()
    assert defect["status"] == "open"


def test_repair_without_saying_what_was_done_is_refused(
    client: TestClient, opened: tuple[Depot, Vehicle, dict[Role, Login], int]
) -> None:
    _, _, logins, defect_id = opened
    answer = client.post(
        f"/api/v1/defects/{defect_id}/repaired",
        json={"work_done": ""},
        headers=logins[Role.SERVICE_ENGINEER].headers,
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "body.work_done"


def test_a_repaired_defect_cannot_be_signed_again(
    client: TestClient, opened: tuple[Depot, Vehicle, dict[Role, Login], int]
) -> None:
    _, _, logins, defect_id = opened
    engineer = logins[Role.SERVICE_ENGINEER]
    assert _sign(client, defect_id, engineer) == 200
    assert _sign(client, defect_id, engineer) == 409
    history = client.get(f"/api/v1/defects/{defect_id}", headers=engineer.headers).json()["history"]
    assert [e["to_status"] for e in history] == ["open", "repaired"]
    assert history[1]["note"] == "adjusted the parking brake cable"
    assert history[1]["user_id"] == engineer.actor.user_id


def test_failed_reinspection_reopens_the_repaired_defect(
    client: TestClient,
    catalog: RuleCatalog,
    opened: tuple[Depot, Vehicle, dict[Role, Login], int],
) -> None:
    depot, bus, logins, defect_id = opened
    _sign(client, defect_id, logins[Role.SERVICE_ENGINEER])
    failure = {"brakes.parking": {"passed": False}}
    again = client.post(
        "/api/v1/inspections",
        json=inspection_body(catalog, depot, bus, failure),
        headers=logins[Role.INSPECTOR].headers,
    )
    assert again.json()["defect_ids"] == [], "the same defect is reopened, not duplicated"
    defect = client.get(f"/api/v1/defects/{defect_id}", headers=logins[Role.DISPATCHER].headers)
    assert defect.json()["status"] == "open"
    gate = client.get(f"/api/v1/vehicles/{bus.id}/gate", headers=logins[Role.DISPATCHER].headers)
    assert [r["code"] for r in gate.json()["reasons"]] == ["blocking_defect"]


def test_unresolved_filter_lists_only_open_defects(
    client: TestClient, opened: tuple[Depot, Vehicle, dict[Role, Login], int]
) -> None:
    _, bus, logins, defect_id = opened
    listed = client.get(
        f"/api/v1/defects?vehicle_id={bus.id}&unresolved=true",
        headers=logins[Role.FLEET_MANAGER].headers,
    ).json()["items"]
    assert [d["id"] for d in listed] == [defect_id]
