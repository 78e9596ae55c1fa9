"""Screenshots of the main pages: desktop (1300×900) and phone (360×740), English and Russian.

``make screenshots`` runs this. It loads the demo data into a fresh SQLite file, serves the
app in this process on a free local port, and drives Debian's Chromium through Playwright,
signed in as the role that works on each page. Each page is saved, whole, as
``var/screenshots/<page>-<desktop|phone>-<en|ru>.png``. A page that answers 404 (not built
yet) is skipped with a message; any other answer than 200 stops the run with an error.
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from tightnut.app import create_app
from tightnut.auth.models import Role
from tightnut.config import Settings
from tightnut.db import make_engine, make_session_factory, transaction
from tightnut.demo.loader import DEMO_PASSWORD, load_demo
from tightnut.demo.tour import MAIN_PAGES, MainPage, addresses, demo_email
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
VIEWPORTS = {"desktop": {"width": 1300, "height": 900}, "phone": {"width": 360, "height": 740}}
LANGUAGES = {"en": "en-GB", "ru": "ru-RU"}
OUT = Path("var/screenshots")


def _demo(folder: Path) -> tuple[str, dict[str, str]]:
    """A fresh demo database and the ids that fill the page addresses."""
    url = f"sqlite:///{folder / 'screenshots.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(make_session_factory(engine)) as session:
        load_demo(session, catalog=load_catalog(), limits=limits_of(Settings()))
        ids = addresses(session)
    engine.dispose()
    return url, ids


@contextmanager
def _served(url: str) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(Settings(database_url=url, secure_cookies=False))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _sign_in(page: Page, role: Role) -> None:
    page.goto("/login")
    page.locator("#f-email").fill(demo_email(role))
    page.locator("#f-password").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator('form[action="/login"] button[type="submit"]').click()


def _take(browser: Browser, base: str, ids: dict[str, str], only: set[str]) -> tuple[int, int]:
    """Every shot in every viewport and language; how many were saved and skipped."""
    saved = skipped = 0
    roles = sorted({shot.role for shot in MAIN_PAGES}, key=lambda r: r.value if r else "")
    for viewport, size in VIEWPORTS.items():
        for lang, locale in LANGUAGES.items():
            for role in roles:
                shots = [s for s in MAIN_PAGES if s.role == role and (not only or s.name in only)]
                if not shots:
                    continue
                context = browser.new_context(
                    base_url=base,
                    viewport=size,  # type: ignore[arg-type]
                    locale=locale,
                    extra_http_headers={"Accept-Language": f"{lang};q=1"},
                    is_mobile=viewport == "phone",
                    has_touch=viewport == "phone",
                )
                page = context.new_page()
                if role is not None:
                    _sign_in(page, role)
                for shot in shots:
                    done = _shoot(page, shot, ids, f"{shot.name}-{viewport}-{lang}.png")
                    saved, skipped = saved + done, skipped + (not done)
                context.close()
    return saved, skipped


def _shoot(page: Page, shot: MainPage, ids: dict[str, str], file_name: str) -> bool:
    answer = page.goto(shot.path.format(**ids))
    status = answer.status if answer else 0
    if status == 404:
        print(f"  skipped {file_name}: {shot.path} is not built yet (404)")
        return False
    if shot.role is not None and "/login" in page.url:
        raise SystemExit(f"signing in as {shot.role} failed: {shot.path} sent to {page.url}")
    if status != 200:
        raise SystemExit(f"{shot.path} answered {status} for {shot.role}")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / file_name), full_page=True)
    print(f"  saved {OUT / file_name}")
    return True


def main() -> None:
    """Build the demo, serve it, take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pages", nargs="*", help="only these (e.g. board tokens); default all")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit("Debian's chromium is not installed: run `make browser`")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        print("loading the demo data")
        url, ids = _demo(Path(folder))
        with _served(url) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            saved, skipped = _take(browser, base, ids, set(args.pages))
            browser.close()
    print(f"{saved} screenshots saved under {OUT}/, {skipped} skipped")


if __name__ == "__main__":
    main()
