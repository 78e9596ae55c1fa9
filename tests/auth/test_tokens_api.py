"""A user's own API tokens: listed without secrets, made with the secret shown once, revoked."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories import Login, make_login, make_operator, sign_in_page
from tightnut.auth.models import ApiToken, Role


@pytest.fixture
def driver(session: Session) -> Login:
    """A driver with one API token."""
    login = make_login(session, make_operator(session), Role.DRIVER)
    session.commit()
    return login


def _count(session: Session, user_id: int) -> int:
    query = select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user_id)
    return session.scalar(query) or 0


def test_new_token_shows_its_secret_once_and_works(
    client: TestClient, session: Session, driver: Login
) -> None:
    made = client.post(
        "/api/v1/me/tokens", json={"label": "tablet", "expires_in_days": 30}, headers=driver.headers
    )
    assert made.status_code == 201
    assert made.headers["cache-control"] == "no-store"
    secret = made.json()["token"]
    assert made.json()["label"] == "tablet"
    assert made.json()["expires_at"] is not None
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200
    assert me.json()["id"] == driver.actor.user_id
    listed = client.get("/api/v1/me/tokens", headers=driver.headers)
    assert listed.status_code == 200
    assert [t["label"] for t in listed.json()["items"]] == ["tablet", ""]
    assert secret not in listed.text
    assert all("token" not in t for t in listed.json()["items"])


def test_revoked_token_answers_401_at_once(
    client: TestClient, session: Session, driver: Login
) -> None:
    made = client.post("/api/v1/me/tokens", json={"label": "scanner"}, headers=driver.headers)
    assert made.status_code == 201
    headers = {"Authorization": f"Bearer {made.json()['token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    revoked = client.delete(f"/api/v1/me/tokens/{made.json()['id']}", headers=driver.headers)
    assert revoked.status_code == 204
    gone = client.get("/api/v1/me", headers=headers)
    assert gone.status_code == 401
    assert gone.json()["error"]["message"] == "token revoked"
    assert client.get("/api/v1/me", headers=driver.headers).status_code == 200
    listed = client.get("/api/v1/me/tokens", headers=driver.headers).json()["items"]
    assert listed[0]["revoked_at"] is not None


def test_another_users_token_is_not_found(
    client: TestClient, session: Session, driver: Login
) -> None:
    colleague = make_login(session, make_operator(session), Role.DRIVER)
    session.commit()
    theirs = session.scalars(
        select(ApiToken.id).where(ApiToken.user_id == colleague.actor.user_id)
    ).one()
    answer = client.delete(f"/api/v1/me/tokens/{theirs}", headers=driver.headers)
    assert answer.status_code == 404
    assert client.get("/api/v1/me", headers=colleague.headers).status_code == 200


def test_browser_sessions_are_not_listed_nor_revocable_here(
    client: TestClient, session: Session
) -> None:
    from tightnut.auth import service as auth

    user = auth.create_user(
        session,
        operator_id=make_operator(session).id,
        email="ann@example.test",
        full_name="Ann",
        role=Role.DISPATCHER,
        password="correct horse",
    )
    session.commit()
    signed_in = sign_in_page(client, "ann@example.test", "correct horse")
    assert signed_in.status_code == 303
    token = client.post(
        "/api/v1/auth/token", json={"email": "ann@example.test", "password": "correct horse"}
    )
    assert token.status_code == 201
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    listed = client.get("/api/v1/me/tokens", headers=headers).json()["items"]
    assert [t["label"] for t in listed] == ["password"]
    browser = session.scalars(
        select(ApiToken.id).where(ApiToken.user_id == user.id, ApiToken.kind == "session")
    ).one()
    assert client.delete(f"/api/v1/me/tokens/{browser}", headers=headers).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body.label"),
        ({"label": ""}, "body.label"),
        ({"label": "x" * 101}, "body.label"),
        ({"label": "a\x00b"}, "body.label"),
        ({"label": "ok", "expires_in_days": 0}, "body.expires_in_days"),
        ({"label": "ok", "expires_in_days": 1e308}, "body.expires_in_days"),
        ({"label": "ok", "secret": "mine"}, "body.secret"),
    ],
)
def test_bad_token_request_is_422_naming_the_field_and_makes_none(
    client: TestClient, session: Session, driver: Login, body: dict[str, object], field: str
) -> None:
    answer = client.post("/api/v1/me/tokens", json=body, headers=driver.headers)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == field
    assert _count(session, driver.actor.user_id) == 1


def test_tokens_page_newest_first(client: TestClient, session: Session, driver: Login) -> None:
    for label in ("one", "two", "three"):
        made = client.post("/api/v1/me/tokens", json={"label": label}, headers=driver.headers)
        assert made.status_code == 201
    first = client.get("/api/v1/me/tokens", params={"limit": 2}, headers=driver.headers).json()
    assert [t["label"] for t in first["items"]] == ["three", "two"]
    second = client.get(
        "/api/v1/me/tokens",
        params={"limit": 2, "cursor": first["next_cursor"]},
        headers=driver.headers,
    ).json()
    assert [t["label"] for t in second["items"]] == ["one", ""]
    assert second["next_cursor"] is None
