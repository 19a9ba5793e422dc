"""Real ``upwatch`` processes on free ports with temporary data directories."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

UPWATCH = [sys.executable, "-m", "upwatch"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Upwatch:
    base_url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*UPWATCH, *args], env=self.env, capture_output=True, text=True, timeout=60, check=False
        )

    def client(self, token: str = "") -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )


@pytest.fixture
def upwatch(tmp_path: Path) -> Iterator[Upwatch]:
    port = free_port()
    env = {
        **os.environ,
        "UPWATCH_DATA_DIR": str(tmp_path / "data"),
        "UPWATCH_PORT": str(port),
        "UPWATCH_LOG_FORMAT": "json",
        # Alerts go out at once: grouping is tested on its own, with a clock the test moves.
        "UPWATCH_ALERT_GROUP_WAIT_SECONDS": "0",
    }
    env.pop("UPWATCH_DATABASE_URL", None)
    log = tmp_path / "upwatch.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([*UPWATCH, "serve"], env=env, stdout=sink, stderr=sink)
    instance = Upwatch(f"http://127.0.0.1:{port}", env, process, log)
    try:
        _wait_ready(instance)
        yield instance
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    # uvicorn re-raises SIGTERM once it has shut down cleanly, as a process killed by it would.
    output = log.read_text()
    assert process.returncode in (0, -signal.SIGTERM), output[-3000:]
    assert "Application shutdown complete" in output, output[-3000:]


def _wait_ready(instance: Upwatch) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if instance.process.poll() is not None:
            raise AssertionError(f"upwatch exited early:\n{instance.log.read_text()}")
        try:
            if httpx.get(f"{instance.base_url}/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"upwatch not ready in 30 s:\n{instance.log.read_text()}")
