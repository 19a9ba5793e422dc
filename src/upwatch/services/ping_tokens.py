"""Ping token to monitor id, answered from memory so ping intake rarely touches the database."""

import asyncio
import time
from collections import OrderedDict

import structlog
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from upwatch.errors import StoreUnavailableError
from upwatch.store.tables import MonitorRow

log = structlog.get_logger(__name__)

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
    """Every known token, loaded in one query and reloaded in the background every ``ttl``
    seconds, so a ping costs a dictionary lookup even when its token was last seen an hour ago
    (the usual case for heartbeats; a per-token cache would miss almost every time).

    A token missing from the snapshot (a monitor created since) is looked up alone; known ones
    found that way are kept until the next reload, unknown ones for ``miss_ttl`` seconds.
    Deleting a monitor in this process calls ``forget``; another process learns within ``ttl``.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        ttl: float = 60.0,
        miss_ttl: float = 5.0,
        max_misses: int = 200_000,
    ) -> None:
        self._sessions = sessions
        self._ttl = ttl
        self._miss_ttl = miss_ttl
        self._max_misses = max_misses
        self._known: dict[str, int] = {}
        self._reload_at: float | None = None
        self._first_load = asyncio.Lock()
        self._reloading: asyncio.Task[None] | None = None
        self._forgotten_while_reloading: set[str] = set()
        self._misses: OrderedDict[str, float] = OrderedDict()

    async def monitor_id(self, token: str) -> int | None:
        """The monitor the token belongs to; raises ``StoreUnavailableError`` on a miss while
        the database is unreachable."""
        now = time.monotonic()
        if self._reload_at is None:
            async with self._first_load:
                if self._reload_at is None:
                    await self._reload_or_raise()
        elif now >= self._reload_at and self._reloading is None:
            self._reloading = asyncio.create_task(self._reload_in_background())
        found = self._known.get(token)
        if found is not None:
            return found
        missed_until = self._misses.get(token)
        if missed_until is not None and missed_until > now:
            return None
        found = await self._look_up(token)
        if found is None:
            self._misses[token] = now + self._miss_ttl
            self._misses.move_to_end(token)
            while len(self._misses) > self._max_misses:
                self._misses.popitem(last=False)
        else:
            self._known[token] = found
            self._misses.pop(token, None)
        return found

    def forget(self, token: str | None) -> None:
        if token is not None:
            self._known.pop(token, None)
            self._misses.pop(token, None)
            if self._reloading is not None or self._first_load.locked():
                self._forgotten_while_reloading.add(token)

    async def reloaded(self) -> None:
        """Return once a background reload in progress, if any, has finished."""
        if self._reloading is not None:
            await asyncio.shield(self._reloading)

    async def _look_up(self, token: str) -> int | None:
        try:
            async with self._sessions() as session:
                return await session.scalar(
                    select(MonitorRow.id).where(MonitorRow.ping_token == token)
                )
        except (DBAPIError, SQLAlchemyTimeoutError, OSError) as exc:
            if not database_unreachable(exc):
                raise
            raise StoreUnavailableError(f"cannot look up ping token: {exc}") from exc

    async def _reload_or_raise(self) -> None:
        try:
            await self._reload()
        except (DBAPIError, SQLAlchemyTimeoutError, OSError) as exc:
            if not database_unreachable(exc):
                raise
            raise StoreUnavailableError(f"cannot load ping tokens: {exc}") from exc

    async def _reload_in_background(self) -> None:
        try:
            await self._reload()
        except Exception as exc:
            # Keep answering from the last snapshot; try again after a short pause.
            log.warning("ping tokens not reloaded", error=repr(exc))
            self._reload_at = time.monotonic() + self._miss_ttl
        finally:
            self._reloading = None

    async def _reload(self) -> None:
        self._forgotten_while_reloading.clear()
        started = time.monotonic()
        async with self._sessions() as session:
            rows = await session.execute(
                select(MonitorRow.ping_token, MonitorRow.id).where(
                    MonitorRow.ping_token.is_not(None)
                )
            )
            known = {token: monitor_id for token, monitor_id in rows if token is not None}
        for token in self._forgotten_while_reloading:
            known.pop(token, None)
        self._known = known
        self._misses.clear()
        self._reload_at = started + self._ttl
