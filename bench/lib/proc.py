"""Child processes: started in sessions of their own, optionally pinned, always stopped."""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = REPO / ".venv" / "bin"
UPWATCH = [str(VENV_BIN / "python"), "-m", "upwatch"]
PYTHON = str(VENV_BIN / "python")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pinned(command: Sequence[str], cpus: str | None) -> list[str]:
    """``command`` under ``taskset -c cpus`` when a CPU list is given."""
    return ["taskset", "-c", cpus, *command] if cpus else list(command)


class Processes:
    """Named children; on exit every one still running gets SIGTERM, then SIGKILL."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.children: dict[str, subprocess.Popen[bytes]] = {}

    def start(
        self,
        name: str,
        command: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cpus: str | None = None,
        cwd: Path | None = None,
    ) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("ab") as sink:
            child = subprocess.Popen(  # noqa: S603 - commands the harness builds itself
                pinned(command, cpus),
                env=dict(env) if env is not None else None,
                stdout=sink,
                stderr=sink,
                cwd=cwd,
                start_new_session=True,
            )
        self.children[name] = child
        return child

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def ensure_running(self) -> None:
        for name, child in self.children.items():
            if child.poll() is not None:
                tail = self.log(name)[-2000:]
                raise RuntimeError(f"{name} exited with {child.returncode}:\n{tail}")

    def sleep_until(self, moment: datetime) -> None:
        """Sleep until ``moment``, failing early if a child died meanwhile."""
        while (left := (moment - datetime.now(UTC)).total_seconds()) > 0:
            self.ensure_running()
            time.sleep(min(left, 1.0))

    def stop(self, name: str, timeout: float = 30) -> None:
        child = self.children.pop(name)
        _stop(child, timeout)

    def stop_all(self, timeout: float = 30) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in self.children.values():
            _stop(child, timeout)
        self.children.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop_all()


def _stop(child: subprocess.Popen[bytes], timeout: float) -> None:
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
    try:
        child.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        # The whole session: Celery's pool processes and the like go too.
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=10)


def wait_http(url: str, *, timeout: float = 60, processes: Processes | None = None) -> None:
    """Until ``url`` answers 200; fails early if a child of ``processes`` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if processes is not None:
            processes.ensure_running()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s")


def wait_port(port: int, *, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def run(
    command: Sequence[str], *, env: Mapping[str, str] | None = None, timeout: float = 600
) -> str:
    """Run to completion; its stdout, or an error with its output."""
    done = subprocess.run(  # noqa: S603 - commands the harness builds itself
        list(command),
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}"
        )
    return done.stdout
