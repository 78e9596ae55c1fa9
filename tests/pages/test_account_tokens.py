"""A user's own API tokens: made on the page, shown once, working as bearer, revoked."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from pages.conftest import PageClient, Web, serious_violations, sign_in
from tightnut.auth.models import ApiToken, TokenKind, User

Clients = Callable[[str | None], PageClient]
SECRET = re.compile(r'value="(tn_[A-Za-z0-9_-]+)"')


def _api_tokens(web: Web, email: str) -> list[ApiToken]:
    with web.session() as session:
        return list(
            session.scalars(
                select(ApiToken)
                .join(User, User.id == ApiToken.user_id)
                .where(User.email == email, ApiToken.kind == TokenKind.API.value)
                .order_by(ApiToken.id)
            )
        )


def _me(web: Web, secret: str) -> httpx.Response:
    return httpx.get(web.url("/api/v1/me"), headers={"Authorization": f"Bearer {secret}"})


def test_a_new_token_is_shown_once_works_as_bearer_and_stops_when_revoked(
    client_of: Clients, web: Web
) -> None:
    client = client_of("fleet.manager@southline.demo")
    made = client.post("/account/tokens", {"label": "telematics import", "expires_in_days": "30"})
    assert made.status_code == 200
    assert made.headers["cache-control"] == "no-store"
    found = SECRET.search(made.text)
    assert found is not None
    secret = found.group(1)
    assert "shown only this once" in made.text
    assert secret not in str(made.headers)  # neither a cookie nor a redirect carries it

    later = client.get("/account/tokens")
    assert later.status_code == 200
    assert "telematics import" in later.text
    assert secret not in later.text
    assert SECRET.search(later.text) is None

    me = _me(web, secret)
    assert me.status_code == 200
    assert me.json()["email"] == "fleet.manager@southline.demo"

    (token,) = _api_tokens(web, "fleet.manager@southline.demo")
    assert token.label == "telematics import"
    assert token.expires_at is not None
    revoked = client.post(f"/account/tokens/{token.id}/revoke")
    assert revoked.status_code == 303
    assert revoked.headers["location"] == "/account/tokens"
    shown = client.get("/account/tokens")
    assert "Token “telematics import” revoked: it no longer works." in shown.text
    assert "revoked" in shown.text
    assert _me(web, secret).status_code == 401
    assert _api_tokens(web, "fleet.manager@southline.demo")[0].revoked_at is not None


def test_someone_elses_token_is_the_404_page_and_stays_valid(client_of: Clients, web: Web) -> None:
    owner = client_of("service.engineer@southline.demo")
    made = owner.post("/account/tokens", {"label": "workshop tablet", "expires_in_days": ""})
    assert made.status_code == 200
    found = SECRET.search(made.text)
    assert found is not None
    (token,) = _api_tokens(web, "service.engineer@southline.demo")
    assert token.expires_at is None  # no expiry given: never expires

    for stranger in ("dispatcher@southline.demo", "service.engineer@kubanfields.demo"):
        refused = client_of(stranger).post(f"/account/tokens/{token.id}/revoke")
        assert refused.status_code == 404
        assert "There is no such page, or it is not yours to see." in refused.text
    assert _api_tokens(web, "service.engineer@southline.demo")[0].revoked_at is None
    assert _me(web, found.group(1)).status_code == 200


def test_a_bad_token_form_shows_errors_in_place_and_makes_nothing(
    client_of: Clients, web: Web
) -> None:
    client = client_of("network.manager@southline.demo")
    refused = client.post("/account/tokens", {"label": "", "expires_in_days": "0"})
    assert refused.status_code == 422
    assert 'id="e-label"' in refused.text
    assert "This field is required." in refused.text
    assert "At least 1." in refused.text
    assert 'value="0"' in refused.text  # what was typed is kept
    assert SECRET.search(refused.text) is None
    too_long = client.post("/account/tokens", {"label": "kept label", "expires_in_days": "9999"})
    assert too_long.status_code == 422
    assert 'value="kept label"' in too_long.text
    assert "At most 3650." in too_long.text
    with web.session() as session:
        count = session.scalar(
            select(func.count(ApiToken.id))
            .join(User, User.id == ApiToken.user_id)
            .where(User.email == "network.manager@southline.demo", ApiToken.kind == "api")
        )
    assert count == 0


def test_a_forged_csrf_token_makes_no_api_token(client_of: Clients, web: Web) -> None:
    client = client_of("inspector@kubanfields.demo")
    refused = client.post("/account/tokens", {"label": "x", "expires_in_days": "1"}, token="bad")
    assert refused.status_code == 403
    assert _api_tokens(web, "inspector@kubanfields.demo") == []


def test_browser_sessions_are_not_listed_as_tokens(client_of: Clients) -> None:
    client = client_of("dispatcher@kubanfields.demo")
    shown = client.get("/account/tokens")
    assert shown.status_code == 200
    assert "You have no API tokens yet." in shown.text


def test_making_a_token_in_the_browser_shows_it_once(page: Page) -> None:
    sign_in(page, "driver@kubanfields.demo")
    page.get_by_role("link", name=re.compile("Demo driver")).click()
    expect(page.get_by_role("heading", name="Your API tokens")).to_be_visible()
    page.get_by_label("Name").fill("my phone")
    page.get_by_label("Expires after (days)").fill("7")
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_label("Token", exact=True)
    expect(secret).to_have_value(re.compile(r"^tn_"))
    assert serious_violations(page) == []
    page.goto("/account/tokens")
    expect(page.get_by_label("Token", exact=True)).to_have_count(0)
    row = page.locator("tr", has_text="my phone")
    expect(row).to_contain_text("active")
    page.get_by_role("button", name="Revoke “my phone”").click()
    expect(page.get_by_role("status")).to_contain_text("revoked")
    expect(row).to_contain_text("revoked")
    assert serious_violations(page) == []


def test_the_tokens_page_fits_a_phone(phone: Page) -> None:
    sign_in(phone, "inspector@southline.demo")
    phone.goto("/account/tokens")
    phone.get_by_label("Name").fill("a rather long name for a token on a phone")
    phone.get_by_role("button", name="Create token").click()
    expect(phone.get_by_label("Token", exact=True)).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_tokens_page_speaks_russian(client_of: Clients) -> None:
    client = client_of("driver@southline.demo")
    shown = client.get("/account/tokens", headers={"Accept-Language": "ru"})
    assert '<html lang="ru">' in shown.text
    assert "Ваши API-токены" in shown.text
    assert "Создать токен" in shown.text
