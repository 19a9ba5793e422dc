"""The `upwatch` command as users run it: a real process, a temporary data directory."""

import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


def run(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "UPWATCH_DATA_DIR": str(data_dir)}
    environment.pop("UPWATCH_DATABASE_URL", None)
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "upwatch", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


GOOD = """\
monitors:
  - name: API
    kind: http
    url: http://127.0.0.1:9/health
    interval: 30
  - name: backup
    kind: heartbeat
    cron: "0 3 * * *"
    timezone: Europe/Berlin
    grace: 600
"""

BAD_ON_LINE_8 = """\
monitors:
  - name: fine
    kind: tcp
    host: 127.0.0.1
    port: 22
  - name: broken
    kind: http
    interval: 5
    url: http://127.0.0.1:9/
"""


def test_token_create_prints_the_token_on_its_last_line(tmp_path: Path) -> None:
    result = run(tmp_path, "token", "create", "--name", "ci", "--read-only")
    assert result.returncode == 0, result.stderr
    *_, token = result.stdout.strip().splitlines()
    assert token.startswith("uw_")
    assert len(token) > 40


def test_import_then_export_round_trips(tmp_path: Path) -> None:
    source = tmp_path / "monitors.yaml"
    source.write_text(GOOD)
    imported = run(tmp_path, "monitors", "import", str(source))
    assert imported.returncode == 0, imported.stderr
    assert "2 created, 0 updated" in imported.stdout
    again = run(tmp_path, "monitors", "import", str(source))
    assert "0 created, 2 updated" in again.stdout

    exported = run(tmp_path, "monitors", "export")
    assert exported.returncode == 0, exported.stderr
    assert "name: API" in exported.stdout
    assert "cron: 0 3 * * *" in exported.stdout or "cron: '0 3 * * *'" in exported.stdout


def test_a_bad_file_names_file_line_and_field_and_imports_nothing(tmp_path: Path) -> None:
    source = tmp_path / "monitors.yaml"
    source.write_text(BAD_ON_LINE_8)
    result = run(tmp_path, "monitors", "import", str(source))
    assert result.returncode == 2
    assert f"{source}:8: monitors[1].interval:" in result.stderr
    exported = run(tmp_path, "monitors", "export")
    assert "fine" not in exported.stdout


def test_import_refuses_metadata_targets_and_imports_nothing(tmp_path: Path) -> None:
    source = tmp_path / "monitors.yaml"
    source.write_text(
        GOOD + "  - name: steal\n    kind: http\n    url: http://169.254.169.254/latest/\n"
    )
    result = run(tmp_path, "monitors", "import", str(source))
    assert result.returncode == 2
    assert "monitors[2]" in result.stderr
    assert "target refused" in result.stderr
    assert "API" not in run(tmp_path, "monitors", "export").stdout


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/ok" else 500)
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def http_target() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_check_url_prints_the_result_and_exits_by_outcome(tmp_path: Path, http_target: str) -> None:
    up = run(tmp_path, "check", "--url", f"{http_target}/ok")
    assert (up.returncode, up.stdout.split()[0]) == (0, "UP"), up.stderr
    down = run(tmp_path, "check", "--url", f"{http_target}/broken")
    assert (down.returncode, down.stdout.split()[0]) == (1, "DOWN")
    assert "500" in down.stdout


def test_check_refuses_private_targets_when_disallowed(tmp_path: Path, http_target: str) -> None:
    result = run(
        tmp_path, "check", "--url", f"{http_target}/ok", UPWATCH_ALLOW_PRIVATE_TARGETS="false"
    )
    assert result.returncode == 1
    assert "refused" in result.stdout


def test_an_unreachable_database_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "token",
        "create",
        "--name",
        "x",
        UPWATCH_DATABASE_URL="postgresql://postgres@127.0.0.1:1/none",
    )
    assert result.returncode == 2
    assert "error: database unreachable" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unsupported_database_url_is_named(tmp_path: Path) -> None:
    result = run(tmp_path, "db", "upgrade", UPWATCH_DATABASE_URL="mysql://u@h/db")
    assert result.returncode == 2
    assert "unsupported database 'mysql'" in result.stderr


def test_a_database_migrated_by_a_newer_upwatch_is_named_and_left_alone(tmp_path: Path) -> None:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    with closing(sqlite3.connect(tmp_path / "upwatch.db")) as database, database:
        database.execute("UPDATE alembic_version SET version_num = 'f00dfeed0000'")

    result = run(tmp_path, "db", "upgrade")

    assert result.returncode == 2
    assert "migrated by a newer upwatch" in result.stderr
    assert "Traceback" not in result.stderr
    with closing(sqlite3.connect(tmp_path / "upwatch.db")) as database:
        (revision,) = database.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == "f00dfeed0000"


def test_maintenance_add_list_and_delete(tmp_path: Path) -> None:
    added = run(
        tmp_path,
        *("maintenance", "add", "--name", "db upgrade", "--tag", "db", "--cron", "0 2 * * 0"),
        *("--duration", "2h", "--timezone", "Europe/Berlin"),
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added maintenance window 1"
    unknown = run(
        tmp_path,
        *("maintenance", "add", "--name", "x", "--monitor", "5"),
        *("--start", "2026-12-01T10:00:00Z", "--end", "2026-12-01T11:00:00Z"),
    )
    assert unknown.returncode == 2
    assert "monitor_ids[0]: monitor 5 does not exist" in unknown.stderr
    backwards = run(
        tmp_path,
        *("maintenance", "add", "--name", "x", "--tag", "db"),
        *("--start", "2026-12-01T10:00:00Z", "--end", "2026-12-01T09:00:00Z"),
    )
    assert backwards.returncode == 2
    assert "ends_at: Value error, ends_at must be after starts_at" in backwards.stderr

    listed = run(tmp_path, "maintenance", "list")
    assert listed.returncode == 0, listed.stderr
    (line,) = listed.stdout.splitlines()  # the refused ones stored nothing
    assert line.split("\t")[:4] == [
        "1",
        "db upgrade",
        "cron 0 2 * * 0 for 7200s (Europe/Berlin)",
        "tag db",
    ]

    assert run(tmp_path, "maintenance", "delete", "1").returncode == 0
    missing = run(tmp_path, "maintenance", "delete", "1")
    assert missing.returncode == 2
    assert "error: maintenance window 1 does not exist" in missing.stderr
