"""A real fleet of ``upwatch`` role processes on a database and a broker of their own."""

import asyncio
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from tests.conftest import POSTGRES_ADMIN_URL
from tests.e2e.conftest import UPWATCH, free_port


@dataclass
class Fleet:
    env: dict[str, str]
    logs: Path
    api_url: str = ""
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, *command: str) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("ab") as sink:
            # A session of its own, so a kill reaches the role's child processes too.
            process = subprocess.Popen(
                [*UPWATCH, *command],
                env=self.env,
                stdout=sink,
                stderr=sink,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*UPWATCH, *args], env=self.env, capture_output=True, text=True, timeout=60, check=False
        )

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def stop(self, name: str, signum: int = signal.SIGTERM, timeout: float = 30) -> int:
        process = self.processes[name]
        if process.poll() is None:
            process.send_signal(signum)
        return process.wait(timeout=timeout)

    def kill(self, name: str) -> None:
        """SIGKILL the role and every process it started, as a crashed host would."""
        process = self.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def leader(self) -> str | None:
        leaders = [
            name
            for name, process in self.processes.items()
            if name.startswith("scheduler")
            and process.poll() is None
            and "this scheduler leads" in self.log(name)
        ]
        return leaders[-1] if leaders else None

    def start_api(self, name: str = "api") -> None:
        """Start an api role on a new port; ``api_url`` then points at it."""
        port = free_port()
        self.env["UPWATCH_PORT"] = str(port)
        self.api_url = f"http://127.0.0.1:{port}"
        self.start(name, "api")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.api_url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError(f"api not up:\n{self.log(name)}")

    @property
    def database_url(self) -> str:
        """The fleet's own database, as a plain ``postgresql://`` URL (asyncpg takes it too)."""
        return self.env["UPWATCH_DATABASE_URL"]

    def token(self) -> str:
        created = self.cli("token", "create", "--name", "fleet")
        assert created.returncode == 0, created.stderr
        return created.stdout.strip().splitlines()[-1]


def _admin(sql: str, admin_url: str = POSTGRES_ADMIN_URL) -> None:
    async def run() -> None:
        connection = await asyncpg.connect(admin_url)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    # Callers may be inside a running event loop: give the statement a loop of its own.
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, run()).result()


@contextmanager
def fleet(
    tmp_path: Path, broker_url: str, *, admin_url: str = POSTGRES_ADMIN_URL, **extra_env: str
) -> Iterator[Fleet]:
    """A database of its own on the PostgreSQL server ``admin_url`` points at (default: the
    shared one), dropped afterwards; role processes still running at the end get SIGTERM."""
    name = f"upwatch_fleet_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"', admin_url)
    database_url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    env = {
        **os.environ,
        "UPWATCH_DATABASE_URL": database_url,
        "UPWATCH_BROKER_URL": broker_url,
        "UPWATCH_LOG_FORMAT": "json",
        "UPWATCH_WORKER_CONCURRENCY": "1",
        **extra_env,
    }
    instance = Fleet(env=env, logs=tmp_path)
    migrated = instance.cli("db", "upgrade")
    assert migrated.returncode == 0, migrated.stderr
    try:
        yield instance
    finally:
        for process in instance.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in instance.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', admin_url)
