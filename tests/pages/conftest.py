"""Page tests: the real app on a real port over the demo data, driven by Debian's Chromium.

The demo database is built once per run and copied for each test module (a file copy on
SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL), so modules never see each other's
writes. ``web.session()`` reads the server's database, to check what a page really wrote.
With ``TIGHTNUT_TEST_DATABASE_URL`` pointing at PostgreSQL, every page test runs there.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from tightnut.app import create_app
from tightnut.config import Settings
from tightnut.db import make_engine, make_session_factory, transaction
from tightnut.demo.loader import DEMO_PASSWORD, load_demo
from tightnut.fleet.meters import limits_of
from tightnut.migrate import upgrade
from tightnut.rules import load_catalog

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
DESKTOP = {"width": 1300, "height": 900}
PHONE = {"width": 360, "height": 740}
DATABASE_URL_ENV = "TIGHTNUT_TEST_DATABASE_URL"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Page tests run on both databases: they carry ``db`` and ``browser``."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.db)
            if "page" in item.fixturenames or "phone" in item.fixturenames:
                item.add_marker(pytest.mark.browser)


@dataclass(frozen=True)
class Web:
    """A running app: its address and a way into its database."""

    base: str
    database_url: str
    factory: sessionmaker[Session]

    def session(self) -> Session:
        """A session on the server's database, to check what the pages wrote."""
        return self.factory()

    def url(self, path: str) -> str:
        """The absolute address of ``path``."""
        return self.base + path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _postgres_admin(url: str) -> Engine:
    return make_engine(make_url(url).set(database="postgres").render_as_string(False))


def _create_pg(url: str, name: str, template: str | None = None) -> str:
    admin = _postgres_admin(url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        suffix = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(False)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database holding the demo data, built once per run."""
    base = os.environ.get(DATABASE_URL_ENV, "")
    if base.startswith("postgresql"):
        url = _create_pg(base, f"{make_url(base).database}_pages_demo")
    else:
        url = f"sqlite:///{Path(tmp_path_factory.mktemp('demo')) / 'demo.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(make_session_factory(engine)) as session:
        load_demo(session, catalog=load_catalog(), limits=limits_of(Settings()))
    engine.dispose()
    return url


def _copy_of(template: str, name: str, tmp_path: Path) -> str:
    if template.startswith("postgresql"):
        source = make_url(template).database
        return _create_pg(template, f"{source}_{name}"[:60], template=source)
    target = tmp_path / f"{name}.db"
    shutil.copy(make_url(template).database or "", target)
    return f"sqlite:///{target}"


def start_server(database_url: str, **settings: object) -> tuple[uvicorn.Server, str]:
    """The app on a free local port, serving from a thread."""
    port = _free_port()
    app = create_app(Settings(database_url=database_url, secure_cookies=False, **settings))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def web(
    demo_template: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Web]:
    """The app over this module's own copy of the demo database."""
    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    url = _copy_of(demo_template, name, Path(tmp_path_factory.mktemp(name)))
    server, base = start_server(url)
    engine = make_engine(url)
    yield Web(base=base, database_url=url, factory=make_session_factory(engine))
    server.should_exit = True
    engine.dispose()


def _context(browser: Browser, web: Web, **options: object) -> BrowserContext:
    context = browser.new_context(base_url=web.base, locale="en-GB", **options)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def page(browser: Browser, web: Web) -> Iterator[Page]:
    """A desktop browser tab of its own (own cookies), in English."""
    context = _context(browser, web, viewport=DESKTOP)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser: Browser, web: Web) -> Iterator[Page]:
    """A 360×740 touch phone of its own, in English."""
    context = _context(browser, web, viewport=PHONE, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


def sign_in(page: Page, email: str, password: str = DEMO_PASSWORD, *, path: str = "/") -> None:
    """Sign in through the login page; the app then shows ``path`` (or the user's start page)."""
    page.goto(path)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_out(page: Page) -> None:
    """Sign out with the header's button; the sign-in form shows again."""
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("E-mail")).to_be_visible()


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line each."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, object]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
              .filter(v => v.impact === "serious" || v.impact === "critical")
              .map(v => ({
                id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 3)
              }));
        }"""
    )
    return [f"{v['id']}: {v['help']} at {v['nodes']}" for v in found]


class PageClient:
    """A browser without a screen: cookies, the CSRF token, and no redirects followed."""

    def __init__(self, web: Web) -> None:
        self.http = httpx.Client(base_url=web.base, follow_redirects=False, timeout=30)
        self.http.get("/login").raise_for_status()  # the CSRF cookie

    @property
    def csrf(self) -> str:
        """This client's CSRF token, as a page would have put it in its forms."""
        return self.http.cookies.get("tightnut_csrf") or ""

    def sign_in(self, email: str, password: str = DEMO_PASSWORD) -> httpx.Response:
        """Post the login form; a 303 means signed in."""
        return self.post("/login", {"email": email, "password": password})

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        """A GET, as a link would do it."""
        return self.http.get(path, **kwargs)  # type: ignore[arg-type]

    def post(
        self,
        path: str,
        data: dict[str, str | list[str]] | None = None,
        *,
        token: str | None = None,
        files: object = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """A form post carrying the CSRF token (or ``token`` instead, to forge one)."""
        body = {"csrf_token": self.csrf if token is None else token, **(data or {})}
        origin = {"Origin": str(self.http.base_url).rstrip("/")}
        return self.http.post(
            path,
            data=body,
            files=files,
            headers={**origin, **(headers or {})},  # type: ignore[arg-type]
        )

    def close(self) -> None:
        """Drop the connection."""
        self.http.close()


@pytest.fixture
def client_of(web: Web) -> Iterator[Callable[[str | None], PageClient]]:
    """``client_of(email)``: a PageClient signed in as ``email`` (None: signed out)."""
    made: list[PageClient] = []

    def make(email: str | None) -> PageClient:
        client = PageClient(web)
        made.append(client)
        if email is not None:
            response = client.sign_in(email)
            assert response.status_code == 303, response.text
        return client

    yield make
    for client in made:
        client.close()
