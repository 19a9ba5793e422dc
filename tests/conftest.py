"""Fixtures shared by the whole suite: databases (SQLite and the real PostgreSQL) and a clock."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from upwatch.store.database import create_engine, session_factory
from upwatch.store.migrate import upgrade_to_head
from upwatch.store.tables import Base
from upwatch.store.urls import to_async_url

POSTGRES_ADMIN_URL = os.environ.get(
    "UPWATCH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


class Clock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC))


async def _postgres(sql: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of its own on the shared server, migrated once, dropped at the end."""
    name = f"upwatch_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_postgres(f'CREATE DATABASE "{name}"'))
    url = to_async_url(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")

    async def migrate() -> None:
        engine = create_engine(url)
        await upgrade_to_head(engine)
        await engine.dispose()

    asyncio.run(migrate())
    yield url
    asyncio.run(_postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'upwatch.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty database on each engine."""
    engine = create_engine(database_url)
    if engine.dialect.name == "sqlite":
        await upgrade_to_head(engine)
    else:
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(database: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(database)


pytest_plugins = ["tests.brokers", "tests.receivers"]
