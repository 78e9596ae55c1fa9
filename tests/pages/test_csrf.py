"""A forged or missing CSRF token, or another site's origin, is refused and changes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from pages.conftest import PageClient, Web
from tightnut.auth.models import User
from tightnut.pages import PAGE_MODULES
from tightnut.web.csrf import CsrfChecked

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
Clients = Callable[[str | None], PageClient]


def _unsafe_page_routes() -> list[tuple[str, str]]:
    found = []
    for module in PAGE_MODULES:
        assert CsrfChecked in module.router.dependencies, f"{module.__name__} skips the check"
        for route in module.router.routes:
            if isinstance(route, APIRoute):
                found += [(method, route.path) for method in sorted(route.methods & UNSAFE)]
    return found


def test_every_page_router_checks_csrf_and_has_unsafe_routes() -> None:
    routes = _unsafe_page_routes()
    assert ("POST", "/login") in routes
    assert ("POST", "/logout") in routes


@pytest.mark.parametrize(("method", "path"), _unsafe_page_routes())
def test_every_unsafe_page_route_refuses_a_missing_token(
    client_of: Clients, method: str, path: str
) -> None:
    client = client_of("admin@southline.demo")
    concrete = re.sub(r"\{[^}]+\}", "1", path)
    response = client.http.request(
        method, concrete, data={"x": "1"}, headers={"Origin": str(client.http.base_url)}
    )
    assert response.status_code == 403, (path, response.status_code)
    assert "text/html" in response.headers["content-type"]


def test_forged_token_on_sign_out_keeps_the_session(client_of: Clients) -> None:
    client = client_of("dispatcher@southline.demo")
    refused = client.post("/logout", token="forged-" + client.csrf[:10])
    assert refused.status_code == 403
    still = client.get("/board")
    assert still.status_code == 303
    assert still.headers["location"].startswith("/depots/")


def test_another_sites_origin_is_refused_even_with_the_token(client_of: Clients) -> None:
    client = client_of("dispatcher@southline.demo")
    refused = client.post("/logout", headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert client.get("/board").status_code == 303


def test_forged_token_on_the_language_switch_changes_nothing(client_of: Clients, web: Web) -> None:
    client = client_of("inspector@southline.demo")
    refused = client.post("/language", {"lang": "ru", "next": "/"}, token="")
    assert refused.status_code == 403
    with web.session() as session:
        locale = session.scalar(select(User.locale).where(User.email == "inspector@southline.demo"))
    assert locale is None


def test_sign_in_without_the_token_is_refused_and_sets_no_session(client_of: Clients) -> None:
    client = client_of(None)
    refused = client.post("/login", {"email": "admin@southline.demo", "password": "x"}, token="")
    assert refused.status_code == 403
    assert "tightnut_session" not in client.http.cookies


def test_signing_out_with_the_token_ends_the_session(client_of: Clients) -> None:
    client = client_of("dispatcher@southline.demo")
    done = client.post("/logout")
    assert done.status_code == 303
    assert done.headers["location"] == "/login"
    again = client.get("/board")
    assert again.status_code == 303
    assert again.headers["location"].startswith("/login")
