"""Every main page, as the role that works on it: in English on a desktop and in Russian on a
360×740 phone, each answering 200, with no serious or critical axe-core finding, and on the
phone nothing wider than the screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from pages.conftest import DESKTOP, PHONE, Web, serious_violations
from tightnut.auth.models import Role
from tightnut.demo.loader import DEMO_PASSWORD
from tightnut.demo.tour import MAIN_PAGES, MainPage, addresses, demo_email

ROLES = sorted({page.role for page in MAIN_PAGES}, key=lambda role: role.value if role else "")
CYRILLIC = re.compile(r"[А-Яа-яЁё]{3,}")


@pytest.fixture(scope="module")
def ids(web: Web) -> dict[str, str]:
    with web.session() as session:
        return addresses(session)


def _context(browser: Browser, web: Web, language: str) -> BrowserContext:
    phone = language == "ru"
    context = browser.new_context(
        base_url=web.base,
        locale="ru-RU" if phone else "en-GB",
        extra_http_headers={"Accept-Language": language},
        viewport=PHONE if phone else DESKTOP,  # type: ignore[arg-type]
        is_mobile=phone,
        has_touch=phone,
    )
    context.set_default_timeout(10_000)
    return context


def _signed_in(context: BrowserContext, role: Role | None) -> Page:
    page = context.new_page()
    if role is not None:
        page.goto("/login")
        page.locator("#f-email").fill(demo_email(role))
        page.locator("#f-password").fill(DEMO_PASSWORD)
        page.locator('form[action="/login"] button[type="submit"]').click()
        expect(page.locator('form[action="/logout"]')).to_be_visible()
    return page


def _problems(page: Page, main: MainPage, path: str, language: str) -> list[str]:
    """What a user of this page would notice is wrong with it, in words."""
    answer = page.goto(path)
    status = answer.status if answer else 0
    if status != 200:
        return [f"{main.name}: {path} answered {status}"]
    found = [f"{main.name} ({language}): {v}" for v in serious_violations(page)]
    lang = page.locator("html").get_attribute("lang")
    if lang != language:
        found.append(f"{main.name}: <html lang={lang!r}>, not {language!r}")
    text = page.locator("main").inner_text()
    if language == "ru":
        if not CYRILLIC.search(text):
            found.append(f"{main.name}: no Russian words on the Russian page")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            found.append(f"{main.name}: {width} px wide on a {PHONE['width']} px phone")
    return found


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.value if role else "anyone")
def test_each_main_page_of_the_role_is_accessible_in_both_languages(
    browser: Browser, web: Web, ids: dict[str, str], role: Role | None, language: str
) -> None:
    pages = [main for main in MAIN_PAGES if main.role == role]
    context = _context(browser, web, language)
    try:
        page = _signed_in(context, role)
        problems = [
            problem
            for main in pages
            for problem in _problems(page, main, main.path.format(**ids), language)
        ]
    finally:
        context.close()
    assert problems == []


def test_the_tour_names_every_role_and_no_page_twice() -> None:
    # The network manager's pages come with the service network (issue 10).
    assert {page.role for page in MAIN_PAGES} == {*Role, None} - {Role.NETWORK_MANAGER}
    assert len({page.name for page in MAIN_PAGES}) == len(MAIN_PAGES)
    assert len({page.path for page in MAIN_PAGES}) == len(MAIN_PAGES)
