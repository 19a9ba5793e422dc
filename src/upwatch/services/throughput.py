"""Checks due against checks done over a recent window, from the database alone."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.store.tables import CheckResultRow, MonitorRow


async def recent_throughput(*, session: AsyncSession, minutes: int) -> tuple[float, int]:
    """How many checks active monitors should have run in the window, and how many ran."""
    window = minutes * 60
    due = await session.scalar(
        select(func.coalesce(func.sum(window / MonitorRow.interval), 0)).where(
            MonitorRow.next_run_at.is_not(None)
        )
    )
    since = datetime.now(UTC) - timedelta(seconds=window)
    done = await session.scalar(
        select(func.count()).select_from(CheckResultRow).where(CheckResultRow.started_at >= since)
    )
    return float(due or 0), int(done or 0)
