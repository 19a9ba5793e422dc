"""Reading what a run left in Upwatch's database: results in a window, database size."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text

from upwatch.store.database import create_engine
from upwatch.store.tables import CheckResultRow
from upwatch.store.urls import to_async_url


@dataclass(frozen=True)
class WindowResults:
    lateness_seconds: list[float]
    outcomes: dict[str, int]
    monitors_with_results: int


async def results_in_window(database_url: str, start: datetime, end: datetime) -> WindowResults:
    """Results of checks scheduled in [start, end): lateness (started - scheduled) and outcomes."""
    engine = create_engine(to_async_url(database_url))
    lateness: list[float] = []
    outcomes: dict[str, int] = {}
    monitors: set[int] = set()
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(
                    CheckResultRow.monitor_id,
                    CheckResultRow.scheduled_at,
                    CheckResultRow.started_at,
                    CheckResultRow.outcome,
                ).where(CheckResultRow.scheduled_at >= start, CheckResultRow.scheduled_at < end)
            )
            for monitor_id, scheduled_at, started_at, outcome in rows:
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                monitors.add(monitor_id)
                if outcome != "not_run":
                    lateness.append((started_at - scheduled_at).total_seconds())
    finally:
        await engine.dispose()
    return WindowResults(lateness, outcomes, len(monitors))


async def database_bytes(database_url: str) -> int:
    """The whole database: PostgreSQL's own count, or SQLite's pages in use (WAL included, as
    the pages will be once checkpointed; the WAL file's own preallocation is not counted)."""
    if database_url.startswith("sqlite"):
        used = await scalar(
            database_url,
            "SELECT (page_count - freelist_count) * page_size "
            "FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()",
        )
        return int(used) if isinstance(used, int) else 0
    engine = create_engine(to_async_url(database_url))
    try:
        async with engine.connect() as connection:
            size = await connection.scalar(text("SELECT pg_database_size(current_database())"))
    finally:
        await engine.dispose()
    return int(size or 0)


async def scalar(database_url: str, sql: str, **params: object) -> object:
    engine = create_engine(to_async_url(database_url))
    try:
        async with engine.connect() as connection:
            return await connection.scalar(text(sql), params)
    finally:
        await engine.dispose()


async def count(database_url: str, sql: str, **params: object) -> int:
    value = await scalar(database_url, sql, **params)
    return int(value) if isinstance(value, int | float | str) else 0


async def execute(database_url: str, statement: str, **params: object) -> None:
    engine = create_engine(to_async_url(database_url))
    try:
        async with engine.begin() as connection:
            await connection.execute(text(statement), params)
    finally:
        await engine.dispose()
