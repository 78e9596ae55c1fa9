"""Sign-in throttling per account and per address, counted in the database or in Redis."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auth.conftest import ClientMaker
from factories import make_operator, sign_in_page
from reliability.serverproc import serving
from tightnut.auth import service as auth
from tightnut.auth.models import ApiToken, LoginFailure, Role
from tightnut.auth.throttle import RedisFailures, connect_redis
from tightnut.db import make_engine, make_session_factory, transaction, utcnow
from tightnut.migrate import upgrade

PASSWORD = "correct horse"
EMAIL = "ann@example.test"
LIMITS = {"login_failures_per_account": 3, "login_failures_per_address": 5}


@pytest.fixture(params=["database", "redis"])
def backend(request: pytest.FixtureRequest) -> dict[str, object]:
    """Settings for each place the counts may live."""
    if request.param == "database":
        return dict(LIMITS)
    redis_settings: dict[str, object] = request.getfixturevalue("redis_settings")
    return {**LIMITS, **redis_settings}


@pytest.fixture
def ann(session: Session) -> int:
    """A dispatcher with a password."""
    user = auth.create_user(
        session,
        operator_id=make_operator(session).id,
        email=EMAIL,
        full_name="Ann",
        role=Role.DISPATCHER,
        password=PASSWORD,
    )
    session.commit()
    return user.id


def _token(client: TestClient, email: str = EMAIL, password: str = PASSWORD) -> int:
    answer = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    return answer.status_code


def _tokens(session: Session, user_id: int) -> int:
    count = select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user_id)
    return session.scalar(count) or 0


def test_wrong_passwords_lock_the_account_even_for_the_right_one(
    make_client: ClientMaker, session: Session, ann: int, backend: dict[str, object]
) -> None:
    client = make_client(**backend)
    assert [_token(client, password="wrong password") for _ in range(3)] == [401, 401, 401]
    refused = client.post("/api/v1/auth/token", json={"email": EMAIL, "password": PASSWORD})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 15 * 60
    error = refused.json()["error"]
    assert error["code"] == "too_many_requests"
    assert error["message"].startswith("too many failed sign-ins for this account; try again in")
    assert _tokens(session, ann) == 0


def test_the_count_is_shared_by_every_worker(
    make_client: ClientMaker, session: Session, ann: int, backend: dict[str, object]
) -> None:
    first_worker, second_worker = make_client(**backend), make_client(**backend)
    assert [_token(first_worker, password="wrong password") for _ in range(2)] == [401, 401]
    assert _token(second_worker, password="wrong password") == 401
    assert _token(first_worker) == 429
    assert _token(second_worker) == 429
    assert _tokens(session, ann) == 0


def test_an_address_trying_many_accounts_is_stopped(
    make_client: ClientMaker, session: Session, ann: int, backend: dict[str, object]
) -> None:
    client = make_client(**backend)
    guesses = [_token(client, email=f"guess{n}@example.test") for n in range(5)]
    assert guesses == [401] * 5
    refused = client.post("/api/v1/auth/token", json={"email": EMAIL, "password": PASSWORD})
    assert refused.status_code == 429
    assert "from your address" in refused.json()["error"]["message"]
    assert int(refused.headers["retry-after"]) >= 1
    assert _tokens(session, ann) == 0


def test_the_right_password_clears_the_account_count(
    make_client: ClientMaker, session: Session, ann: int, backend: dict[str, object]
) -> None:
    client = make_client(**backend)
    assert [_token(client, password="wrong password") for _ in range(2)] == [401, 401]
    assert _token(client) == 201
    assert [_token(client, password="wrong password") for _ in range(2)] == [401, 401]
    assert _token(client) == 201
    assert _tokens(session, ann) == 2


def test_the_login_page_is_limited_by_the_same_count(
    make_client: ClientMaker, ann: int, backend: dict[str, object]
) -> None:
    client = make_client(**backend)
    assert [_token(client, password="wrong password") for _ in range(3)] == [401, 401, 401]
    page = sign_in_page(client, EMAIL, PASSWORD)
    assert page.status_code == 429
    assert int(page.headers["retry-after"]) >= 1
    assert "Too many failed attempts. Try again in" in page.text
    assert "set-cookie" not in page.headers


def test_failures_leave_the_window_one_by_one(
    make_client: ClientMaker, session: Session, ann: int
) -> None:
    now = utcnow()
    for minutes_ago in (16, 14, 5):
        session.add(
            LoginFailure(key=f"account:{EMAIL}", failed_at=now - timedelta(minutes=minutes_ago))
        )
    session.commit()
    client = make_client(**LIMITS)
    # The failure 16 minutes ago is out of the 15-minute window: two remain, one try is left.
    assert _token(client, password="wrong password") == 401
    refused = client.post("/api/v1/auth/token", json={"email": EMAIL, "password": PASSWORD})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_redis_failures_leave_the_window_too(
    make_client: ClientMaker, ann: int, redis_settings: dict[str, object]
) -> None:
    store = RedisFailures(
        connect_redis(str(redis_settings["redis_url"])),
        prefix=f"{redis_settings['redis_prefix']}login:",
    )
    now, window = utcnow(), timedelta(minutes=15)
    for minutes_ago in (16, 14, 5):
        store.add(f"account:{EMAIL}", at=now - timedelta(minutes=minutes_ago), window=window)
    client = make_client(**LIMITS, **redis_settings)
    assert _token(client, password="wrong password") == 401
    refused = client.post("/api/v1/auth/token", json={"email": EMAIL, "password": PASSWORD})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_unreachable_redis_stops_sign_in_with_503(
    make_client: ClientMaker, session: Session, ann: int, free_port: int
) -> None:
    client = make_client(redis_url=f"redis://127.0.0.1:{free_port}/0")
    answer = client.post("/api/v1/auth/token", json={"email": EMAIL, "password": PASSWORD})
    assert answer.status_code == 503
    assert answer.json()["error"]["message"] == (
        "sign-in is unavailable: the attempt counter is unreachable"
    )
    assert _tokens(session, ann) == 0


def test_unknown_emails_count_like_known_ones(
    make_client: ClientMaker, session: Session, backend: dict[str, object]
) -> None:
    client = make_client(**backend)
    ghost = "ghost@example.test"
    assert [_token(client, email=ghost) for _ in range(3)] == [401, 401, 401]
    assert _token(client, email=ghost) == 429


def test_two_worker_processes_share_one_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(make_session_factory(engine)) as session:
        auth.create_user(
            session,
            operator_id=make_operator(session).id,
            email=EMAIL,
            full_name="Ann",
            role=Role.DISPATCHER,
            password=PASSWORD,
        )
    engine.dispose()
    monkeypatch.setenv("TIGHTNUT_LOGIN_FAILURES_PER_ACCOUNT", "4")
    with serving(url, log_path=tmp_path / "server.log", workers=2) as server:
        statuses = []
        for password in ["wrong password"] * 4 + [PASSWORD]:
            # A new connection each time, so the kernel hands them to either worker.
            with httpx.Client(base_url=server.url, timeout=30) as fresh:
                answer = fresh.post(
                    "/api/v1/auth/token", json={"email": EMAIL, "password": password}
                )
                statuses.append(answer.status_code)
        log = server.log_tail(400)
    pids = {int(pid) for pid in re.findall(r"Started server process \[(\d+)\]", log)}
    assert statuses == [401, 401, 401, 401, 429]
    assert len(pids) >= 2
