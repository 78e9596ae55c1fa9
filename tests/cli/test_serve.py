"""`tightnut serve` as a real process: it says where it listens, and it listens there."""

from __future__ import annotations

import os
import selectors
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

TIGHTNUT = Path(sys.executable).with_name("tightnut")
START_TIMEOUT_S = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _first_line(process: subprocess.Popen[str]) -> str:
    """The first line the process prints on stdout (empty if it prints none in time)."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=START_TIMEOUT_S):
            return ""
    return process.stdout.readline()


def _answers(url: str) -> int:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            return httpx.get(url, timeout=2.0).status_code
        except httpx.TransportError:
            time.sleep(0.1)
    return 0


def test_serve_prints_the_address_from_the_settings_and_answers_there(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "TIGHTNUT_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "TIGHTNUT_HOST": "127.0.0.1",
        "TIGHTNUT_PORT": str(port),
    }
    upgraded = subprocess.run([str(TIGHTNUT), "db", "upgrade"], env=env, capture_output=True)
    assert upgraded.returncode == 0, upgraded.stderr
    process = subprocess.Popen(
        [str(TIGHTNUT), "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        announced = _first_line(process)
        assert f"http://127.0.0.1:{port}" in announced
        assert _answers(f"http://127.0.0.1:{port}/healthz") == 200
    finally:
        process.terminate()
        process.wait(timeout=15)
