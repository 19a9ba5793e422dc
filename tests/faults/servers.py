"""Throwaway PostgreSQL and Redis servers that a fault test may stop, kill and start again.

Each runs on a free port of 127.0.0.1 with its files in a temporary directory of its own, so
breaking it never touches the shared servers other tests use.
"""

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from tests.e2e.conftest import free_port

START_TIMEOUT = 30


def _postgres_bin_dir() -> Path | None:
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(Path(path).parent.name)
    )
    if versions:
        return Path(versions[-1])
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


class ThrowawayPostgres:
    """A PostgreSQL cluster made with initdb, trust authentication, controlled with pg_ctl.

    initdb refuses to run as root, so as root the binaries run as the ``postgres`` OS user.
    """

    def __init__(self, bin_dir: Path) -> None:
        self._bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="upwatch-pg-"))
        self.port = free_port()
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._as_root = os.geteuid() == 0
        if self._as_root:
            shutil.chown(self.root, user="postgres", group="postgres")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self._bin / tool), *args]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=START_TIMEOUT + 30, check=False
        )
        assert done.returncode == 0, f"{tool} {args[:1]} failed:\n{done.stdout}{done.stderr}"

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        options = " ".join(
            (
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.root}",
                "-c max_connections=200",
                # Durability across a crash of this machine is not what these tests are about.
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
            )
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
            "-w", "-t", str(START_TIMEOUT), "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """``fast`` disconnects every client and shuts down cleanly; ``immediate`` is a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def cleanup(self) -> None:
        if self.running:
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    bin_dir = _postgres_bin_dir()
    if bin_dir is None or not (bin_dir / "initdb").exists():
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    server = ThrowawayPostgres(bin_dir)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.cleanup()


class ThrowawayRedis:
    """An in-memory redis-server (no RDB, no AOF) on a port of its own."""

    def __init__(self, executable: str, root: Path) -> None:
        self._executable = executable
        self._log = root / "redis.log"
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        with self._log.open("ab") as sink:
            self.process = subprocess.Popen(
                [
                    self._executable,
                    "--port", str(self.port),
                    "--bind", "127.0.0.1",
                    "--save", "",
                    "--appendonly", "no",
                    "--daemonize", "no",
                ],
                stdout=sink,
                stderr=sink,
            )  # fmt: skip
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + START_TIMEOUT
        try:
            while time.monotonic() < deadline:
                assert self.process.poll() is None, self._log.read_text(errors="replace")
                try:
                    if client.ping():
                        return
                except redis.ConnectionError:
                    time.sleep(0.05)
        finally:
            client.close()
        raise AssertionError(f"redis-server not up:\n{self._log.read_text(errors='replace')}")

    def kill(self) -> None:
        """SIGKILL, as a crashed broker host: whatever it held in memory is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@contextmanager
def throwaway_redis(root: Path) -> Iterator[ThrowawayRedis]:
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.skip("redis-server is not installed")
    server = ThrowawayRedis(executable, root)
    try:
        server.start()
        yield server
    finally:
        server.kill()
