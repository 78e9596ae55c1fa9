"""The API docs page works in a real browser under its Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, expect

from reliability.serverproc import serving

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`tightnut serve` as a real process; the docs page needs no database."""
    folder = Path(tmp_path_factory.mktemp("docs"))
    with serving(f"sqlite:///{folder / 'docs.db'}", log_path=folder / "server.log") as running:
        yield running.url


def test_swagger_ui_lists_the_operations_and_breaks_no_policy(
    server: str, browser: Browser
) -> None:
    complaints: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            complaints.append(message.text)

    context = browser.new_context()
    try:
        page = context.new_page()
        page.on("console", note)
        answer = page.goto(f"{server}/docs")
        assert answer is not None
        assert answer.status == 200
        policy = answer.headers["content-security-policy"]
        expect(page.locator(".opblock-summary-path", has_text="/api/v1/auth/token")).to_be_visible()
        operations = page.locator(".opblock").count()
    finally:
        context.close()
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert operations > 40
    assert complaints == []
