"""`tightnut serve` as production runs it: several workers, behind a proxy, no Server header."""

from __future__ import annotations

from pathlib import Path

import httpx

from reliability.serverproc import serving
from tightnut.db import make_engine
from tightnut.migrate import upgrade


def test_serve_runs_the_asked_workers_names_no_server_and_believes_the_local_proxy(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    log_path = tmp_path / "server.log"
    with serving(url, log_path=log_path, workers=2) as server:
        plain = httpx.get(f"{server.url}/healthz")
        proxied = httpx.get(f"{server.url}/healthz", headers={"X-Forwarded-Proto": "https"})
        ready = httpx.get(f"{server.url}/readyz")
    assert plain.status_code == 200, plain.text
    assert "server" not in plain.headers
    assert "strict-transport-security" not in plain.headers
    assert proxied.status_code == 200
    assert "strict-transport-security" in proxied.headers  # HTTPS as the proxy reported it
    assert ready.status_code == 200, ready.text
    assert log_path.read_text().count("Started server process") == 2
