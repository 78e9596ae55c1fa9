"""The sign-in page under the shared throttle: a clear message, 429 and Retry-After.

This module runs its own server over its own copy of the demo data, with a limit of three
failures per account, so a few wrong passwords reach the limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from pages.conftest import Web, _copy_of, serious_violations, start_server
from tightnut.db import make_engine, make_session_factory
from tightnut.demo.loader import DEMO_PASSWORD

LIMIT = 3


@pytest.fixture(scope="module")
def web(demo_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    """The app over this module's copy of the demo data, three failures allowed per account."""
    url = _copy_of(demo_template, "login_throttle", Path(tmp_path_factory.mktemp("throttle")))
    server, base = start_server(url, login_failures_per_account=LIMIT, login_window_minutes=15)
    engine = make_engine(url)
    yield Web(base=base, database_url=url, factory=make_session_factory(engine))
    server.should_exit = True
    engine.dispose()


def _try(page: Page, email: str, password: str) -> int:
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Sign in").click()
    status: int = answer.value.status
    if status == 429:
        assert answer.value.headers["retry-after"].isdigit()
        assert 0 < int(answer.value.headers["retry-after"]) <= 15 * 60
    return status


def test_too_many_wrong_passwords_show_the_wait_and_answer_429(page: Page) -> None:
    page.goto("/login")
    email = "inspector@southline.demo"
    for _ in range(LIMIT):
        assert _try(page, email, "not-the-password") == 401
        expect(page.get_by_role("alert")).to_have_text("Wrong e-mail or password.")
    assert _try(page, email, "not-the-password") == 429
    expect(page.get_by_role("alert")).to_contain_text("Too many failed attempts. Try again in")
    expect(page.get_by_label("E-mail")).to_have_value(email)  # what was typed is kept
    assert _try(page, email, DEMO_PASSWORD) == 429  # even the right password waits
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_the_throttle_of_one_account_leaves_another_signing_in(page: Page) -> None:
    page.goto("/login")
    for _ in range(LIMIT + 1):
        _try(page, "driver@southline.demo", "wrong-again")
    assert _try(page, "dispatcher@southline.demo", DEMO_PASSWORD) == 303
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_the_wait_is_told_in_russian(page: Page) -> None:
    page.goto("/login")
    page.get_by_role("button", name="Русский").click()
    for _ in range(LIMIT):
        page.get_by_label("Эл. почта").fill("service.engineer@southline.demo")
        page.get_by_label("Пароль").fill("wrong")
        page.get_by_role("button", name="Вход").click()
    page.get_by_label("Пароль").fill("wrong")
    page.get_by_role("button", name="Вход").click()
    expect(page.get_by_role("alert")).to_contain_text("Слишком много неудачных попыток")


def test_a_deep_link_survives_a_wrong_password(page: Page) -> None:
    page.goto("/account/tokens")
    # sent to sign in, the target carried in ?next=
    assert "/login?next=%2Faccount%2Ftokens" in page.url
    assert _try(page, "fleet.manager@southline.demo", "typo-typo") == 401
    assert _try(page, "fleet.manager@southline.demo", DEMO_PASSWORD) == 303
    expect(page.get_by_role("heading", name="Your API tokens")).to_be_visible()
    assert page.url.endswith("/account/tokens")


def test_the_sign_in_page_is_accessible_and_fits_a_phone(page: Page) -> None:
    page.goto("/login")
    assert serious_violations(page) == []
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
