"""Two languages: the user's choice, then the browser's; a switch on every page."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy import select

from pages.conftest import PageClient, Web, sign_in
from tightnut.auth.models import User

Clients = Callable[[str | None], PageClient]


def test_the_browsers_language_is_used_before_any_choice(client_of: Clients) -> None:
    client = client_of(None)
    russian = client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    english = client.get("/login", headers={"Accept-Language": "de-DE,en;q=0.8"})
    assert '<html lang="ru">' in russian.text
    assert "Вход" in russian.text
    assert '<html lang="en">' in english.text
    assert "Sign in" in english.text


def test_the_switch_is_remembered_for_the_user_on_another_browser(
    client_of: Clients, web: Web
) -> None:
    first = client_of("fleet.manager@southline.demo")
    switched = first.post("/language", {"lang": "ru", "next": "/login"})
    assert switched.status_code == 303
    assert switched.headers["location"] == "/login"
    with web.session() as session:
        stored = session.scalar(
            select(User.locale).where(User.email == "fleet.manager@southline.demo")
        )
    assert stored == "ru"
    other = client_of("fleet.manager@southline.demo")
    page = other.get("/board", follow_redirects=True, headers={"Accept-Language": "en"})
    assert '<html lang="ru">' in page.text


def test_a_bad_language_falls_back_to_english_and_keeps_working(client_of: Clients) -> None:
    client = client_of(None)
    response = client.post("/language", {"lang": "xx", "next": "/login"})
    assert response.status_code == 303
    assert client.http.cookies.get("tightnut_lang") == "en"


def test_the_switch_on_the_page_turns_the_page_russian(page: Page) -> None:
    sign_in(page, "dispatcher@kubanfields.demo")
    page.get_by_role("button", name="Русский").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("button", name="Выйти")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
