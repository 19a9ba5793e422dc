"""Scheduler leadership through a PostgreSQL advisory lock held on one dedicated connection.

The lock lives as long as that connection: a leader killed with SIGKILL loses its connection and
PostgreSQL releases the lock at once, so a standby takes over on its next try. Even two leaders
could not dispatch a check twice, since claims use ``FOR UPDATE SKIP LOCKED``.
"""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

SCHEDULER_LOCK_KEY = 0x75707761  # "upwa"


class Leadership:
    def __init__(self, database: AsyncEngine, *, key: int = SCHEDULER_LOCK_KEY) -> None:
        self._database = database
        self._key = key
        self._connection: AsyncConnection | None = None

    @property
    def leading(self) -> bool:
        return self._connection is not None

    async def try_acquire(self) -> bool:
        connection = await self._database.connect()
        try:
            acquired = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            )
            await connection.commit()
        except BaseException:
            await connection.close()
            raise
        if not acquired:
            await connection.close()
            return False
        self._connection = connection
        return True

    async def confirm(self) -> bool:
        """Whether the lock's connection still answers; if not, leadership is gone."""
        if self._connection is None:
            return False
        try:
            await self._connection.execute(text("SELECT 1"))
            await self._connection.commit()
        except Exception:
            await self._drop()
            return False
        return True

    async def release(self) -> None:
        if self._connection is None:
            return
        try:
            await self._connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": self._key}
            )
            await self._connection.commit()
        finally:
            await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            # Invalidate rather than pool it: the session might still hold the lock.
            await connection.invalidate()
            await connection.close()
