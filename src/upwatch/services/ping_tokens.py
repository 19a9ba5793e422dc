"""Ping token to monitor id, answered from memory so ping intake rarely touches the database."""

import time
from collections import OrderedDict

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from upwatch.errors import StoreUnavailableError
from upwatch.store.tables import MonitorRow

# SQLSTATE classes meaning "the server cannot serve now", not "the query is wrong": connection
# exception (08), insufficient resources such as too many clients (53), operator intervention
# such as a shutdown, a restart or a failover in progress (57).
UNAVAILABLE_SQLSTATE_CLASSES = frozenset({"08", "53", "57"})


def database_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is away (so a ping is queued unresolved) rather than
    that something is wrong with the query or the schema (which must surface)."""
    if isinstance(exc, (OperationalError, InterfaceError, SQLAlchemyTimeoutError, OSError)):
        return True
    if isinstance(exc, DBAPIError):
        # asyncpg's errors reach SQLAlchemy as its generic DBAPIError, whatever their kind.
        if exc.connection_invalidated:
            return True
        sqlstate = getattr(exc.orig, "sqlstate", None)
        return isinstance(sqlstate, str) and sqlstate[:2] in UNAVAILABLE_SQLSTATE_CLASSES
    return False


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
        except (DBAPIError, SQLAlchemyTimeoutError, OSError) as exc:
            if not database_unreachable(exc):
                raise
            raise StoreUnavailableError(f"cannot look up ping token: {exc}") from exc
        self._entries[token] = (found, now + (self._ttl if found is not None else self._miss_ttl))
        self._entries.move_to_end(token)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return found

    def forget(self, token: str | None) -> None:
        if token is not None:
            self._entries.pop(token, None)
