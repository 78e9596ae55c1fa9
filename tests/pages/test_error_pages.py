"""Every non-API URL answers a page, never JSON: 404, 422, 403 naming the right, 500."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from pages.conftest import PageClient, Web
from tightnut.app import create_app
from tightnut.config import Settings
from tightnut.fleet.models import Depot

Clients = Callable[[str | None], PageClient]


def _html(response_text: str, content_type: str) -> str:
    assert content_type.startswith("text/html"), content_type
    return response_text


def test_a_missing_path_and_another_operators_depot_give_the_same_page(
    client_of: Clients, web: Web
) -> None:
    with web.session() as session:
        theirs = session.scalar(select(Depot.id).where(Depot.name == "Central Machine Yard"))
    client = client_of("dispatcher@southline.demo")
    missing = client.get("/no/such/page")
    foreign = client.get(f"/depots/{theirs}/board")
    assert missing.status_code == foreign.status_code == 404
    for response in (missing, foreign):
        text = _html(response.text, response.headers["content-type"])
        assert "There is no such page, or it is not yours to see." in text
        assert "Demo dispatcher" in text  # who is signed in
        assert 'href="/"' in text  # the way back


def test_a_malformed_id_is_a_422_page(client_of: Clients) -> None:
    response = client_of("dispatcher@southline.demo").get("/depots/abc/board")
    assert response.status_code == 422
    assert "This value is malformed: depot_id." in _html(
        response.text, response.headers["content-type"]
    )


def test_a_refused_right_is_named_on_the_403_page(client_of: Clients) -> None:
    client = client_of("driver@southline.demo")
    response = client.post("/language", {"lang": "en"})
    assert response.status_code == 303  # everyone may switch language
    refused = client.get("/admin/users")
    assert refused.status_code == 403
    assert "Your role (Driver) may not manage users." in refused.text


def test_a_crash_is_a_plain_page_with_the_reference_in_the_log(
    caplog: pytest.LogCaptureFixture, web: Web
) -> None:
    app = create_app(Settings(database_url=web.database_url, secure_cookies=False))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail")

    with caplog.at_level(logging.ERROR), TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    text = _html(response.text, response.headers["content-type"])
    assert "secret detail" not in text
    assert "Traceback" not in text
    logged = "\n".join(record.getMessage() for record in caplog.records)
    reference = text.split("Reference for your administrator: ")[1].split("<")[0].strip()
    assert len(reference) == 12
    assert reference in logged


def test_a_signed_out_deep_link_returns_there_after_sign_in(client_of: Clients) -> None:
    client = client_of(None)
    first = client.get("/board?state=blocked")
    assert first.status_code == 303
    assert first.headers["location"] == "/login?next=%2Fboard%3Fstate%3Dblocked"
    signed = client.post(
        "/login",
        {
            "email": "dispatcher@southline.demo",
            "password": "tightnut-demo",
            "next": "/board?state=blocked",
        },
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == "/board?state=blocked"


def test_sign_in_never_redirects_off_site(client_of: Clients) -> None:
    client = client_of(None)
    signed = client.post(
        "/login",
        {
            "email": "dispatcher@southline.demo",
            "password": "tightnut-demo",
            "next": "//evil.example/x",
        },
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == "/"
