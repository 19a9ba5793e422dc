"""Logs: JSON lines on stderr, and `serve`'s optional daily log file kept a set number of days."""

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from logging.handlers import TimedRotatingFileHandler
from pathlib import Path

import httpx
import pytest
import structlog

from tests.e2e.conftest import free_port
from upwatch.logs import configure_logging


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers, root.level = handlers, level
    structlog.reset_defaults()


def _file_handler() -> TimedRotatingFileHandler:
    (handler,) = [
        h for h in logging.getLogger().handlers if isinstance(h, TimedRotatingFileHandler)
    ]
    return handler


def test_the_log_file_gets_json_lines_whatever_the_console_format(tmp_path: Path) -> None:
    file = tmp_path / "logs" / "upwatch.log"
    configure_logging(level="info", fmt="console", file=file)
    structlog.get_logger("upwatch.test").info("check done", monitor_id=7)
    logging.getLogger("uvicorn.error").warning("plain stdlib record")
    _file_handler().flush()

    lines = [json.loads(line) for line in file.read_text().splitlines()]
    assert lines[0]["event"] == "check done"
    assert lines[0]["monitor_id"] == 7
    assert lines[0]["level"] == "info"
    assert lines[0]["timestamp"].endswith("Z")
    assert lines[1]["event"] == "plain stdlib record"
    assert _file_handler().when == "MIDNIGHT"
    assert _file_handler().utc


def test_rotation_keeps_the_newest_days_and_deletes_older_files(tmp_path: Path) -> None:
    file = tmp_path / "upwatch.log"
    today = datetime.now(UTC).date()  # the handler names files by UTC day
    rotated_before = [f"upwatch.log.{today - timedelta(days=d)}" for d in range(2, 12)]
    for name in rotated_before:
        (tmp_path / name).write_text("{}\n")
    (tmp_path / "upwatch.log.notes").write_text("not a rotated log")
    configure_logging(level="info", fmt="json", file=file, file_keep_days=3)
    structlog.get_logger().info("yesterday's last line")

    _file_handler().doRollover()
    structlog.get_logger().info("today's first line")
    _file_handler().flush()

    rotated = sorted(p.name for p in tmp_path.glob("upwatch.log.*-*-*"))
    assert len(rotated) == 3
    assert rotated[:2] == sorted(rotated_before)[-2:]  # the newest of the old ones
    assert "yesterday's last line" in (tmp_path / rotated[-1]).read_text()
    assert json.loads(file.read_text())["event"] == "today's first line"
    assert (tmp_path / "upwatch.log.notes").exists()


def test_only_serve_writes_the_log_file(tmp_path: Path) -> None:
    log_file = tmp_path / "upwatch.log"
    port = free_port()
    env = {
        **os.environ,
        "UPWATCH_DATA_DIR": str(tmp_path / "data"),
        "UPWATCH_PORT": str(port),
        "UPWATCH_LOG_FILE": str(log_file),
    }
    env.pop("UPWATCH_DATABASE_URL", None)
    token = subprocess.run(
        [sys.executable, "-m", "upwatch", "token", "create", "--name", "t"],
        env=env,
        capture_output=True,
        timeout=60,
        check=True,
    )
    assert token.returncode == 0
    assert not log_file.exists()

    server = subprocess.Popen(
        [sys.executable, "-m", "upwatch", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_ready(f"http://127.0.0.1:{port}/ready")
    finally:
        server.terminate()
        server.wait(timeout=30)
    events = [json.loads(line)["event"] for line in log_file.read_text().splitlines()]
    assert "Application startup complete." in events


def _wait_until_ready(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} never answered 200")
