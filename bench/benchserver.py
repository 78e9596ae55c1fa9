"""`tightnut serve` as a real process for a benchmark, on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

TIGHTNUT = Path(sys.executable).with_name("tightnut")
START_TIMEOUT_S = 60.0


class Server:
    """`tightnut serve` on a free loopback port, in its own process group."""

    def __init__(self, url: str, workers: int, log_path: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port: int = sock.getsockname()[1]
        env = {**os.environ, "TIGHTNUT_DATABASE_URL": url}
        command = [str(TIGHTNUT), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, "--workers", str(workers)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.log_path = log_path
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"tightnut serve exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                httpx.get(f"{self.base_url}/healthz", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise SystemExit("tightnut serve did not answer within 60 s")

    def stop(self) -> None:
        """SIGTERM the process group and wait."""
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
