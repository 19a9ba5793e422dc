"""Engine and session factory for SQLite (WAL) and PostgreSQL (asyncpg)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Insert, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from upwatch.store.migrate import upgrade_to_head


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
        return engine
    return create_async_engine(
        url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True, pool_recycle=1800
    )


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        "busy_timeout=30000",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def opened_sessions(
    url: str, *, migrate: bool = False
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on an engine of their own (migrated first if asked), disposed on leaving."""
    engine = create_engine(url)
    try:
        if migrate:
            await upgrade_to_head(engine)
        yield session_factory(engine)
    finally:
        await engine.dispose()


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def hold_write_lock(session: AsyncSession) -> None:
    """On SQLite, take the database's write lock now, for the session's transaction.

    The driver begins a transaction only at the first write, so what the session read before
    may have been changed and committed by another session meanwhile; reading after this is
    what ``SELECT … FOR UPDATE`` is on PostgreSQL (where this does nothing: lock rows there).
    """
    if dialect_of(session) != "sqlite":
        return
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None, "a session's connection is open"
    if not driver.in_transaction:
        await connection.exec_driver_sql("BEGIN IMMEDIATE")


def insert_ignoring_conflicts(session: AsyncSession, table: Any, *, key: list[str]) -> Insert:
    """``INSERT … ON CONFLICT (key) DO NOTHING`` in the session's dialect (SQLite or PostgreSQL)."""
    insert = pg_insert if dialect_of(session) == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing(index_elements=key)
