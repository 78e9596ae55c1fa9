"""An administrator manages the operator's users through the API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories import Login, make_login, make_operator
from tightnut.auth.models import Operator, Role, User


@pytest.fixture
def operator(session: Session) -> Operator:
    """The operator under test."""
    return make_operator(session)


@pytest.fixture
def admin(session: Session, operator: Operator) -> Login:
    """An administrator of the operator."""
    login = make_login(session, operator, Role.ADMIN)
    session.commit()
    return login


def _users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def test_admin_pages_through_the_operators_users_newest_first(
    client: TestClient, session: Session, operator: Operator, admin: Login
) -> None:
    staff = [make_login(session, operator, Role.DRIVER) for _ in range(4)]
    make_login(session, make_operator(session), Role.DRIVER)
    session.commit()
    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        answer = client.get("/api/v1/users", params=params, headers=admin.headers)
        assert answer.status_code == 200
        page = answer.json()
        seen += [user["id"] for user in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    expected = [login.actor.user_id for login in reversed(staff)] + [admin.actor.user_id]
    assert seen == expected
    assert pages == 3


def test_admin_creates_changes_role_and_renames(
    client: TestClient, session: Session, admin: Login
) -> None:
    body = {"email": "new@example.test", "full_name": "New", "role": "driver"}
    created = client.post("/api/v1/users", json=body, headers=admin.headers)
    assert created.status_code == 201
    user_id = created.json()["id"]
    changed = client.patch(
        f"/api/v1/users/{user_id}",
        json={"role": "inspector", "full_name": "Newly Promoted"},
        headers=admin.headers,
    )
    assert changed.status_code == 200
    assert (changed.json()["role"], changed.json()["full_name"]) == ("inspector", "Newly Promoted")
    shown = client.get(f"/api/v1/users/{user_id}", headers=admin.headers)
    assert shown.status_code == 200
    assert shown.json()["role"] == "inspector"


def test_deactivated_users_tokens_stop_at_once_and_stay_revoked(
    client: TestClient, session: Session, operator: Operator, admin: Login
) -> None:
    driver = make_login(session, operator, Role.DRIVER)
    session.commit()
    assert client.get("/api/v1/me", headers=driver.headers).status_code == 200
    off = client.post(f"/api/v1/users/{driver.actor.user_id}/deactivate", headers=admin.headers)
    assert off.status_code == 200
    assert off.json()["active"] is False
    assert client.get("/api/v1/me", headers=driver.headers).status_code == 401
    back = client.post(f"/api/v1/users/{driver.actor.user_id}/reactivate", headers=admin.headers)
    assert back.status_code == 200
    assert back.json()["active"] is True
    assert client.get("/api/v1/me", headers=driver.headers).status_code == 401


def test_another_operators_user_is_not_found(
    client: TestClient, session: Session, admin: Login
) -> None:
    theirs = make_login(session, make_operator(session), Role.DRIVER)
    session.commit()
    their_id = theirs.actor.user_id
    for method, path, body in (
        ("GET", f"/api/v1/users/{their_id}", None),
        ("PATCH", f"/api/v1/users/{their_id}", {"role": "admin"}),
        ("POST", f"/api/v1/users/{their_id}/deactivate", None),
        ("POST", f"/api/v1/users/{their_id}/reactivate", None),
    ):
        answer = client.request(method, path, json=body, headers=admin.headers)
        assert answer.status_code == 404, path
        assert str(their_id) in answer.json()["error"]["message"]
    assert client.get("/api/v1/me", headers=theirs.headers).json()["role"] == "driver"


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_admins_manage_users_and_nothing_is_written(
    client: TestClient, session: Session, operator: Operator, admin: Login, role: Role
) -> None:
    caller = make_login(session, operator, role)
    session.commit()
    target = caller.actor.user_id
    before = _users(session)
    for method, path, body in (
        ("GET", "/api/v1/users", None),
        ("GET", f"/api/v1/users/{admin.actor.user_id}", None),
        ("POST", "/api/v1/users", {"email": "x@example.test", "full_name": "X", "role": "admin"}),
        ("PATCH", f"/api/v1/users/{target}", {"role": "admin"}),
        ("POST", f"/api/v1/users/{admin.actor.user_id}/deactivate", None),
    ):
        answer = client.request(method, path, json=body, headers=caller.headers)
        assert answer.status_code == 403, path
    assert _users(session) == before
    assert client.get("/api/v1/me", headers=caller.headers).json()["role"] == role.value
    assert client.get("/api/v1/me", headers=admin.headers).status_code == 200


def test_admin_may_not_lock_themselves_out(client: TestClient, admin: Login) -> None:
    me = admin.actor.user_id
    demoted = client.patch(f"/api/v1/users/{me}", json={"role": "driver"}, headers=admin.headers)
    assert demoted.status_code == 409
    assert demoted.json()["error"]["field"] == "role"
    off = client.post(f"/api/v1/users/{me}/deactivate", headers=admin.headers)
    assert off.status_code == 409
    assert client.get("/api/v1/me", headers=admin.headers).json()["role"] == "admin"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": None}, "body.role"),
        ({"role": "emperor"}, "body.role"),
        ({"full_name": ""}, "body.full_name"),
        ({"full_name": "A\x00B"}, "body.full_name"),
        ({"email": "x@example.test"}, "body.email"),
    ],
)
def test_bad_user_change_is_422_naming_the_field_and_changes_nothing(
    client: TestClient,
    session: Session,
    operator: Operator,
    admin: Login,
    body: dict[str, object],
    field: str,
) -> None:
    driver = make_login(session, operator, Role.DRIVER)
    session.commit()
    answer = client.patch(f"/api/v1/users/{driver.actor.user_id}", json=body, headers=admin.headers)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == field
    shown = client.get(f"/api/v1/users/{driver.actor.user_id}", headers=admin.headers).json()
    assert (shown["role"], shown["full_name"]) == ("driver", "Test driver")


def test_bad_page_request_is_422_naming_the_field(client: TestClient, admin: Login) -> None:
    for params, field in (({"limit": 0}, "query.limit"), ({"cursor": "nonsense"}, "query.cursor")):
        answer = client.get("/api/v1/users", params=params, headers=admin.headers)
        assert answer.status_code == 422
        assert answer.json()["error"]["field"] == field
