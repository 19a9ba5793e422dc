"""Migration 0010 (compact check_results) converts every stored result, both ways, on SQLite
and on PostgreSQL (day partitions and the overflow partition included)."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import POSTGRES_ADMIN_URL
from tests.factories import http_spec
from upwatch.services.monitors import create_monitor
from upwatch.store.database import create_engine, session_factory
from upwatch.store.migrate import alembic_config
from upwatch.store.tables import CheckResultRow
from upwatch.store.urls import to_async_url

NOW = datetime.now(UTC).replace(microsecond=0)
OLD_ROWS = [
    # scheduled_at, outcome, latency_ms, status_code, error, details
    (NOW - timedelta(minutes=2), "up", 12.3, 200, None, "{}"),
    (NOW - timedelta(minutes=1), "down", 1500.25, 503, "HTTP 503", '{"timings": {"dns_ms": 1.5}}'),
    (NOW - timedelta(days=500), "up", None, None, None, '{"ping": "success"}'),
]


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def blank(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on a database of its own that no migration has touched yet."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'upwatch.db'}")
        yield engine
        await engine.dispose()
        return
    name = f"upwatch_test_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}"')
    engine = create_engine(to_async_url(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"))
    try:
        yield engine
    finally:
        await engine.dispose()
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _migrate(engine: AsyncEngine, to: str) -> None:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        if to == "0009":
            command.downgrade(config, to)
        else:
            command.upgrade(config, to)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def _rows(engine: AsyncEngine, columns: str) -> list[Any]:
    async with engine.connect() as connection:
        found = await connection.execute(
            text(f"SELECT {columns} FROM check_results ORDER BY scheduled_at")  # noqa: S608
        )
        return list(found)


async def test_every_result_survives_the_upgrade_and_the_downgrade(blank: AsyncEngine) -> None:
    await _migrate(blank, "head")
    async with session_factory(blank).begin() as session:
        monitor_id = (await create_monitor(session=session, spec=http_spec(), now=NOW)).id
    await _migrate(blank, "0009")
    async with blank.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO check_results (monitor_id, scheduled_at, started_at, outcome, "
                "latency_ms, status_code, error, details) VALUES (:monitor_id, :at, :at, "
                ":outcome, :latency, :code, :error, :details)"
            ),
            [
                {
                    "monitor_id": monitor_id,
                    "at": at if blank.dialect.name == "postgresql" else at.replace(tzinfo=None),
                    "outcome": outcome,
                    "latency": latency,
                    "code": code,
                    "error": error,
                    "details": details,
                }
                for at, outcome, latency, code, error, details in OLD_ROWS
            ],
        )

    await _migrate(blank, "head")

    async with session_factory(blank)() as session:
        stored = (
            await session.scalars(select(CheckResultRow).order_by(CheckResultRow.scheduled_at))
        ).all()
    assert [
        (r.scheduled_at, r.outcome, r.latency_ms, r.status_code, r.error, r.details) for r in stored
    ] == [
        (OLD_ROWS[2][0], "up", None, None, None, {"ping": "success"}),
        (OLD_ROWS[0][0], "up", 12.3, 200, None, {}),
        (OLD_ROWS[1][0], "down", 1500.25, 503, "HTTP 503", {"timings": {"dns_ms": 1.5}}),
    ]
    assert [row.empty for row in await _rows(blank, "details IS NULL AS empty")] == [
        False,
        True,
        False,
    ]

    await _migrate(blank, "0009")

    back = await _rows(blank, "id, outcome, CAST(details AS TEXT) AS details")
    assert [(row.id, row.outcome) for row in back] == [(1, "up"), (2, "up"), (3, "down")]
    assert back[1].details == "{}"
    await _migrate(blank, "head")
    assert len(await _rows(blank, "outcome")) == len(OLD_ROWS)
