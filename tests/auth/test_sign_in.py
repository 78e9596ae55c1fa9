"""Signing in: the same cost whoever asks, secrets never cached, browser and API tokens apart."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.profiles import RFC_9106_LOW_MEMORY
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auth.conftest import ClientMaker
from factories import make_depot, make_login, make_operator, sign_in_page
from tightnut.auth import service as auth
from tightnut.auth.models import ApiToken, Operator, Role, User
from tightnut.deps import SESSION_COOKIE

PASSWORD = "correct horse"


class CountingHasher(PasswordHasher):
    """A real argon2 hasher that notes the parameters of every hash it checks against."""

    def __init__(self) -> None:
        super().__init__()
        self.checked: list[tuple[int, int, int]] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        """Verify as argon2 does, noting the cost of the hash."""
        text = hash.decode() if isinstance(hash, bytes) else hash
        params = extract_parameters(text)
        self.checked.append((params.time_cost, params.memory_cost, params.parallelism))
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    """The service's hasher, counting."""
    counting = CountingHasher()
    monkeypatch.setattr(auth, "_hasher", counting)
    return counting


def _user(
    session: Session,
    *,
    email: str,
    active: bool = True,
    password: str | None = PASSWORD,
    operator: Operator | None = None,
) -> User:
    user = auth.create_user(
        session,
        operator_id=(operator or make_operator(session)).id,
        email=email,
        full_name="Ann",
        role=Role.DISPATCHER,
        password=password,
    )
    user.active = active
    session.commit()
    return user


def _exchange(client: TestClient, email: str, password: str = PASSWORD) -> int:
    body = {"email": email, "password": password}
    return client.post("/api/v1/auth/token", json=body).status_code


def test_unknown_email_costs_one_argon2_check_like_a_known_one(
    client: TestClient, session: Session, hasher: CountingHasher
) -> None:
    _user(session, email="ann@example.test")
    _user(session, email="off@example.test", active=False)
    _user(session, email="nopass@example.test", password=None)
    assert _exchange(client, "ann@example.test", "wrong password") == 401
    known = hasher.checked[:]
    assert len(known) == 1
    for email in ("nobody@example.test", "off@example.test", "nopass@example.test"):
        hasher.checked.clear()
        assert _exchange(client, email) == 401
        assert hasher.checked == known, email


def test_stand_in_hash_costs_what_a_stored_hash_costs(session: Session) -> None:
    user = _user(session, email="cost@example.test")
    assert user.password_hash is not None
    stored = extract_parameters(user.password_hash)
    stand_in = extract_parameters(auth._dummy_hash())
    assert (stand_in.time_cost, stand_in.memory_cost, stand_in.parallelism) == (
        stored.time_cost,
        stored.memory_cost,
        stored.parallelism,
    )
    assert stored.memory_cost >= RFC_9106_LOW_MEMORY.memory_cost


def test_token_answer_is_never_cached(client: TestClient, session: Session) -> None:
    _user(session, email="ann@example.test")
    answer = client.post(
        "/api/v1/auth/token", json={"email": "ann@example.test", "password": PASSWORD}
    )
    assert answer.status_code == 201
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["pragma"] == "no-cache"


def _sign_in_page(client: TestClient, email: str, password: str = PASSWORD) -> Response:
    return sign_in_page(client, email, password)


def test_browser_session_is_no_bearer_token(client: TestClient, session: Session) -> None:
    _user(session, email="ann@example.test")
    signed_in = _sign_in_page(client, "ann@example.test")
    assert signed_in.status_code == 303
    cookie = signed_in.cookies[SESSION_COOKIE]
    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {cookie}"})
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == "unknown token"


def test_api_token_is_no_browser_session(client: TestClient, session: Session) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    login = make_login(session, operator, Role.DISPATCHER)
    session.commit()
    assert client.get("/api/v1/me", headers=login.headers).status_code == 200
    as_cookie = client.get(
        "/", headers={"Cookie": f"{SESSION_COOKIE}={login.token}"}, follow_redirects=False
    )
    assert as_cookie.status_code == 303
    assert as_cookie.headers["location"] == "/login"
    as_bearer = client.get("/", headers=login.headers, follow_redirects=False)
    assert as_bearer.headers["location"] == "/login"
    with_cookie_page = client.get(f"/depots/{depot.id}/board", headers=login.headers)
    assert with_cookie_page.status_code == 200
    assert with_cookie_page.url.path == "/login"


def test_browser_session_opens_the_pages(client: TestClient, session: Session) -> None:
    operator = make_operator(session)
    depot = make_depot(session, operator)
    _user(session, email="ann@example.test", operator=operator)
    signed_in = _sign_in_page(client, "ann@example.test")
    assert signed_in.status_code == 303
    cookie = signed_in.cookies[SESSION_COOKIE]
    home = client.get("/", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"}, follow_redirects=False)
    assert home.status_code == 303
    assert home.headers["location"] == "/board"  # a dispatcher's day starts at the board
    board = client.get(
        "/board", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"}, follow_redirects=False
    )
    assert board.status_code == 303
    assert board.headers["location"] == f"/depots/{depot.id}/board"


def test_session_cookie_is_secure_by_default(make_client: ClientMaker, session: Session) -> None:
    _user(session, email="ann@example.test")
    signed_in = _sign_in_page(make_client(), "ann@example.test")
    assert signed_in.status_code == 303
    cookie = signed_in.headers["set-cookie"]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie


def test_plain_http_setting_drops_secure_but_https_keeps_it(
    make_client: ClientMaker, session: Session
) -> None:
    _user(session, email="ann@example.test")
    plain = _sign_in_page(make_client(secure_cookies=False), "ann@example.test")
    assert plain.status_code == 303
    assert "Secure" not in plain.headers["set-cookie"]
    over_https = make_client(base_url="https://testserver", secure_cookies=False)
    secure = _sign_in_page(over_https, "ann@example.test")
    assert secure.status_code == 303
    assert "Secure" in secure.headers["set-cookie"]
    sessions = select(func.count()).select_from(ApiToken).where(ApiToken.kind == "session")
    assert session.scalar(sessions) == 2


def test_nul_byte_in_the_email_is_422_naming_the_field(
    client: TestClient, session: Session
) -> None:
    _user(session, email="ann@example.test")
    answer = client.post(
        "/api/v1/auth/token", json={"email": "ann\x00@example.test", "password": PASSWORD}
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "body.email"
    page = _sign_in_page(client, "ann\x00@example.test")
    assert page.status_code == 422
    assert session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_a_new_password_is_kept_exactly_as_typed(client: TestClient, session: Session) -> None:
    admin = make_login(session, make_operator(session), Role.ADMIN)
    session.commit()
    body = {
        "email": "spaced@example.test",
        "full_name": "Spaced",
        "role": "driver",
        "password": "  spaced out  ",
    }
    assert client.post("/api/v1/users", json=body, headers=admin.headers).status_code == 201
    assert _exchange(client, "spaced@example.test", "  spaced out  ") == 201
    assert _exchange(client, "spaced@example.test", "spaced out") == 401
