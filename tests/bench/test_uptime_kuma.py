"""Reading an Uptime Kuma install and the heartbeats it stored."""

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.lib.proc import Processes
from bench.lib.uptime_kuma import UptimeKuma, server_script

# The columns of Kuma 2.0's heartbeat table that the harness reads, as Kuma writes them: the
# time as naive UTC text with milliseconds.
HEARTBEATS = "CREATE TABLE heartbeat (id INTEGER PRIMARY KEY, monitor_id INTEGER, status INTEGER, time DATETIME)"  # noqa: E501


def test_the_server_is_found_in_a_checkout_and_in_an_npm_install(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    (checkout / "server").mkdir(parents=True)
    (checkout / "server" / "server.js").touch()
    npm = tmp_path / "npm"
    package = npm / "node_modules" / "uptime-kuma"
    (package / "server").mkdir(parents=True)
    (package / "server" / "server.js").touch()

    assert server_script(checkout) == checkout
    assert server_script(npm) == package
    assert server_script(tmp_path) is None


def test_heartbeats_are_counted_by_status_within_the_window_to_the_millisecond(
    tmp_path: Path,
) -> None:
    kuma = UptimeKuma(Processes(tmp_path), tmp_path, tmp_path / "kuma")
    start = datetime(2026, 12, 6, 23, 0, 0, 500_000, tzinfo=UTC)
    end = start + timedelta(seconds=60)
    stored = [
        (1, 1, "2026-12-06 23:00:00.499"),  # a millisecond before the window
        (1, 1, "2026-12-06 23:00:00.500"),
        (2, 1, "2026-12-06 23:00:30.000"),
        (3, 0, "2026-12-06 23:00:59.999"),
        (3, 1, "2026-12-06 23:01:00.500"),  # the window's end is not in it
    ]
    with closing(sqlite3.connect(kuma.database)) as db, db:
        db.execute(HEARTBEATS)
        db.executemany("INSERT INTO heartbeat (monitor_id, status, time) VALUES (?, ?, ?)", stored)

    assert kuma.heartbeats(start, end) == {"up": 2, "down": 1}
