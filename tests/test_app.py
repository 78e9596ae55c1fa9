"""What every API call shares: credentials, tenancy, body limits, malformed input."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import tightnut.rules
from factories import make_depot, make_login, make_operator, make_vehicle
from tightnut.app import create_app
from tightnut.auth import service as auth
from tightnut.auth.models import ApiToken, Role
from tightnut.config import Settings
from tightnut.db import utcnow
from tightnut.fleet.models import Vehicle
from tightnut.rules import RulePackError


def test_missing_unknown_and_expired_tokens_answer_401(
    client: TestClient, session: Session
) -> None:
    operator = make_operator(session)
    login = make_login(session, operator, Role.DISPATCHER)
    token = session.scalars(select(ApiToken)).first()
    assert token is not None
    session.commit()
    assert client.get("/api/v1/me").status_code == 401
    assert (
        client.get("/api/v1/me", headers={"Authorization": "Bearer tn_nonsense"}).status_code == 401
    )
    assert client.get("/api/v1/me", headers=login.headers).status_code == 200
    token.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    expired = client.get("/api/v1/me", headers=login.headers)
    assert expired.status_code == 401
    assert expired.json()["error"]["message"] == "token expired"


def test_another_operators_vehicle_answers_404(client: TestClient, session: Session) -> None:
    mine, theirs = make_operator(session), make_operator(session)
    their_bus = make_vehicle(session, make_depot(session, theirs))
    me = make_login(session, mine, Role.INSPECTOR)
    session.commit()
    for path in (
        f"/api/v1/vehicles/{their_bus.id}",
        f"/api/v1/vehicles/{their_bus.id}/gate",
        f"/api/v1/vehicles/{their_bus.id}/checklist",
    ):
        assert client.get(path, headers=me.headers).status_code == 404
    released = client.post(f"/api/v1/vehicles/{their_bus.id}/release", json={}, headers=me.headers)
    assert released.status_code == 404


def test_malformed_json_gets_422_naming_the_body(client: TestClient, session: Session) -> None:
    login = make_login(session, make_operator(session), Role.INSPECTOR)
    session.commit()
    answer = client.post(
        "/api/v1/inspections",
        content=b'{"vehicle_id": 1, "results": [',
        headers={**login.headers, "Content-Type": "application/json"},
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"].startswith("body")


def test_body_over_one_mebibyte_is_refused_with_413(client: TestClient, session: Session) -> None:
    login = make_login(session, make_operator(session), Role.FLEET_MANAGER)
    session.commit()
    big = b'{"plate": "' + b"x" * (1024 * 1024) + b'"}'
    answer = client.post(
        "/api/v1/vehicles",
        content=big,
        headers={**login.headers, "Content-Type": "application/json"},
    )
    assert answer.status_code == 413
    assert session.scalar(select(func.count()).select_from(Vehicle)) == 0


def test_streamed_body_over_the_limit_is_refused_too(client: TestClient, session: Session) -> None:
    login = make_login(session, make_operator(session), Role.FLEET_MANAGER)
    session.commit()

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * 65536

    answer = client.post("/api/v1/vehicles/import", content=chunks(), headers=login.headers)
    assert answer.status_code == 413


def test_password_exchange_gives_a_token_that_works(client: TestClient, session: Session) -> None:
    operator = make_operator(session)
    user = auth.create_user(
        session,
        operator_id=operator.id,
        email="ann@example.test",
        full_name="Ann",
        role=Role.DISPATCHER,
        password="correct horse",
    )
    session.commit()
    wrong = client.post(
        "/api/v1/auth/token", json={"email": "ann@example.test", "password": "nope"}
    )
    assert wrong.status_code == 401
    token = client.post(
        "/api/v1/auth/token", json={"email": "ANN@example.test", "password": "correct horse"}
    )
    assert token.status_code == 201
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json()['token']}"})
    assert me.json()["id"] == user.id


def test_only_admins_create_users(client: TestClient, session: Session) -> None:
    operator = make_operator(session)
    admin, manager = (
        make_login(session, operator, Role.ADMIN),
        make_login(session, operator, Role.FLEET_MANAGER),
    )
    session.commit()
    body = {"email": "new@example.test", "full_name": "New", "role": "driver"}
    assert client.post("/api/v1/users", json=body, headers=manager.headers).status_code == 403
    created = client.post("/api/v1/users", json=body, headers=admin.headers)
    assert created.status_code == 201
    assert created.json()["operator_id"] == operator.id


def test_openapi_lists_the_gate_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/vehicles",
        "/api/v1/vehicles/{vehicle_id}/checklist",
        "/api/v1/inspections",
        "/api/v1/vehicles/{vehicle_id}/gate",
        "/api/v1/vehicles/{vehicle_id}/release",
        "/api/v1/depots/{depot_id}/board",
    ):
        assert path in paths
    assert client.get("/docs").status_code == 200


def test_rule_pack_with_a_bad_field_stops_start_up_naming_it(tmp_path: Path) -> None:
    source = Path(tightnut.rules.__file__).parent / "packs" / "us.yaml"
    broken = source.read_text(encoding="utf-8").replace("gate: block", "gate: maybe", 1)
    (tmp_path / "us.yaml").write_text(broken, encoding="utf-8")
    settings = Settings(database_url="sqlite://", rule_packs_dir=tmp_path)
    with pytest.raises(RulePackError) as caught:
        create_app(settings)
    message = str(caught.value)
    assert message.startswith("us.yaml: item '")
    assert "gate" in message
