"""What the web layer needs at run time, built once in the app's lifespan."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from celery import Celery
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from upwatch.domain.targets import TargetPolicy
from upwatch.engine.embedded import EmbeddedEngine
from upwatch.services.ping_tokens import PingTokenCache
from upwatch.services.pings import Ping
from upwatch.settings import Settings


class PingSink(Protocol):
    """Where accepted pings go: returns once the ping is durably written or enqueued."""

    async def submit(self, item: Ping) -> None: ...


@dataclass(slots=True)
class Runtime:
    settings: Settings
    database: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    ping_tokens: PingTokenCache
    pings: PingSink
    engine: EmbeddedEngine | None
    celery: Celery | None
    clock: Callable[[], datetime]

    @property
    def target_policy(self) -> TargetPolicy:
        return self.settings.target_policy

    def ping_url(self, token: str) -> str:
        return f"{self.settings.base_url}/ping/{token}"
