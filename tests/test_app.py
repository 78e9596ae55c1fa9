"""What every API call shares: credentials, tenancy, body limits, malformed input."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
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
from tightnut.openapi import ErrorBody
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


def test_streamed_json_body_over_the_limit_is_413_not_400(
    client: TestClient, session: Session
) -> None:
    login = make_login(session, make_operator(session), Role.FLEET_MANAGER)
    session.commit()

    def chunks() -> Iterator[bytes]:
        yield b'{"plate": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'

    answer = client.post(
        "/api/v1/vehicles",
        content=chunks(),
        headers={**login.headers, "Content-Type": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.json()["error"] == {
        "code": "too_large",
        "message": "request body is over 1048576 bytes",
        "field": "body",
    }
    assert session.scalar(select(func.count()).select_from(Vehicle)) == 0


def _assert_security_headers(answer: Response, path: str) -> None:
    policy = answer.headers.get("content-security-policy", "")
    directives = dict(part.strip().partition(" ")[::2] for part in policy.split(";"))
    assert directives.get("script-src") == "'self'", path
    assert directives.get("frame-ancestors") == "'none'", path
    assert directives.get("default-src") == "'self'", path
    assert answer.headers.get("x-content-type-options") == "nosniff", path
    assert answer.headers.get("x-frame-options") == "DENY", path
    assert answer.headers.get("referrer-policy") == "same-origin", path
    assert "server" not in answer.headers, path


def test_every_kind_of_answer_carries_the_security_headers(
    client: TestClient, session: Session
) -> None:
    login = make_login(session, make_operator(session), Role.DISPATCHER)
    session.commit()
    answers = {
        "api": (client.get("/api/v1/me", headers=login.headers), 200),
        "api 401": (client.get("/api/v1/me"), 401),
        "api 404": (client.get("/api/v1/nowhere", headers=login.headers), 404),
        "api 422": (client.get("/api/v1/vehicles/0", headers=login.headers), 422),
        "page": (client.get("/login"), 200),
        "page 404": (client.get("/nowhere"), 404),
        "static": (client.get("/static/tightnut.css"), 200),
        "swagger": (client.get("/static/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js"), 200),
        "docs": (client.get("/docs"), 200),
        "openapi": (client.get("/openapi.json"), 200),
        "413": (client.post("/api/v1/vehicles", content=b"x" * (1024 * 1024 + 1)), 413),
    }
    for name, (answer, status) in answers.items():
        assert answer.status_code == status, name
        _assert_security_headers(answer, name)
    assert answers["api"][0].headers["cache-control"] == "no-store"
    assert "no-store" not in answers["static"][0].headers.get("cache-control", "")


def test_docs_page_runs_no_inline_script(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", docs.text, flags=re.S)
    assert [attrs.strip() for attrs, _ in scripts] == [
        'src="/static/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js"',
        'src="/static/swagger-init.js"',
    ]
    assert all(body.strip() == "" for _, body in scripts)
    init = client.get("/static/swagger-init.js")
    assert init.status_code == 200
    assert "SwaggerUIBundle(" in init.text
    assert '"/openapi.json"' in init.text


def test_unknown_routes_answer_in_the_house_format(client: TestClient) -> None:
    api = client.get("/api/v1/nowhere")
    assert api.status_code == 404
    assert api.json() == {"error": {"code": "not_found", "message": "Not Found"}}
    page = client.get("/nowhere")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    wrong_method = client.delete("/api/v1/me")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    assert wrong_method.headers["allow"] == "GET"


def test_internal_errors_answer_generically_without_a_trace(session: Session) -> None:
    # An app over a database that was never migrated: every query fails inside the server.
    broken = create_app(Settings(database_url="sqlite://"))
    login = make_login(session, make_operator(session), Role.DISPATCHER)
    with TestClient(broken) as client:
        api = client.get("/api/v1/me", headers=login.headers)
        page = client.get("/", headers={"Cookie": f"tightnut_session={login.token}"})
    assert api.status_code == 500
    error = api.json()["error"]
    assert error["code"] == "internal"
    assert (
        error["message"] == f"internal error; it has been logged as {error['detail']['reference']}"
    )
    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    for answer in (api, page):
        for leak in ("Traceback", "sqlite", "OperationalError", "api_tokens", 'File "'):
            assert leak not in answer.text
        _assert_security_headers(answer, answer.url.path)


def test_openapi_documents_the_error_body_every_operation_answers(
    client: TestClient, session: Session
) -> None:
    document = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    for path, operations in document["paths"].items():
        if not path.startswith("/api/"):
            continue
        for operation in operations.values():
            responses = operation["responses"]
            assert responses["default"]["content"]["application/json"]["schema"] == error_ref
            if "422" in responses:
                assert responses["422"]["content"]["application/json"]["schema"] == error_ref
    login = make_login(session, make_operator(session), Role.DISPATCHER)
    session.commit()
    for answer in (
        client.get("/api/v1/vehicles/0", headers=login.headers),
        client.get("/api/v1/vehicles/99", headers=login.headers),
        client.get("/api/v1/me"),
    ):
        ErrorBody.model_validate(answer.json())


def test_a_started_app_keeps_its_own_objects_out_of_full_collections(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'gc.db'}"))
    assert gc.get_freeze_count() == 0
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() > 100_000  # code, rule packs, templates
    assert gc.get_freeze_count() == 0  # undone at shutdown
