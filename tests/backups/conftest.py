"""Databases of their own for backup tests (a restore replaces a whole database), and the CLI."""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from tests.conftest import POSTGRES_ADMIN_URL, _postgres
from tests.factories import check_result, heartbeat_spec, http_spec
from upwatch.domain.state import FlapPolicy
from upwatch.services.monitors import create_monitor
from upwatch.services.results import record_results
from upwatch.store.database import create_engine, session_factory
from upwatch.store.migrate import upgrade_to_head
from upwatch.store.tables import Base
from upwatch.store.urls import to_async_url

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
FLAP = FlapPolicy(threshold=5, window=timedelta(minutes=10))


class Database:
    """A migrated database that tests may fill, snapshot, drop and recreate."""

    def __init__(self, url: str, wipe: Any) -> None:
        self.url = url  # as users write it: postgresql:// or sqlite:///
        self.wipe = wipe

    @property
    def async_url(self) -> str:
        return to_async_url(self.url)

    def migrate(self) -> None:
        async def run() -> None:
            engine = create_engine(self.async_url)
            await upgrade_to_head(engine)
            await engine.dispose()

        asyncio.run(run())

    def add_monitors(self, count: int, *, name: str = "m") -> None:
        """``count`` monitors, each with a day of hourly results (some failures among them)."""

        async def run() -> None:
            engine = create_engine(self.async_url)
            async with session_factory(engine).begin() as session:
                for n in range(count):
                    spec = (heartbeat_spec if n % 2 else http_spec)(name=f"{name}{n}")
                    row = await create_monitor(session=session, spec=spec, now=T0)
                    results = [
                        check_result(row.id, T0 + timedelta(hours=h), latency_ms=10.0 + h)
                        for h in range(24)
                    ]
                    await record_results(session=session, results=results, flap=FLAP)
            await engine.dispose()

        asyncio.run(run())

    def execute(self, statement: str) -> None:
        async def run() -> None:
            engine = create_engine(self.async_url)
            async with engine.begin() as connection:
                await connection.execute(text(statement))
            await engine.dispose()

        asyncio.run(run())

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, in primary key order."""

        async def run() -> dict[str, list[tuple[Any, ...]]]:
            engine = create_engine(self.async_url)
            rows = {}
            async with engine.connect() as connection:
                for table in Base.metadata.sorted_tables:
                    query = select(table).order_by(*table.primary_key.columns)
                    rows[table.name] = [tuple(row) for row in await connection.execute(query)]
            await engine.dispose()
            return rows

        return asyncio.run(run())


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Database:
    path = tmp_path / "data" / "upwatch.db"

    def wipe() -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    database = Database(f"sqlite:///{path}", wipe)
    database.migrate()
    return database


@pytest.fixture
def postgresql_database() -> Iterator[Database]:
    name = f"upwatch_backup_{uuid.uuid4().hex[:10]}"
    server = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]

    def wipe() -> None:
        asyncio.run(_postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(_postgres(f'CREATE DATABASE "{name}"'))

    asyncio.run(_postgres(f'CREATE DATABASE "{name}"'))
    database = Database(f"{server}/{name}", wipe)
    database.migrate()
    yield database
    asyncio.run(_postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def whole_database(request: pytest.FixtureRequest) -> Database:
    """Each engine in turn, in a database of its own: a restore replaces all of it."""
    fixture: Database = request.getfixturevalue(f"{request.param}_database")
    return fixture


def upwatch(database: Database, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The ``upwatch`` command as an operator runs it, against ``database``."""
    environment = {
        **os.environ,
        "UPWATCH_DATABASE_URL": database.url,
        "UPWATCH_LOG_LEVEL": "warning",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "upwatch", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
