"""Ping token to monitor id, answered from memory so ping intake rarely touches the database."""

import time
from collections import OrderedDict

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from upwatch.errors import StoreUnavailableError
from upwatch.store.tables import MonitorRow


class PingTokenCache:
    """Known tokens are kept for ``ttl`` seconds, unknown ones for ``miss_ttl``.

    Deleting a monitor in this process calls ``forget``; another process learns within ``ttl``.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        ttl: float = 60.0,
        miss_ttl: float = 5.0,
        max_entries: int = 200_000,
    ) -> None:
        self._sessions = sessions
        self._ttl = ttl
        self._miss_ttl = miss_ttl
        self._max_entries = max_entries
        self._entries: OrderedDict[str, tuple[int | None, float]] = OrderedDict()

    async def monitor_id(self, token: str) -> int | None:
        """The monitor the token belongs to; raises ``StoreUnavailableError`` on a cache miss
        while the database is unreachable."""
        cached = self._entries.get(token)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            async with self._sessions() as session:
                found = await session.scalar(
                    select(MonitorRow.id).where(MonitorRow.ping_token == token)
                )
        except (SQLAlchemyError, OSError) as exc:
            raise StoreUnavailableError(f"cannot look up ping token: {exc}") from exc
        self._entries[token] = (found, now + (self._ttl if found is not None else self._miss_ttl))
        self._entries.move_to_end(token)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return found

    def forget(self, token: str | None) -> None:
        if token is not None:
            self._entries.pop(token, None)
