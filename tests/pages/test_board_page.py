"""The depot board in a real browser (Debian's Chromium, Playwright), over the demo data."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tightnut.app import create_app
from tightnut.config import Settings
from tightnut.db import make_engine, make_session_factory, transaction
from tightnut.demo.loader import DEMO_PASSWORD, load_demo
from tightnut.fleet.meters import limits_of
from tightnut.migrate import upgrade
from tightnut.rules import load_catalog

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app on a real port over a SQLite file holding the demo data."""
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('web')) / 'demo.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(make_session_factory(engine)) as session:
        load_demo(session, catalog=load_catalog(), limits=limits_of(Settings()))
    port = _free_port()
    config = uvicorn.Config(
        create_app(Settings(database_url=url)), host="127.0.0.1", port=port, log_level="warning"
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if uv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM) and os.environ.get("CI") != "true":
        pytest.fail("Debian's chromium is not installed: run `make browser`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    yield context.new_page()
    context.close()


def _sign_in(page: Page, server: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{server}/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_dispatcher_signs_in_and_sees_blocked_buses_with_their_rules(
    page: Page, server: str
) -> None:
    _sign_in(page, server, "dispatcher@southline.demo")
    expect(page.get_by_role("heading", name="North Depot")).to_be_visible()
    blocked = page.locator("tr.blocked")
    expect(blocked.first).to_be_visible()
    gas_leak = blocked.filter(has_text="Gas equipment")
    expect(gas_leak).to_have_count(1)
    expect(gas_leak.locator(".rule")).to_contain_text("RU")
    page.screenshot(
        path=str(Path(os.environ.get("TIGHTNUT_SCREENSHOTS", "/tmp")) / "board.png"),
        full_page=False,
    )


def test_filter_shows_only_vehicles_in_that_state(page: Page, server: str) -> None:
    _sign_in(page, server, "dispatcher@southline.demo")
    page.locator("a.count.blocked").click()
    rows = page.locator("tbody tr")
    expect(rows.first).to_be_visible()
    count = int(page.locator("a.count.blocked b").inner_text())
    expect(rows).to_have_count(count)
    for state in page.locator("tbody td .state").all_inner_texts():
        assert state == "blocked"


def test_wrong_password_stays_on_sign_in_with_a_message(page: Page, server: str) -> None:
    _sign_in(page, server, "dispatcher@southline.demo", "wrong-password")
    expect(page.get_by_role("alert")).to_contain_text("wrong e-mail or password")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_another_operators_board_is_not_found(page: Page, server: str) -> None:
    _sign_in(page, server, "dispatcher@kubanfields.demo")
    expect(page.get_by_role("heading", name="Central Machine Yard")).to_be_visible()
    page.goto(f"{server}/depots/1/board")
    expect(page.get_by_role("heading", name="404")).to_be_visible()
