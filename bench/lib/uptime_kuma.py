"""Uptime Kuma (2.x) installed elsewhere, run here on SQLite with a number of HTTP monitors.

Its monitors are created through its socket.io API, as its web UI creates them. Adding one there
sends the whole monitor list back, so adding hundreds takes minutes: one monitor is added, and
its stored row is copied for the others while Kuma is stopped. On start Kuma starts its monitors
one by one, 0.3 to 1 s apart, so the harness waits until every one has reported.
"""

import asyncio
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import socketio

from bench.lib.proc import Processes, free_port, wait_http

USER, PASSWORD = "bench", "bench-password-1"
# Kuma checks for a newer release on the internet as it starts; pointed at a proxy on a closed
# local port, that request fails here instead of leaving the machine. Its checks of 127.0.0.1
# bypass the proxy.
CLOSED_LOCAL_PORT = 9
KUMA_TIME = "%Y-%m-%d %H:%M:%S.%f"
"""How Kuma stores a heartbeat's time: UTC, in milliseconds."""


def server_script(path: Path) -> Path | None:
    """Kuma's entry point in ``path`` (an npm install's package or a git checkout)."""
    for root in (path, path / "node_modules" / "uptime-kuma"):
        if (root / "server" / "server.js").exists():
            return root
    return None


def kuma_version(root: Path) -> str:
    version: str = json.loads((root / "package.json").read_text())["version"]
    return version


class UptimeKuma:
    """One Kuma server on a free port, its data in ``data``; ``start`` then ``add_monitors``."""

    def __init__(self, processes: Processes, root: Path, data: Path) -> None:
        self._processes = processes
        self._root = root
        self._data = data
        self._port = free_port()
        self._started_at = datetime.now(UTC)
        data.mkdir(parents=True, exist_ok=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def database(self) -> Path:
        return self._data / "kuma.db"

    def start(self) -> int:
        """Start Kuma and wait until it answers; its pid."""
        proxy = f"http://127.0.0.1:{CLOSED_LOCAL_PORT}"
        env = {
            # Built afresh, so that no proxy settings of the harness's own reach Kuma.
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "NODE_ENV": "production",
            "DATA_DIR": f"{self._data}/",
            "UPTIME_KUMA_DB_TYPE": "sqlite",
            "UPTIME_KUMA_HOST": "127.0.0.1",
            "UPTIME_KUMA_PORT": str(self._port),
            "HTTP_PROXY": proxy,
            "HTTPS_PROXY": proxy,
            "NO_PROXY": "127.0.0.1,localhost",
        }
        self._started_at = datetime.now(UTC)
        child = self._processes.start(
            "uptime-kuma", ["node", "server/server.js"], env=env, cwd=self._root
        )
        wait_http(f"{self.base}/api/entry-page", timeout=120, processes=self._processes)
        return child.pid

    def stop(self) -> None:
        self._processes.stop("uptime-kuma")

    def add_monitors(self, count: int, url: str, interval: int, check_timeout: int) -> None:
        """``count`` HTTP monitors of ``url``; Kuma is restarted with all of them."""
        asyncio.run(self._add_through_api(url, interval, check_timeout))
        self.stop()
        with closing(sqlite3.connect(self.database)) as db, db:
            columns = [
                row[1]
                for row in db.execute("PRAGMA table_info(monitor)")
                if row[1] not in ("id", "name")
            ]
            listed = ", ".join(f'"{column}"' for column in columns)
            (template,) = db.execute("SELECT min(id) FROM monitor").fetchone()
            # The column names are Kuma's own, read from its schema just above.
            copy = (
                f"INSERT INTO monitor (name, {listed}) SELECT ?, {listed} FROM monitor WHERE id = ?"  # noqa: S608
            )
            db.executemany(copy, [(f"bench-{n}", template) for n in range(2, count + 1)])
        self.start()

    async def _add_through_api(self, url: str, interval: int, check_timeout: int) -> None:
        client = socketio.AsyncClient()
        await client.connect(self.base, transports=["websocket"])
        try:
            _ok(await client.call("setup", (USER, PASSWORD), timeout=60), "setup")
            login = {"username": USER, "password": PASSWORD, "token": ""}
            _ok(await client.call("login", login, timeout=60), "login")
            monitor = {
                "type": "http",
                "name": "bench-1",
                "url": url,
                "method": "GET",
                "interval": interval,
                "retryInterval": interval,
                "resendInterval": 0,
                "maxretries": 0,
                "timeout": check_timeout,
                "maxredirects": 10,
                "accepted_statuscodes": ["200-299"],
                "notificationIDList": {},
                "ignoreTls": False,
                "upsideDown": False,
                "httpBodyEncoding": "json",
                "kafkaProducerBrokers": [],
                "kafkaProducerSaslOptions": {"mechanism": "None"},
            }
            _ok(await client.call("add", monitor, timeout=60), "add")
        finally:
            await client.disconnect()

    def wait_all_reporting(self, count: int, timeout: float) -> None:
        """Until every monitor has stored a heartbeat since the last start."""
        deadline = time.monotonic() + timeout
        since = _kuma_time(self._started_at)
        reporting = 0
        while time.monotonic() < deadline:
            self._processes.ensure_running()
            with self._read() as db:
                (reporting,) = db.execute(
                    "SELECT count(DISTINCT monitor_id) FROM heartbeat WHERE time >= ?", (since,)
                ).fetchone()
            if reporting >= count:
                return
            time.sleep(1)
        raise RuntimeError(
            f"Uptime Kuma: {reporting} of {count} monitors reported in {timeout:.0f} s"
        )

    def heartbeats(self, start: datetime, end: datetime) -> dict[str, int]:
        """Heartbeats stored in [start, end) (UTC), by status."""
        names = {0: "down", 1: "up", 2: "pending", 3: "maintenance"}
        with self._read() as db:
            rows = db.execute(
                "SELECT status, count(*) FROM heartbeat"
                " WHERE time >= ? AND time < ? GROUP BY status",
                (_kuma_time(start), _kuma_time(end)),
            ).fetchall()
        return {names.get(status, str(status)): n for status, n in rows}

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=30)) as db:
            yield db


def _kuma_time(moment: datetime) -> str:
    return moment.strftime(KUMA_TIME)[:-3]


def _ok(answer: dict[str, object], step: str) -> None:
    if not answer.get("ok"):
        raise RuntimeError(f"Uptime Kuma refused {step}: {answer.get('msg')}")
